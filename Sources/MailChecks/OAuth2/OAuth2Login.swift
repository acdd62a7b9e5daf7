import CheckKit
import MailTransport

extension OAuth2Options {
    /// Usage errors for a login: an OAuth2 mechanism needs a token source and no password,
    /// and a token source without an OAuth2 mechanism would be silently unused.
    static func validate<M: LoginMechanism>(_ oauth2: OAuth2Options, mechanism: M, credentials: Credentials, option: String) throws(UsageError) {
        if mechanism.isOAuth {
            guard oauth2.isSet else {
                throw UsageError("\(option) \(mechanism.rawValue) needs --oauth2-token-file or --oauth2-token-url")
            }
            if credentials.hasPasswordSource {
                throw UsageError("\(option) \(mechanism.rawValue) logs in with a token: give no password")
            }
        } else if oauth2.isSet {
            throw UsageError("--oauth2-* options need \(option) XOAUTH2 or OAUTHBEARER")
        }
    }
}

extension OAuth2Token {
    /// Runs `login` with the password, or with an OAuth2 token (fetched, cached, and refetched
    /// once when the server rejected a cached one) when the mechanism is XOAUTH2 or OAUTHBEARER.
    static func login<M: LoginMechanism, T>(_ oauth2: OAuth2Options, mechanism: M, credentials: Credentials, context: RunContext,
                                            _ body: (String) throws(CheckError) -> T) throws(CheckError) -> T {
        guard mechanism.isOAuth else { return try body(try credentials.password()) }
        return try OAuth2Token(oauth2, user: credentials.username ?? "").withToken(context, body)
    }
}
