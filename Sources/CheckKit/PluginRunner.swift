#if canImport(Glibc)
import Glibc
#endif

/// The suite's version, printed by `--version`.
public let mailcheckVersion = "0.1.0"

/// The one place that prints and exits: options (bad ones: UNKNOWN naming the option plus a
/// short usage), `--help`/`--version` (exit 3), the deadline, the check, rendering, the exit code.
public enum PluginRunner {
    /// Options every check has.
    public static let commonOptions: [OptionSpec] = [
        OptionSpec("help", short: "h", help: "Print this help and exit (status 3)."),
        OptionSpec("version", short: "V", help: "Print the version and exit (status 3)."),
        OptionSpec("verbose", short: "v", help: "More detail; repeat: -vv lists the requests made, -vvv adds a protocol trace."),
        OptionSpec("timeout", short: "t", value: "SECONDS[:STATE]",
                   help: "Hard deadline for the whole run. On expiry the check ends with STATE (ok, warning, critical, unknown)."),
        OptionSpec("extra-opts", value: "[SECTION][@FILE]",
                   help: "Read options from an ini file as monitoring-plugins does (section defaults to the program name)."),
        OptionSpec("output-format", value: "nagios|json|openmetrics", help: "Output format (default nagios); openmetrics for a textfile collector or an exec input."),
    ]

