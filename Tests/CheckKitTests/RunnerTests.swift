import Foundation
import Testing
@testable import CheckKit

/// A network check for the runner: `--value` is measured against -w/-c, `--fail` ends the run early.
struct UnitCheck: MonitoringCheck {
    static let programName = "check_unit"
    static let summary = "A check used by the CheckKit tests."
    static let synopsis = "--value N [-w RANGE] [-c RANGE] [options]"
    static let kind = CheckKind.network
    static let options: [OptionSpec] = [
        OptionSpec("warning", short: "w", value: "RANGE", help: "Warning range."),
        OptionSpec("critical", short: "c", value: "RANGE", help: "Critical range."),
        OptionSpec("value", value: "N", help: "The value to measure."),
        OptionSpec("fail", value: "critical|unknown", help: "Throw instead of measuring."),
    ]

    let thresholds: Thresholds
    let value: Double
    let fail: String?

    init(options: ParsedOptions, context _: RunContext) throws(UsageError) {
        thresholds = try options.thresholds()
        value = try options.double("value", in: -1e9...1e9) ?? 0
        fail = try options.has("fail") ? options.choice("fail", ["critical", "unknown"], default: "critical") : nil
    }

    func run(_ context: RunContext) throws(CheckError) -> CheckReport {
        context.log(2, "measuring \(NumberFormat.decimal(value))")
        context.log(3, "protocol trace")
        context.activity("measuring")
        switch fail {
        case "critical": throw .critical("connection refused", detail: ["tried 127.0.0.1:1"])
        case "unknown": throw .unknown("cannot measure")
        default: break
        }
        return CheckReport(name: Self.pluginName, results: [
            CheckResult.measure("value", value, thresholds: thresholds, message: "value is \(NumberFormat.decimal(value))"),
        ])
    }
}

/// A local check: a timeout is UNKNOWN by default.
struct LocalUnitCheck: MonitoringCheck {
    static let programName = "check_local_unit"
    static let summary = "A local check used by the CheckKit tests."
    static let synopsis = "[options]"
    static let kind = CheckKind.local
    static let defaultTimeout: Double = 20
    static let options: [OptionSpec] = []

    init(options: ParsedOptions, context _: RunContext) throws(UsageError) {}

    func run(_ context: RunContext) throws(CheckError) -> CheckReport {
        CheckReport(name: "", results: [CheckResult(.ok, "verbosity \(context.verbosity), budget \(NumberFormat.decimal(context.deadline.seconds))")])
    }
}

/// A check whose options must fit in -t: it reads the run's deadline in `init`, as the
/// checks with `--stale-after` do, instead of parsing -t again.
struct BudgetCheck: MonitoringCheck {
    static let programName = "check_budget"
    static let summary = "A check whose option must fit in -t."
    static let synopsis = "--needs SECONDS [options]"
    static let kind = CheckKind.network
    static let options: [OptionSpec] = [OptionSpec("needs", value: "SECONDS", help: "Seconds the run needs.")]

    let budget: Double
    let expiry: Status

    init(options: ParsedOptions, context: RunContext) throws(UsageError) {
        let needs = try options.double("needs", in: 0...1000) ?? 0
        guard needs < context.deadline.seconds else {
            throw UsageError("--needs (\(NumberFormat.decimal(needs)) s) must be shorter than -t (\(NumberFormat.decimal(context.deadline.seconds)) s)")
        }
        budget = context.deadline.seconds
        expiry = context.deadline.expiryStatus
    }

    func run(_ context: RunContext) throws(CheckError) -> CheckReport {
        CheckReport(name: Self.pluginName, results: [CheckResult(.ok, "budget \(NumberFormat.decimal(budget)), then \(expiry.label)")])
    }
}

/// `execute` arms a process-wide SIGALRM watchdog; the tests give it a generous -t and run one at a time.
@Suite(.serialized)
struct RunnerTests {
    static func run(_ arguments: [String]) -> (Status, String) {
        PluginRunner.execute(UnitCheck.self, arguments: arguments)
    }

    @Test("pluginName drops check_ and upper-cases")
    func pluginName() {
        #expect(UnitCheck.pluginName == "UNIT")
        #expect(LocalUnitCheck.pluginName == "LOCAL_UNIT")
    }

    @Test("--version and -V: UNKNOWN (exit 3) with the version", arguments: [
        ["--version"], ["-V"], ["-w", "1", "--version"], ["--bogus", "-V"], ["-vV"],
    ])
    func version(arguments: [String]) {
        let (status, text) = Self.run(arguments)
        #expect(status == .unknown)
        #expect(status.exitCode == 3)
        #expect(text == "check_unit (mailcheck) \(mailcheckVersion)\n")
    }

