/// The few URL facts the HTTP code needs, without a URL library: the endpoint for messages
/// and the origin that scopes credentials.
public enum HTTPURL {
    /// `scheme://host:port` with the default port filled in, lower-cased.
    public static func origin(_ url: String) -> String {
        let (scheme, host, port) = parts(url)
        return "\(scheme)://\(host):\(port)"
    }

    /// `host:port` for messages (`127.0.0.1:18080`).
    public static func endpoint(_ url: String) -> String {
        let (_, host, port) = parts(url)
        return "\(host):\(port)"
    }

    /// Scheme, host (brackets kept for IPv6) and port of an absolute URL.
    public static func parts(_ url: String) -> (scheme: String, host: String, port: Int) {
        let lower = url.lowercased()
        guard let range = lower.firstRange(ofText: "://") else { return ("", "", 0) }
        let scheme = String(lower[..<range.lowerBound])
        var authority = String(lower[range.upperBound...].prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" }))
        if let at = authority.lastIndex(of: "@") { authority = String(authority[authority.index(after: at)...]) }
        let defaultPort = scheme == "https" ? 443 : 80
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            let host = String(authority[...close])
            let rest = authority[authority.index(after: close)...]
            return (scheme, host, rest.hasPrefix(":") ? Int(rest.dropFirst()) ?? defaultPort : defaultPort)
        }
        if let colon = authority.lastIndex(of: ":") {
            return (scheme, String(authority[..<colon]), Int(authority[authority.index(after: colon)...]) ?? defaultPort)
        }
        return (scheme, authority, defaultPort)
    }
}

extension HTTPURL {
    /// Resolves a link (`/x`, `./x`, `?a=b`, `x`, `//host/x`, absolute) against the page's URL.
    public static func resolve(_ reference: String, against base: String) -> String {
        if reference.isEmpty { return base }
        if reference.containsText("://") { return reference }
        let (scheme, _, _) = parts(base)
        guard let schemeEnd = base.firstRange(ofText: "://") else { return reference }
        if reference.hasPrefix("//") { return scheme + ":" + reference }
        let afterScheme = base[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? base.endIndex
        let origin = String(base[..<authorityEnd])
        var path = String(base[authorityEnd...].prefix(while: { $0 != "?" && $0 != "#" }))
        if path.isEmpty { path = "/" }
        if reference.hasPrefix("/") { return origin + reference }
        if reference.hasPrefix("?") { return origin + path + reference }
        var directory = String(path[...(path.lastIndex(of: "/") ?? path.startIndex)])
        var rest = Substring(reference)
        while rest.hasPrefix("./") { rest = rest.dropFirst(2) }
        while rest.hasPrefix("../") {
            rest = rest.dropFirst(3)
            if directory.count > 1 {
                directory.removeLast()
                directory = String(directory[...(directory.lastIndex(of: "/") ?? directory.startIndex)])
            }
        }
        if rest == "." { rest = "" }
        return origin + directory + rest
    }
}
