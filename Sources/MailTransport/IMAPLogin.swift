/// A login for IMAP: SASL AUTHENTICATE PLAIN or the LOGIN command.
public struct IMAPLogin: Sendable {
    /// How the credentials are sent.
    public enum Mechanism: String, Sendable, CaseIterable {
        /// AUTHENTICATE PLAIN (RFC 4616), with the initial response inline when the server offers SASL-IR.
        case plain = "PLAIN"
        /// The LOGIN command (RFC 3501 6.2.3), which every IMAP4rev1 server has unless LOGINDISABLED.
        case login = "LOGIN"
    }

    public let user: String
    public let password: String
    public let mechanism: Mechanism

    public init(user: String, password: String, mechanism: Mechanism) {
        self.user = user
        self.password = password
        self.mechanism = mechanism
    }

    /// `AUTHENTICATE PLAIN` or `LOGIN`, as the protocol names it.
    public var commandName: String { mechanism == .plain ? "AUTHENTICATE PLAIN" : "LOGIN" }
}