    @Test("--help and -h: UNKNOWN (exit 3) with the options", arguments: [["--help"], ["-h"], ["-t", "30", "-h"]])
    func help(arguments: [String]) {
        let (status, text) = Self.run(arguments)
        #expect(status == .unknown)
        #expect(status.exitCode == 3)
        #expect(text.hasPrefix("check_unit (mailcheck) \(mailcheckVersion)\n\(UnitCheck.summary)\n"))
        #expect(text.contains("Usage: check_unit \(UnitCheck.synopsis)"))
        for option in ["-h, --help", "-V, --version", "-v, --verbose", "-t, --timeout=SECONDS[:STATE]", "--extra-opts",
                       "--output-format", "-w, --warning=RANGE", "-c, --critical=RANGE", "--value=N"] {
            #expect(text.contains(option), "help lacks \(option)")
        }
        #expect(text.contains("Default timeout: 10 s, then CRITICAL."))
    }

    @Test("help of a local check names UNKNOWN and its own default timeout")
    func localHelp() {
        let (_, text) = PluginRunner.execute(LocalUnitCheck.self, arguments: ["--help"])
        #expect(text.contains("Default timeout: 20 s, then UNKNOWN."))
    }

    @Test("bad options: UNKNOWN naming the option, then a Usage: line", arguments: [
        (["--bogus"], "unknown option --bogus"),
        (["-x"], "unknown option -x"),
        (["-w"], "option -w/--warning needs a value (RANGE)"),
        (["-w", "10x"], "invalid range '10x' for -w/--warning: '10x' is not a number"),
        (["-c", "20:10"], "invalid range '20:10' for -c/--critical: start is greater than end"),
        (["--output-format", "xml"], "invalid value 'xml' for --output-format: expected one of nagios, json, openmetrics"),
        (["-t", "0"], "invalid value '0' for -t/--timeout: expected SECONDS[:STATE] with SECONDS above 0"),
        (["-t", "5:bogus"], "invalid state 'bogus' in -t/--timeout: expected ok, warning, critical or unknown"),
        (["stray"], "unexpected argument 'stray'"),
        (["--value", "1e3"], "invalid value '1e3' for --value: expected a number from -1000000000 to 1000000000"),
        (["--verbose=2"], "option -v/--verbose takes no value"),
    ] as [([String], String)])
    func badOption(arguments: [String], message: String) {
        let (status, text) = Self.run(["-t", "30"] + arguments)
        #expect(status == .unknown)
        #expect(text == "UNIT UNKNOWN - \(message)\nUsage: check_unit \(UnitCheck.synopsis)\nTry 'check_unit --help' for more.\n")
    }

    @Test("thresholds decide the state; -w and -c differ", arguments: [
        ("5", Status.ok), ("15", .warning), ("25", .critical), ("-1", .critical), ("10", .ok), ("20", .warning),
    ] as [(String, Status)])
    func states(value: String, expected: Status) {
        let (status, text) = Self.run(["-t", "30", "-w", "10", "-c", "20", "--value", value])
        #expect(status == expected)
        #expect(text == "UNIT \(expected.label) - value is \(value) | value=\(value);10;20\n")
    }

    @Test("a check that throws CheckError.critical gives CRITICAL with its message")
    func throwsCritical() {
        let (status, text) = Self.run(["-t", "30", "--fail", "critical"])
        #expect(status == .critical)
        #expect(status.exitCode == 2)
        #expect(text == "UNIT CRITICAL - connection refused\ntried 127.0.0.1:1\n")
    }

    @Test("a check that throws CheckError.unknown gives UNKNOWN")
    func throwsUnknown() {
        let (status, text) = Self.run(["-t", "30", "--fail=unknown"])
        #expect(status == .unknown)
        #expect(text == "UNIT UNKNOWN - cannot measure\n")
    }

    @Test("verbosity reaches the check and the trace")
    func verbosity() {
        #expect(Self.run(["-t", "30", "--value", "1"]).1 == "UNIT OK - value is 1 | value=1\n")
        #expect(Self.run(["-t", "30", "-vv", "--value", "1"]).1 == "UNIT OK - value is 1 | value=1\nmeasuring 1\n")
        #expect(Self.run(["-t", "30", "-vvv", "--value", "1"]).1 == "UNIT OK - value is 1 | value=1\nmeasuring 1\nprotocol trace\n")
    }

    @Test("an empty report name gets the plugin name; -t reaches the deadline")
    func localCheck() {
        let (status, text) = PluginRunner.execute(LocalUnitCheck.self, arguments: ["-t", "30", "-v"])
        #expect(status == .ok)
        #expect(text == "LOCAL_UNIT OK - verbosity 1, budget 30\n")
    }

    @Test("json output")
    func json() throws {
        let (status, text) = Self.run(["-t", "30", "--output-format", "json", "-w", "10", "-c", "@20:30", "--value", "25"])
        #expect(status == .critical)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["name"] as? String == "UNIT")
        #expect(object["state"] as? String == "CRITICAL")
        #expect((object["exit_code"] as? NSNumber)?.intValue == 2)
        #expect(object["summary"] as? String == "value is 25")
        let metrics = try #require(object["metrics"] as? [[String: Any]])
        #expect(metrics.count == 1)
        #expect(metrics.first?["label"] as? String == "value")
        #expect(metrics.first?["warning"] as? String == "10")
        #expect(metrics.first?["critical"] as? String == "@20:30")
    }

