/// Whether a check talks to the network; decides the state a timeout gets by default.
public enum CheckKind: Sendable {
    /// A timeout means the service did not answer: CRITICAL.
    case network
    /// A timeout means the check could not measure: UNKNOWN.
    case local
}

/// A check: a value built from options that turns into a report. It never prints and never
/// exits, so tests can run it in-process; `PluginRunner` does the printing.
public protocol MonitoringCheck {
    /// The executable name, `check_smtp_session`.
    static var programName: String { get }
    /// One sentence for `--help`.
    static var summary: String { get }
    /// The synopsis after the program name, `-H HOST [-p PORT] [options]`.
    static var synopsis: String { get }
    /// The check's own options; the runner adds the common ones.
    static var options: [OptionSpec] { get }
    static var kind: CheckKind { get }
    /// `-t` when not given, in seconds.
    static var defaultTimeout: Double { get }

    /// Validates options; bad ones throw a `UsageError` naming the option. `context` is the
    /// run's: its deadline is -t as the runner parsed it, for options that must fit in it.
    init(options: ParsedOptions, context: RunContext) throws(UsageError)

    /// Runs the check; failures that end the run early throw a `CheckError`.
    func run(_ context: RunContext) throws(CheckError) -> CheckReport
}

extension MonitoringCheck {
    /// `SMTP` for `check_smtp_session`: the first word of the output.
    public static var pluginName: String {
        let base = programName.hasPrefix("check_") ? String(programName.dropFirst(6)) : programName
        return base.uppercased()
    }

    /// Seconds for -t when not given.
    public static var defaultTimeout: Double { 10 }
}

/// What a running check may use: verbosity, the deadline, the wall clock and a trace for `-vv`.
public final class RunContext {
    /// How many -v were given.
    public let verbosity: Int
    /// The run's time budget.
    public let deadline: Deadline
    /// The wall time for the run: read it here, never from the system (tests fix it).
    public let clock: WallClock
    /// Requests made and protocol lines, shown in long output at `-vv` and `-vvv`.
    public private(set) var trace: [String] = []

    /// A context for one run.
    public init(verbosity: Int, deadline: Deadline, clock: WallClock = WallClock()) {
        self.verbosity = verbosity
        self.deadline = deadline
        self.clock = clock
    }

    /// Adds a line to the trace when verbosity is at least `level`.
    public func log(_ level: Int, _ line: @autoclosure () -> String) {
        if verbosity >= level && trace.count < 2000 { trace.append(line()) }
    }

    /// Says what the run is waiting for, for the timeout line.
    public func activity(_ text: String) { Watchdog.setActivity(text) }
}
