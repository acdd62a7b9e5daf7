import CheckKit

/// How a protocol's login sends the credentials; its raw value is what `--auth-mechanism` takes.
public protocol LoginMechanism: RawRepresentable, CaseIterable, Sendable where RawValue == String {
    /// The command as the protocol names it (`AUTHENTICATE PLAIN`, `USER/PASS`), for output.
    var commandName: String { get }
}

extension LoginMechanism {
    /// True for the SASL mechanisms that carry an OAuth2 bearer token instead of a password.
    public var isOAuth: Bool { rawValue == "XOAUTH2" || rawValue == "OAUTHBEARER" }
}

/// A user, a password and how to send them, for one protocol's login.
public struct MailLogin<Mechanism: LoginMechanism>: Sendable {
    /// The user name.
    public let user: String
    /// The password, or the OAuth2 access token for XOAUTH2 and OAUTHBEARER (never shown).
    public let password: String
    /// How the credentials are sent.
    public let mechanism: Mechanism

    /// A login with its mechanism.
    public init(user: String, password: String, mechanism: Mechanism) {
        self.user = user
        self.password = password
        self.mechanism = mechanism
    }

    /// The login command as the protocol names it.
    public var commandName: String { mechanism.commandName }
}

/// IMAP: SASL AUTHENTICATE PLAIN or the LOGIN command.
public enum IMAPMechanism: String, LoginMechanism {
    /// AUTHENTICATE PLAIN (RFC 4616), with the initial response inline when the server offers SASL-IR.
    case plain = "PLAIN"
    /// The LOGIN command (RFC 3501 6.2.3), which every IMAP4rev1 server has unless LOGINDISABLED.
    case login = "LOGIN"
    /// AUTHENTICATE XOAUTH2 (Google's and Microsoft's bearer-token mechanism), sent by the suite.
    case xoauth2 = "XOAUTH2"
    /// AUTHENTICATE OAUTHBEARER (RFC 7628), sent by libcurl.
    case oauthbearer = "OAUTHBEARER"

    /// The command as the protocol names it.
    public var commandName: String { self == .login ? "LOGIN" : "AUTHENTICATE \(rawValue)" }
}

/// POP3: USER/PASS or SASL AUTH PLAIN.
public enum POP3Mechanism: String, LoginMechanism {
    /// USER and PASS (RFC 1939 7), which every POP3 server has.
    case user = "USER"
    /// AUTH PLAIN (RFC 5034, RFC 4616).
    case plain = "PLAIN"
    /// AUTH XOAUTH2 with the initial response (RFC 5034), sent by the suite.
    case xoauth2 = "XOAUTH2"
    /// AUTH OAUTHBEARER (RFC 7628), sent by libcurl.
    case oauthbearer = "OAUTHBEARER"

    /// The command as the protocol names it.
    public var commandName: String { self == .user ? "USER/PASS" : "AUTH \(rawValue)" }
}

/// SMTP AUTH (RFC 4954): the SASL mechanisms the suite sends (libcurl speaks SMTP AUTH itself).
public enum SMTPMechanism: String, LoginMechanism {
    /// AUTH PLAIN (RFC 4616).
    case plain = "PLAIN"
    /// AUTH LOGIN, the old form many servers still offer.
    case login = "LOGIN"
    /// AUTH XOAUTH2; libcurl 7.88 sends OAUTHBEARER instead when the server offers both.
    case xoauth2 = "XOAUTH2"
    /// AUTH OAUTHBEARER (RFC 7628).
    case oauthbearer = "OAUTHBEARER"

    /// The command as the protocol names it.
    public var commandName: String { "AUTH \(rawValue)" }
}

/// A login for IMAP.
public typealias IMAPLogin = MailLogin<IMAPMechanism>
/// A login for POP3.
public typealias POP3Login = MailLogin<POP3Mechanism>
/// A login for SMTP AUTH.
public typealias SMTPLogin = MailLogin<SMTPMechanism>

extension MailLogin {
    /// Leaves the login to curl's own SASL with this mechanism; the bearer mechanisms carry
    /// the token where curl expects it (used for the mechanisms curl speaks correctly).
    func applySASL(to easy: CurlEasy) throws(CheckError) {
        try easy.setLogin(user: user, secret: password, bearer: mechanism.isOAuth, mechanism: mechanism.rawValue)
    }
}
