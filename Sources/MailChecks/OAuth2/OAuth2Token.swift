import CheckKit

/// Gets the access token for a login from the configured source, and retries a login once with
/// a fresh token when the server rejected a cached one (revoked early, or the clocks disagree).
public struct OAuth2Token {
    let options: OAuth2Options
    /// The login user, part of the cache key (one client may serve several mailboxes).
    let user: String

    public init(_ options: OAuth2Options, user: String) {
        self.options = options
        self.user = user
    }

    /// A usable token; `refetch` ignores the cached one. `cached` says whether it came from the cache.
    func get(refetch: Bool, context: RunContext) throws(CheckError) -> (token: String, cached: Bool) {
        switch options.source {
        case nil:
            throw .unknown("XOAUTH2/OAUTHBEARER need --oauth2-token-file or --oauth2-token-url")
        case let .file(path)?:
            return (try OAuth2Options.firstLine(path, what: "OAuth2 token"), false)
        case let .endpoint(url, clientID, secretFile, grant, scope)?:
            let secret = try secretFile.map { path throws(CheckError) in try OAuth2Options.firstLine(path, what: "OAuth2 client secret") }
            let endpoint = OAuth2TokenEndpoint(url: url, clientID: clientID, clientSecret: secret, caFile: options.caFile)
            var fileRefresh: String? = nil
            if case let .refreshToken(file) = grant { fileRefresh = try OAuth2Options.firstLine(file, what: "OAuth2 refresh token") }
            let key = [url, clientID, user, scope ?? "", fileRefresh == nil ? "client_credentials" : "refresh_token"].joinedText("\u{1}")
            let cache = OAuth2TokenCache(directory: options.stateDirectory, key: key)
            return try cache.update(deadline: context.deadline) { (entry: inout OAuth2TokenCache.Entry) throws(CheckError) in
                let now = context.clock.now()
                if !refetch, let token = entry.accessToken, entry.expires - OAuth2TokenCache.margin > now {
                    context.log(2, "oauth2: cached access token valid for \(NumberFormat.decimal(entry.expires - now, fractionDigits: 0)) s more")
                    return (token, true)
                }
                var form = [("grant_type", fileRefresh == nil ? "client_credentials" : "refresh_token")]
                if let fileRefresh {
                    let origin = String(StateStore.fnv1a(Array(fileRefresh.utf8)), radix: 16)
                    // A token rotated from the file's token is newer than the file; a changed file wins.
                    let current = entry.refreshOrigin == origin ? (entry.refreshToken ?? fileRefresh) : fileRefresh
                    form.append(("refresh_token", current))
                    if entry.refreshOrigin != origin { entry.refreshToken = nil; entry.refreshOrigin = nil }
                    entry.accessToken = nil
                    let issued = try endpoint.request(form + (scope.map { [("scope", $0)] } ?? []), now: now, deadline: context.deadline, log: context)
                    if let rotated = issued.refreshToken, rotated != current {
                        entry.refreshToken = rotated
                        entry.refreshOrigin = origin
                        context.log(2, "oauth2: the endpoint rotated the refresh token; the new one is kept in the state directory")
                    }
                    entry.accessToken = issued.accessToken
                    entry.expires = issued.expires
                    return (issued.accessToken, false)
                }
                if let scope { form.append(("scope", scope)) }
                entry.accessToken = nil
                let issued = try endpoint.request(form, now: now, deadline: context.deadline, log: context)
                entry.accessToken = issued.accessToken
                entry.expires = issued.expires
                return (issued.accessToken, false)
            }
        }
    }

    /// Runs `login` with a token; when it fails as a rejected login and the token came from
    /// the cache, fetches a new one and tries exactly once more.
    public func withToken<T>(_ context: RunContext, _ login: (String) throws(CheckError) -> T) throws(CheckError) -> T {
        let first = try get(refetch: false, context: context)
        do {
            return try login(first.token)
        } catch let error where first.cached && Self.isRejection(error) {
            context.log(1, "oauth2: the server rejected the cached token; fetching a new one once")
            let fresh = try get(refetch: true, context: context)
            return try login(fresh.token)
        }
    }

    /// True for the errors the transport raises when the server said no to the credentials
    /// (its typed cause, not its wording, which the checks may reword).
    static func isRejection(_ error: CheckError) -> Bool {
        error.cause?.kind == .loginRefused
    }
}
