/// Why a run ended without a full report: the check could not measure (UNKNOWN) or the service
/// is broken (usually CRITICAL). `detail` is shown behind `-v`.
public struct CheckError: Error, Sendable, Equatable {
    /// The state the run ends with.
    public let status: Status
    /// The sentence for the first line.
    public let message: String
    /// Lines shown behind `-v`.
    public let detail: [String]
    /// What went wrong, typed, when the layer that failed knows more than its words say: a
    /// check picks its own words or hints from it instead of re-reading `message`.
    public let cause: Cause?

    /// An error with its state, sentence, `-v` detail and, when known, its typed cause.
    public init(_ status: Status, _ message: String, detail: [String] = [], cause: Cause? = nil) {
        self.status = status
        self.message = message
        self.detail = detail
        self.cause = cause
    }

    /// A typed reason with one value; the kinds are declared by the layer that raises them
    /// (MailTransport declares login refusals, for example), so CheckKit stays protocol-free.
    public struct Cause: Hashable, Sendable {
        /// Which reason.
        public let kind: Kind
        /// What goes with it (the server's reply, a mechanism to try instead), or "".
        public let value: String

        /// A cause of `kind` with its value.
        public init(_ kind: Kind, _ value: String = "") {
            self.kind = kind
            self.value = value
        }

        /// A reason's name; each layer adds its own as static members.
        public struct Kind: RawRepresentable, Hashable, Sendable {
            /// The name, for -vv and tests.
            public let rawValue: String
            /// A kind named `rawValue`.
            public init(rawValue: String) { self.rawValue = rawValue }
        }
    }

    /// The same error with `prefix` before its message (`IMAP: `), cause and detail kept.
    public func prefixed(_ prefix: String) -> CheckError {
        CheckError(status, prefix + message, detail: detail, cause: cause)
    }

    /// The same error with `text` after its message, cause and detail kept.
    public func appending(_ text: String) -> CheckError {
        CheckError(status, message + text, detail: detail, cause: cause)
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
    /// The sentence shown to the user.
    public let message: String
    /// A usage error with its message.
    public init(_ message: String) { self.message = message }
}
