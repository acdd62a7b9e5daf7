import CheckKit
#if canImport(Glibc)
import Glibc
#endif

/// What one look at an MTA's queues found, plus what the report must say about how.
struct QueueSnapshot {
    var tally: QueueTally
    /// `Postfix`, `Exim`, ... for the summary.
    var mta: String
    /// Set when the MTA is not running although its queue could be read: CRITICAL.
    var downReason: String? = nil
    /// False when the listing gives no message sizes: no `bytes` metric then.
    var sizesKnown = true
    /// Facts for the long output (e.g. "exim -bp gives no deferral reasons").
    var notes: [String] = []
}

/// One MTA's way of listing its queues.
protocol QueueBackend {
    /// Runs the listing command within the deadline and counts what it prints.
    func snapshot(_ context: RunContext, now: Int64) throws(CheckError) -> QueueSnapshot
}

/// Finds programs the way an operator expects although schedulers run plugins with a short
/// PATH (Nagios and NRPE often lack the sbin directories the MTA tools live in).
enum ProgramLocator {
    static let systemDirectories = ["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/usr/local/bin", "/bin"]

    /// The first executable called `name` in PATH or the sbin/bin directories; a name with a
    /// slash is taken as it is.
    static func find(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = (FileIO.environment("PATH") ?? "").split(separator: ":").map(String.init)
        for dir in path + systemDirectories where !dir.isEmpty {
            let candidate = dir + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// `find` or a specific UNKNOWN naming what was looked for and the option that overrides it.
    static func require(_ name: String, explicit: String?, option: String, what: String) throws(CheckError) -> String {
        if let explicit {
            if access(explicit, X_OK) == 0 { return explicit }
            let reason = FileIO.exists(explicit) ? "not executable" : "not found"
            throw .unknown("\(explicit) (\(option)): \(reason)")
        }
        if let found = find(name) { return found }
        throw .unknown("\(name) not found in PATH or \(systemDirectories.prefix(3).joined(separator: ", ")) (is \(what) installed? \(option) names it)")
    }
}

/// Helpers shared by the backends for turning a failed child into a short, specific line.
enum ChildOutcome {
    /// The user this plugin runs as, for permission messages.
    static var userName: String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return "uid \(geteuid())"
    }

    /// Lines of stderr kept for the long output: the first and the last few.
    static let stderrHeadLines = 5
    static let stderrTailLines = 10

    /// The child's stderr as lines, without blanks, each cut to a readable length; a flood
    /// is summarised as its first and last lines and a count of the rest.
    static func stderrLines(_ result: SubprocessResult) -> [String] {
        let all = result.stderrText.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .filter { !$0.allSatisfy { $0 == " " || $0 == "\t" } }
        let keep = stderrHeadLines + stderrTailLines
        guard all.count > keep + 1 else { return all.map { String($0.prefix(300)) } }
        // When the capture itself cut bytes, its own marker line is among the hidden ones.
        let cut = result.stderrOmitted > 0
        let hidden = all.count - keep - (cut ? 1 : 0)
        let marker = cut ? "[\(hidden) more lines and \(result.stderrOmitted) bytes of stderr not shown]"
            : "[\(hidden) more lines of stderr not shown]"
        return (all.prefix(stderrHeadLines) + [Substring(marker)] + all.suffix(stderrTailLines))
            .map { String($0.prefix(300)) }
    }

    /// `exit 1` or `killed by signal 9 (SIGKILL)`.
    static func status(_ result: SubprocessResult) -> String {
        if let signal = result.signal { return "killed by signal \(signal)" + (signalName(signal).map { " (\($0))" } ?? "") }
        return "exit \(result.exitCode ?? -1)"
    }

    /// The usual name of a signal a listing program dies of; nil for the rare ones.
    static func signalName(_ signal: Int32) -> String? {
        let names: [Int32: String] = [SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL",
                                      SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL",
                                      SIGSEGV: "SIGSEGV", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM",
                                      SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ"]
        return names[signal]
    }

    /// A child that died of a signal: whatever it printed is partial and its complaints
    /// are beside the point (`postqueue killed by signal 9 (SIGKILL)`).
    static func killed(_ command: String, _ result: SubprocessResult) -> CheckError? {
        guard result.signal != nil else { return nil }
        let program = command.split(separator: " ").first.map(String.init) ?? command
        var text = "\(program) \(status(result))"
        if let main = mainError(stderrLines(result)) { text += ": " + main }
        return .unknown(text, detail: stderrLines(result))
    }

    /// The most telling stderr line: the last fatal/error line, else the last line.
    static func mainError(_ lines: [String]) -> String? {
        lines.last { $0.containsText("fatal") || $0.containsText("error") || $0.containsText("denied") } ?? lines.last
    }

    /// The generic failure: `postqueue -j failed (exit 75): postqueue: fatal: ...`.
    static func failure(_ command: String, _ result: SubprocessResult) -> CheckError {
        if let killed = killed(command, result) { return killed }
        let lines = stderrLines(result)
        var text = "\(command) failed (\(status(result)))"
        if let main = mainError(lines) { text += ": " + main }
        return .unknown(text, detail: lines)
    }

    /// True when a child's complaint is about privileges.
    static func isPermissionProblem(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.containsText("permission denied") || lower.containsText("not permitted") ||
            lower.containsText("not allowed") || lower.containsText("must be root") || lower.containsText("only root")
    }
}

/// Integer parsing for numbers from child output: never traps, clamps instead of overflowing.
enum ChildNumber {
    /// Decimal digits with an optional sign (JSON numbers with a fraction or exponent are
    /// cut to their integral part); nil when the text is not a number at all.
    static func integer<Bytes: Collection<UInt8>>(_ text: Bytes) -> Int64? {
        var value: Int64 = 0
        var negative = false
        var digits = 0
        var clamped = false
        for (i, b) in text.enumerated() {
            if i == 0 && b == UInt8(ascii: "-") { negative = true; continue }
            guard b >= 0x30 && b <= 0x39 else {
                // A fraction or an exponent ends the integral part.
                if digits > 0 && (b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")) {
                    return exponentAware(text, fallback: negative ? -value : value)
                }
                return nil
            }
            digits += 1
            if clamped { continue }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(b - 0x30))
            if o1 || o2 { value = Int64.max; clamped = true } else { value = sum }
        }
        guard digits > 0 else { return nil }
        return negative ? (value == Int64.max ? Int64.min : -value) : value
    }

    private static func exponentAware<Bytes: Collection<UInt8>>(_ text: Bytes, fallback: Int64) -> Int64 {
        guard let d = Double(String(decoding: text, as: UTF8.self)), d.isFinite else { return fallback }
        if d >= 9.2e18 { return Int64.max }
        if d <= -9.2e18 { return Int64.min }
        return Int64(d.rounded(.down))
    }

    /// `integer` as an `Int` (64-bit here).
    static func int<Bytes: Collection<UInt8>>(_ text: Bytes) -> Int? {
        integer(text).map { Int(truncatingIfNeeded: $0) }
    }
}
