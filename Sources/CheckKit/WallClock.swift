import Glibc

/// The run's wall clock: the real time, or the fixed time a test sets in `MAILCHECK_NOW`.
/// It lives in `RunContext`, so a check reads "now" in one place and a test sets it in one
/// place (certificate days, state samples, queue ages, probe tokens, token expiry, trends).
public struct WallClock: Sendable {
    /// The environment variable that fixes the time, in seconds since the epoch.
    public static let environmentVariable = "MAILCHECK_NOW"

    /// The fixed time, or nil for the real clock.
    public let fixed: Double?

    /// A clock fixed at `fixed`, or the real one when nil.
    public init(fixed: Double? = nil) {
        self.fixed = fixed
    }

    /// The clock `MAILCHECK_NOW` asks for; a value that is not plain seconds is a usage error
    /// (a test that meant to fix the time must not silently run on the real one).
    public static func fromEnvironment() throws(UsageError) -> WallClock {
        guard let text = FileIO.environment(environmentVariable) else { return WallClock() }
        guard let seconds = plainSeconds(text) else {
            throw UsageError("invalid value '\(text)' in environment variable \(environmentVariable): expected seconds since the epoch")
        }
        return WallClock(fixed: seconds)
    }

    /// Seconds since the epoch: the fixed time when set, otherwise the real time.
    public func now() -> Double {
        fixed ?? Self.system()
    }

    /// The real time, whatever the test set. Only for what is compared with other machines'
    /// real timestamps (a server's `Received:` stamps), never for the run's own notion of now.
    public static func system() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// `1700000000` or `1700000000.5`: digits with at most one dot, an optional leading `+`.
    /// Double(_:) alone would take "inf", "nan", hex and exponents.
    static func plainSeconds(_ text: String) -> Double? {
        let body = text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        guard !body.isEmpty, body.count <= 30 else { return nil }
        var digits = 0
        var dots = 0
        for c in body {
            if c == "." { dots += 1 } else if c.isASCII && c.isNumber { digits += 1 } else { return nil }
        }
        // Bounded so that whole seconds always fit an Int64 (a queue age is one): no trap from input.
        guard digits > 0, dots <= 1, let value = Double(body), value.isFinite, value <= 1e11 else { return nil }
        return value
    }
}