    @Test("json output for a thrown error")
    func jsonError() throws {
        let (status, text) = Self.run(["-t", "30", "--output-format=json", "--fail", "critical"])
        #expect(status == .critical)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["state"] as? String == "CRITICAL")
        #expect(object["summary"] as? String == "connection refused")
        #expect(object["details"] as? [String] == ["tried 127.0.0.1:1"])
    }

    @Test("--extra-opts through the runner; the command line wins")
    func extraOpts() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("p.ini", "[check_unit]\nwarning = 10\ncritical = 20\nvalue = 15\n")
        #expect(Self.run(["-t", "30", "--extra-opts=@\(file)"]).0 == .warning)
        #expect(Self.run(["-t", "30", "--extra-opts=@\(file)", "--value", "25"]).0 == .critical)
        #expect(Self.run(["-t", "30", "--extra-opts=@\(file)", "-w", "50", "-c", "60"]).0 == .ok)
        let (status, text) = Self.run(["-t", "30", "--extra-opts=missing@\(file)"])
        #expect(status == .unknown)
        #expect(text.hasPrefix("UNIT UNKNOWN - --extra-opts: invalid section 'missing'"))
        #expect(text.contains("\nUsage: check_unit "))
    }

    @Test("the watchdog is disarmed after a run")
    func disarmed() {
        _ = Self.run(["-t", "30", "--value", "1"])
        var current = itimerval()
        getitimer(__itimer_which_t(ITIMER_REAL.rawValue), &current)
        #expect(current.it_value.tv_sec == 0 && current.it_value.tv_usec == 0)
    }

    @Test("init gets the run's deadline: -t as the runner parsed it, with its state", arguments: [
        (["-t", "5", "--needs", "4"], Status.ok, "BUDGET OK - budget 5, then CRITICAL\n"),
        (["-t", "5:warning", "--needs", "1"], .ok, "BUDGET OK - budget 5, then WARNING\n"),
        ([], .ok, "BUDGET OK - budget 10, then CRITICAL\n"),
        (["-t", "5", "--needs", "8"], .unknown,
         "BUDGET UNKNOWN - --needs (8 s) must be shorter than -t (5 s)\nUsage: check_budget --needs SECONDS [options]\nTry 'check_budget --help' for more.\n"),
    ] as [([String], Status, String)])
    func initReadsTheDeadline(arguments: [String], status: Status, output: String) {
        let (state, text) = PluginRunner.execute(BudgetCheck.self, arguments: arguments)
        #expect(state == status)
        #expect(text == output)
    }
}

struct TimeoutTests {
    /// (text, seconds, state) for a network check.
    @Test("-t SECONDS[:STATE] accepted", arguments: [
        ("5", 5.0, Status.critical), ("0.5", 0.5, .critical), ("5:ok", 5, .ok), ("5:warning", 5, .warning),
        ("5:critical", 5, .critical), ("5:unknown", 5, .unknown), ("5:UNKNOWN", 5, .unknown), ("5:Warning", 5, .warning),
        ("86400", 86400, .critical), ("0.001", 0.001, .critical),
    ] as [(String, Double, Status)])
    func accepted(text: String, seconds: Double, status: Status) throws {
        let parsed = try PluginRunner.parseTimeout(text, check: UnitCheck.self)
        #expect(parsed.seconds == seconds)
        #expect(parsed.status == status)
    }

    @Test("-t rejected", arguments: [
        "0", "-1", "x", "5:bogus", "", ":", ":ok", "5:", "0:ok", "1e2", "nan", "inf", "5s", " 5", "86401", "5:ok:x", "-0.5",
    ])
    func rejected(text: String) {
        let message = usageMessage { () throws(UsageError) in try PluginRunner.parseTimeout(text, check: UnitCheck.self) }
        #expect(message?.contains("-t/--timeout") == true, "\(text): \(message ?? "accepted")")
    }

    @Test("the bad text is named")
    func namesText() {
        #expect(usageMessage { () throws(UsageError) in try PluginRunner.parseTimeout("x", check: UnitCheck.self) }
                == "invalid value 'x' for -t/--timeout: expected SECONDS[:STATE] with SECONDS above 0")
        #expect(usageMessage { () throws(UsageError) in try PluginRunner.parseTimeout("5:bogus", check: UnitCheck.self) }
                == "invalid state 'bogus' in -t/--timeout: expected ok, warning, critical or unknown")
    }

    @Test("default: CRITICAL for a network check, UNKNOWN for a local one")
    func defaults() throws {
        let network = try PluginRunner.parseTimeout(nil, check: UnitCheck.self)
        #expect(network.seconds == 10)
        #expect(network.status == .critical)
        let local = try PluginRunner.parseTimeout(nil, check: LocalUnitCheck.self)
        #expect(local.seconds == 20)
        #expect(local.status == .unknown)
        #expect(try PluginRunner.parseTimeout("7", check: LocalUnitCheck.self).status == .unknown)
        #expect(try PluginRunner.parseTimeout("7:critical", check: LocalUnitCheck.self).status == .critical)
    }
}