    /// Runs `check` with the process's arguments, writes its output, and returns the exit code.
    public static func main(_ check: any MonitoringCheck.Type, arguments: [String]) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        // A parent can hand us a blocked SIGALRM (signal masks survive exec); the watchdog
        // depends on it, so unblock it.
        var alarm = sigset_t()
        sigemptyset(&alarm)
        sigaddset(&alarm, SIGALRM)
        sigprocmask(SIG_UNBLOCK, &alarm, nil)
        // Nothing may reach stderr (Icinga 2 merges it into the output); libraries that print
        // there are silenced unless someone is debugging the suite itself.
        if FileIO.environment("MAILCHECK_DEBUG") == nil {
            let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
            if null >= 0 { dup2(null, 2); close(null) }
        }
        let (status, text) = execute(check, arguments: arguments)
        _ = FileIO.writeAll(fd: 1, Array(text.utf8))
        return status.exitCode
    }

    /// Everything `main` does except writing and exiting; returns the state and the output.
    public static func execute(_ check: any MonitoringCheck.Type, arguments: [String]) -> (Status, String) {
        let name = check.pluginName
        // --version is answered before anything else is touched: it must stay cheap.
        if arguments.contains("--version") || arguments.contains("-V") {
            return (.unknown, "\(check.programName) (mailcheck) \(mailcheckVersion)\n")
        }
        let specs = commonOptions + check.options
        let options: ParsedOptions
        let format: String
        let instance: any MonitoringCheck
        let context: RunContext
        do {
            let expanded = try ExtraOpts.expand(arguments, programName: check.programName)
            options = try OptionParser.parse(expanded, specs: specs)
            if options.flag("help") { return (.unknown, help(check, specs: specs)) }
            if options.flag("version") { return (.unknown, "\(check.programName) (mailcheck) \(mailcheckVersion)\n") }
            let timeout = try parseTimeout(options.string("timeout"), check: check)
            format = try options.choice("output-format", ["nagios", "json", "openmetrics"], default: "nagios")
            let clock = try WallClock.fromEnvironment()
            // The budget starts before the check reads its options, which may have to fit in it.
            let deadline = Deadline(seconds: timeout.seconds, expiryStatus: timeout.status)
            context = RunContext(verbosity: options.count("verbose"), deadline: deadline, clock: clock)
            instance = try check.init(options: options, context: context)
        } catch {
            // An option value is someone else's text: escaped like a server's words.
            // CR/LF in an option value are shown escaped (\x0D\x0A), not flattened: the value is wrong.
            let message = CheckReport.oneLine(SafeText.bounded(SafeText.escape(error.message), limit: CheckReport.summaryLimit))
            // A scraper asked for OpenMetrics gets it even now: an UNKNOWN state gauge, not text it cannot parse.
            if arguments.contains("--output-format=openmetrics") || zip(arguments, arguments.dropFirst()).contains(where: { $0 == ("--output-format", "openmetrics") }) {
                let name = check.programName.hasPrefix("check_") ? String(check.programName.dropFirst(6)) : check.programName
                return (.unknown, CheckReport(name: check.pluginName, results: [CheckResult(.unknown, message)]).renderOpenMetrics(check: name, labels: []))
            }
            return (.unknown, "\(name) UNKNOWN - \(message)\nUsage: \(check.programName) \(check.synopsis)\nTry '\(check.programName) --help' for more.\n")
        }
        Watchdog.arm(context.deadline, pluginName: name)
        var report: CheckReport
        do {
            report = try instance.run(context)
        } catch {
            report = CheckReport(name: name, error: error)
        }
        Watchdog.disarm()
        if report.name.isEmpty { report.name = name }
        let text: String
        switch format {
        case "json": text = report.renderJSON(trace: context.trace)
        case "openmetrics": text = openMetrics(report, check: check, options: options)
        default: text = report.renderNagios(verbosity: context.verbosity, trace: context.trace)
        }
        return (report.status, text)
    }

    /// The report as OpenMetrics: the host (-H) and a single folder (--folder) label every
    /// sample; a check that splits its labels further (queues, paths) says how.
    static func openMetrics(_ report: CheckReport, check: any MonitoringCheck.Type, options: ParsedOptions) -> String {
        var labels: [(String, String)] = []
        if let host = options.string("hostname") { labels.append(("host", host)) }
        if options.strings("folder").count == 1, let folder = options.string("folder") { labels.append(("folder", folder)) }
        let name = check.programName.hasPrefix("check_") ? String(check.programName.dropFirst(6)) : check.programName
        guard let labelling = check as? any OpenMetricsLabelling.Type else {
            return report.renderOpenMetrics(check: name, labels: labels)
        }
        return report.renderOpenMetrics(check: name, labels: labels) { labelling.openMetricsSeries($0, options: options) }
    }

    /// `SECONDS[:STATE]`: seconds above 0 (fractions allowed), STATE one of the four states.
    /// Checks get the result as `context.deadline`, never by parsing -t again.
    static func parseTimeout(_ text: String?, check: any MonitoringCheck.Type) throws(UsageError) -> (seconds: Double, status: Status) {
        let fallback: Status = check.kind == .network ? .critical : .unknown
        guard let text else { return (check.defaultTimeout, fallback) }
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        var status = fallback
        if parts.count == 2 {
            guard let parsed = Status(name: String(parts[1])) else {
                throw UsageError("invalid state '\(parts[1])' in -t/--timeout: expected ok, warning, critical or unknown")
            }
            status = parsed
        }
        guard let seconds = try? ThresholdRange.number(parts[0], in: text), seconds > 0, seconds <= 86400 else {
            throw UsageError("invalid value '\(text)' for -t/--timeout: expected SECONDS[:STATE] with SECONDS above 0")
        }
        return (seconds, status)
    }

    /// The `--help` text: what the check does, synopsis, every option.
    public static func help(_ check: any MonitoringCheck.Type, specs: [OptionSpec]) -> String {
        var lines = ["\(check.programName) (mailcheck) \(mailcheckVersion)", check.summary, "",
                     "Usage: \(check.programName) \(check.synopsis)", "", "Options:"]
        for spec in specs {
            var head = "  "
            head += spec.short.map { "-\($0), " } ?? "    "
            head += "--\(spec.long)"
            if let value = spec.valueName { head += "=\(value)" }
            lines.append(head)
            lines.append("      " + spec.help)
        }
        lines += ["", "Ranges are [@]START:END as in the Nagios plugin guidelines: 10 (alert outside 0..10), 10: (below 10),",
                  "~:10 (above 10), 10:20 (outside 10..20), @10:20 (inside 10..20). Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.",
                  "Default timeout: \(NumberFormat.decimal(check.defaultTimeout)) s, then \(check.kind == .network ? "CRITICAL" : "UNKNOWN")."]
        return lines.joinedText("\n") + "\n"
    }
}
