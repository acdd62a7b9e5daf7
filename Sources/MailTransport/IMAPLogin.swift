import CLibcurl
import CheckKit

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

extension IMAPLogin {
    /// A curl handle for an IMAP session with this login on `connection`: URL, TLS, a connection
    /// kept between transfers, and AUTHENTICATE PLAIN left to curl (LOGIN is sent by the caller,
    /// because curl only falls back to it when the server offers no SASL mechanism).
    func handle(on connection: ConnectionOptions) throws(CheckError) -> CurlEasy {
        let easy = try CurlEasy(redact: IMAPSession.redact)
        let scheme = connection.tls == .implicit ? "imaps" : "imap"
        try easy.set(CURLOPT_URL, "\(scheme)://\(connection.urlHost):\(connection.port)/")
        try connection.apply(to: easy)
        // Several commands, one login: the connection must survive between transfers.
        try easy.set(CURLOPT_FORBID_REUSE, 0)
        if mechanism == .plain {
            try easy.set(CURLOPT_USERNAME, user)
            try easy.set(CURLOPT_PASSWORD, password)
            try easy.set(CURLOPT_LOGIN_OPTIONS, "AUTH=PLAIN")
        }
        return easy
    }
}
