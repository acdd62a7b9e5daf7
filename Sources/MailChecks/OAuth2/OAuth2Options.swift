import CheckKit

/// Where a check's OAuth2 access token comes from: a file kept fresh by something else, or the
/// provider's token endpoint (refresh_token or client_credentials grant), cached in the state
/// directory. Only paths and names are options: no token or secret ever travels in argv.
public struct OAuth2Options: Sendable {
    /// How the token endpoint is asked.
    public enum Grant: Sendable, Equatable {
        /// RFC 6749 6: a refresh token read from this file (a rotated one is kept in the cache).
        case refreshToken(file: String)
        /// RFC 6749 4.4: app-only access with the client's own credentials.
        case clientCredentials
    }

    /// The token's source.
    public enum Source: Sendable, Equatable {
        /// An access token read from the first line of this file on every run.
        case file(String)
        /// The token endpoint, with the client and the grant.
        case endpoint(url: String, clientID: String, secretFile: String?, grant: Grant, scope: String?)
    }

    /// The options, for the checks that log in.
    /// `prefix` names one side of a check with two logins (`smtp-`); `label` starts its help.
    public static func specs(prefix: String = "", label: String = "", stateDir: Bool = true) -> [OptionSpec] {
        [
            OptionSpec("\(prefix)oauth2-token-file", value: "FILE", help: "\(label)XOAUTH2/OAUTHBEARER: read the access token from the first line of FILE (kept fresh by something else)."),
            OptionSpec("\(prefix)oauth2-token-url", value: "URL", help: "\(label)XOAUTH2/OAUTHBEARER: fetch the access token from this token endpoint and cache it in the state directory."),
            OptionSpec("\(prefix)oauth2-client-id", value: "ID", help: "\(label)The OAuth2 client (application) id, for --oauth2-token-url."),
            OptionSpec("\(prefix)oauth2-client-secret-file", value: "FILE", help: "\(label)Read the OAuth2 client secret from the first line of FILE."),
            OptionSpec("\(prefix)oauth2-refresh-token-file", value: "FILE", help: "\(label)Use the refresh_token grant with the token in FILE (else client_credentials)."),
            OptionSpec("\(prefix)oauth2-scope", value: "SCOPE", help: "\(label)The scope to ask for (client_credentials: https://outlook.office365.com/.default)."),
            OptionSpec("\(prefix)oauth2-cacert", value: "FILE", help: "\(label)Verify the token endpoint's certificate against FILE (default: the system's CAs)."),
        ] + (stateDir ? [OptionSpec("state-dir", value: "DIR", help: "Where the OAuth2 token cache is kept (default: $\(StateStore.environmentVariable), else \(StateStore.defaultDirectory)).")] : [])
    }

    public let source: Source?
    let caFile: String?
    let stateDirectory: String

    /// Reads the options; a half-given endpoint is a usage error naming what is missing.
    public init(_ options: ParsedOptions, prefix: String = "") throws(UsageError) {
        let o = { (name: String) in "\(prefix)oauth2-\(name)" }
        caFile = options.string(o("cacert"))
        stateDirectory = StateStore.directory(option: options.string("state-dir"))
        let endpointOptions = ["client-id", "client-secret-file", "refresh-token-file", "scope", "cacert"].map(o)
        if let file = options.string(o("token-file")) {
            guard options.string(o("token-url")) == nil else {
                throw UsageError("give only one of --\(o("token-file")) and --\(o("token-url"))")
            }
            if let extra = endpointOptions.first(where: options.has) {
                throw UsageError("--\(extra) needs --\(o("token-url")) (--\(o("token-file")) is used as it is)")
            }
            source = .file(file)
        } else if let url = options.string(o("token-url")) {
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw UsageError("invalid value '\(url)' for --\(o("token-url")): not an http(s) URL")
            }
            guard let client = options.string(o("client-id")), !client.isEmpty else {
                throw UsageError("--\(o("token-url")) needs --\(o("client-id"))")
            }
            let refresh = options.string(o("refresh-token-file"))
            let secret = options.string(o("client-secret-file"))
            if refresh == nil && secret == nil {
                throw UsageError("the client_credentials grant needs --\(o("client-secret-file")) (or give --\(o("refresh-token-file")))")
            }
            source = .endpoint(url: url, clientID: client, secretFile: secret,
                               grant: refresh.map { .refreshToken(file: $0) } ?? .clientCredentials,
                               scope: options.string(o("scope")))
        } else {
            if let extra = endpointOptions.first(where: options.has) {
                throw UsageError("--\(extra) needs --\(o("token-url"))")
            }
            source = nil
        }
    }

    /// True when a token source was given.
    public var isSet: Bool { source != nil }

    /// The first line of a secret file; UNKNOWN naming the file (never its content).
    static func firstLine(_ path: String, what: String) throws(CheckError) -> String {
        let bytes = try FileIO.read(path, limit: 64 << 10)
        let line = String(decoding: bytes, as: UTF8.self).lines.first ?? ""
        let trimmed = String(line.unicodeScalars.filter { $0.value > 0x20 && $0.value < 0x7F }.map(Character.init))
        guard !trimmed.isEmpty, trimmed.count == line.count else {
            throw .unknown(line.isEmpty ? "\(what) file \(path) is empty" : "\(what) file \(path) holds spaces or control characters")
        }
        return trimmed
    }
}
