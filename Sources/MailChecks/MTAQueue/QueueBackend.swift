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

    /// The child's stderr as lines, without blanks, each cut to a readable length.
    static func stderrLines(_ result: SubprocessResult) -> [String] {
        result.stderrText.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { String($0.prefix(300)) }
            .filter { !$0.trimmingBlanksAndNewlines.isEmpty }
    }

    /// `exit 1` or `killed by signal 9`.
    static func status(_ result: SubprocessResult) -> String {
        if let signal = result.signal { return "killed by signal \(signal)" }
        return "exit \(result.exitCode ?? -1)"
    }

    /// The most telling stderr line: the last fatal/error line, else the last line.
    static func mainError(_ lines: [String]) -> String? {
        lines.last { $0.contains("fatal") || $0.contains("error") || $0.contains("denied") } ?? lines.last
    }

    /// The generic failure: `postqueue -j failed (exit 75): postqueue: fatal: ...`.
    static func failure(_ command: String, _ result: SubprocessResult) -> CheckError {
        let lines = stderrLines(result)
        var text = "\(command) failed (\(status(result)))"
        if let main = mainError(lines) { text += ": " + main }
        return .unknown(text, detail: lines)
    }

    /// True when a child's complaint is about privileges.
    static func isPermissionProblem(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.contains("permission denied") || lower.contains("not permitted") ||
            lower.contains("not allowed") || lower.contains("must be root") || lower.contains("only root")
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
