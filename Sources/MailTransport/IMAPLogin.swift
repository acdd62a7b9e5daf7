import CLibcurl
import CheckKit

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
        } else if mechanism == .oauthbearer {
            try easy.set(CURLOPT_USERNAME, user)
            try easy.set(CURLOPT_XOAUTH2_BEARER, password)
            try easy.set(CURLOPT_LOGIN_OPTIONS, "AUTH=OAUTHBEARER")
        }
        return easy
    }
}
