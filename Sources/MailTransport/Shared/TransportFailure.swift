import CheckKit

/// What went wrong on the wire, as facts: which kind of failure, with whom, libcurl's own words
/// and the server's last reply. The transport says what happened; the check chooses the words
/// (a `TransportWording`), so no check has to read a sentence back to learn what happened.
public struct TransportFailure: Sendable {
    /// The kinds of failure a check words differently.
    public enum Kind: Sendable, Equatable {
        /// The host name did not resolve.
        case resolve
        /// No connection came up (refused, unreachable).
        case connect
        /// The deadline ran out; `pending` is what the run waited for, when known.
        case timeout(pending: String?)
        /// The TLS handshake or the certificate's verification failed.
        case tls
        /// STARTTLS (STLS) failed or was refused.
        case startTLS
        /// The server refused the login.
        case loginRefused
        /// The server closed the connection; `step` is what the run waited for then.
        case closed(step: String?)
        /// Sending or receiving failed otherwise; `step` as for `closed`.
        case broken(step: String?)
        /// The server said something libcurl could not understand.
        case unexpectedReply
        /// Our side could not set the transfer up (CA file, client key, an option libcurl lacks).
        case setup
        /// An HTTP body was larger than `limit` bytes.
        case bodyTooLarge(limit: Int)
        /// An HTTP request was redirected more often than libcurl allows.
        case tooManyRedirects
        /// Anything else libcurl reports.
        case other
    }

    /// Which kind of failure.
    public let kind: Kind
    /// `host:port` of the server.
    public let endpoint: String
    /// libcurl's message (for a refused HTTP connection, the system's reason).
    public let message: String
    /// The server's last line, escaped and bounded, ready to quote; nil when it said nothing.
    public let reply: String?
    /// The run's deadline: a timeout's limit and the state its expiry maps to.
    public let deadline: Deadline

    /// A failure of `kind` with `endpoint`; `reply` must already be escaped (`SafeText.quote`).
    public init(_ kind: Kind, endpoint: String, message: String, reply: String? = nil, deadline: Deadline) {
        self.kind = kind
        self.endpoint = endpoint
        self.message = message
        self.reply = reply
        self.deadline = deadline
    }

    /// The state the run ends with: the service's fault is CRITICAL, our own setup's UNKNOWN,
    /// and a timeout takes the state `-t` gives its expiry.
    public var status: Status {
        switch kind {
        case .setup: .unknown
        case .timeout: deadline.expiryStatus
        default: .critical
        }
    }

    /// The typed cause: a refused login carries the server's reply (or libcurl's words), which
    /// the OAuth2 retry and the checks' own login sentences act on.
    public var cause: CheckError.Cause? {
        kind == .loginRefused ? .init(.loginRefused, reply ?? message) : nil
    }
}

/// Turns a transport failure into the error a user reads. The checks hand one to every session
/// they open (`TransportWords` in MailChecks): the transport cannot import the checks, and the
/// words, like the option hints, are the checks' to choose.
public protocol TransportWording: Sendable {
    /// The error for `failure`: the check's sentence and `-v` detail, with `failure.status`
    /// and `failure.cause`.
    func error(for failure: TransportFailure) -> CheckError
}
