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
        guard let range = lower.firstRange(of: "://") else { return ("", "", 0) }
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
