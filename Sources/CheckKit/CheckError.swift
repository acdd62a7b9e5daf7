/// Why a run ended without a full report: the check could not measure (UNKNOWN) or the service
/// is broken (usually CRITICAL). `detail` is shown behind `-v`.
public struct CheckError: Error, Sendable, Equatable {
    public let status: Status
    public let message: String
    public let detail: [String]

    public init(_ status: Status, _ message: String, detail: [String] = []) {
        self.status = status
        self.message = message
        self.detail = detail
    }

    /// The check could not run or measure: UNKNOWN.
    public static func unknown(_ message: String, detail: [String] = []) -> CheckError {
        CheckError(.unknown, message, detail: detail)
    }

    /// The service does not work: CRITICAL.
    public static func critical(_ message: String, detail: [String] = []) -> CheckError {
        CheckError(.critical, message, detail: detail)
    }
}

/// A bad command line: UNKNOWN with the option named and a short usage.
public struct UsageError: Error, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
}
