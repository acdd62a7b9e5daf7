/// A plugin state: the word on the first line and the exit code come from this one value.
public enum Status: Int, Sendable, CaseIterable, Comparable {
    case ok = 0
    case warning = 1
    case critical = 2
    case unknown = 3

    /// The exit code schedulers read (0-3, never anything else).
    public var exitCode: Int32 { Int32(rawValue) }

    /// The upper-case word of the first line.
    public var label: String {
        switch self {
        case .ok: "OK"
        case .warning: "WARNING"
        case .critical: "CRITICAL"
        case .unknown: "UNKNOWN"
        }
    }

    /// Worst-state order: OK < UNKNOWN < WARNING < CRITICAL, so a broken service is never
    /// hidden behind a sub-check that could not measure.
    public var severity: Int {
        switch self {
        case .ok: 0
        case .unknown: 1
        case .warning: 2
        case .critical: 3
        }
    }

    /// Severity order: OK < UNKNOWN < WARNING < CRITICAL.
    public static func < (lhs: Status, rhs: Status) -> Bool { lhs.severity < rhs.severity }

    /// Parses `ok`, `warning`, `critical`, `unknown` (any case; also the digits 0-3).
    public init?(name: String) {
        switch name.lowercased() {
        case "ok", "0": self = .ok
        case "warning", "warn", "1": self = .warning
        case "critical", "crit", "2": self = .critical
        case "unknown", "3": self = .unknown
        default: return nil
        }
    }
}
