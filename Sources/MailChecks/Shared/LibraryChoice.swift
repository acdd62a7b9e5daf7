import MailTransport

/// Which libcurl a mail check loads. A check that speaks plain text all the way (no TLS on
/// its connection, no token endpoint over HTTPS) gets libmailcheck-curl-plain.so, which loads
/// neither libssl nor libcrypto: that is most of a plain check's start-up (issue 14).
enum LibraryChoice {
    /// True when the run may use TLS: TLS or STARTTLS on the connection, or an OAuth2 token
    /// endpoint that is not plain `http://`.
    static func needsTLS(_ connection: ConnectionOptions, oauth2: OAuth2Options) -> Bool {
        connection.tls != .plain || oauth2.fetchesOverTLS
    }
}

extension OAuth2Options {
    /// True when the token comes from an endpoint reached over HTTPS.
    var fetchesOverTLS: Bool {
        guard case .endpoint(let url, _, _, _, _) = source else { return false }
        return !url.lowercased().hasPrefix("http://")
    }
}
