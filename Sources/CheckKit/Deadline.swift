#if canImport(Glibc)
import Glibc
#endif

/// The `-t` budget of one run: every blocking call is handed the time left, and a watchdog
/// ends the process with a clear line if something blocks past the deadline anyway.
public final class Deadline: Sendable {
    /// The whole budget in seconds.
    public let seconds: Double
    /// The state reported when the deadline passes.
    public let expiryStatus: Status
    let startedAt: Double

    /// A budget of `seconds` from now; on expiry the run ends with `expiryStatus`.
    public init(seconds: Double, expiryStatus: Status) {
        self.seconds = seconds
        self.expiryStatus = expiryStatus
        self.startedAt = Deadline.now()
    }

    /// Monotonic seconds.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Seconds since the run started.
    public var elapsed: Double { Deadline.now() - startedAt }

    /// Seconds left (never negative).
    public var remaining: Double { max(0, seconds - elapsed) }

    /// True once the budget is spent.
    public var isExpired: Bool { remaining <= 0 }

    /// Milliseconds left for APIs that take them, at least 1 so that 0 never means "no limit".
    public var remainingMilliseconds: Int { max(1, Int(remaining * 1000)) }

    /// The error a check throws when it notices the deadline itself.
    public func expiredError(while activity: String) -> CheckError {
        CheckError(expiryStatus, "timed out after \(NumberFormat.decimal(seconds, fractionDigits: 1)) s \(activity)")
    }
}

/// The last line of defence behind `-t`: a real-time timer whose signal handler writes a
/// pre-rendered line and `_exit`s, so a system call that blocks (DNS, a hung NFS mount, a child
/// that ignores its pipes) cannot hold the run past the deadline. Only async-signal-safe calls
/// run in the handler.
public enum Watchdog {
    nonisolated(unsafe) static var line: UnsafeMutableBufferPointer<UInt8>? = nil
    nonisolated(unsafe) static var exitCode: Int32 = 3
    nonisolated(unsafe) static var childProcessGroup: pid_t = 0
    nonisolated(unsafe) static var pluginName = ""
    nonisolated(unsafe) static var deadline: Deadline? = nil

    /// Arms the timer for `deadline` plus a grace period that lets the run's own, more
    /// specific timeout error win the race.
    public static func arm(_ deadline: Deadline, pluginName: String, grace: Double = 0.25) {
        self.pluginName = pluginName
        self.deadline = deadline
        exitCode = deadline.expiryStatus.exitCode
        setActivity("")
        signal(SIGALRM, { _ in Watchdog.fire() })
        let total = max(0.001, deadline.remaining + grace)
        var timer = itimerval()
        timer.it_value.tv_sec = Int(total)
        timer.it_value.tv_usec = Int((total - Double(Int(total))) * 1e6)
        setitimer(__itimer_which_t(ITIMER_REAL.rawValue), &timer, nil)
    }

    /// Stops the timer (before the runner prints its own output).
    public static func disarm() {
        var timer = itimerval()
        setitimer(__itimer_which_t(ITIMER_REAL.rawValue), &timer, nil)
    }

    /// Says what the run is waiting for, so the timeout line can name it.
    public static func setActivity(_ activity: String) {
        guard let deadline else { return }
        let message = deadline.expiredError(while: activity.isEmpty ? "" : "(\(activity))").message
        let text = "\(pluginName) \(deadline.expiryStatus.label) - " +
            CheckReport.oneLine(SafeText.bounded(message, limit: CheckReport.summaryLimit)).replacingSpacesAtEnd() + "\n"
        let bytes = Array(text.utf8)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
        _ = buffer.initialize(from: bytes)
        // The previous buffer is deliberately leaked: the handler may be reading it right now.
        line = buffer
    }

    /// Records the process group of a running child so the handler can kill it too.
    public static func setChild(_ pid: pid_t) { childProcessGroup = pid }

    static func fire() {
        if childProcessGroup > 0 { kill(-childProcessGroup, SIGKILL) }
        if let line { _ = write(1, line.baseAddress, line.count) }
        _exit(exitCode)
    }
}

extension String {
    func replacingSpacesAtEnd() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
