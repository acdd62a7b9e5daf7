import CLibcurl
import CheckKit

extension IMAPLogin {
    /// A curl handle for an IMAP session with this login on `connection`: URL, TLS, a connection
    /// kept between transfers, and AUTHENTICATE PLAIN or OAUTHBEARER left to curl (LOGIN is sent by the caller,
    /// because curl only falls back to it when the server offers no SASL mechanism).
    func handle(on connection: ConnectionOptions) throws(CheckError) -> CurlEasy {
        let easy = try CurlEasy(redact: IMAPSession.redact)
        let scheme = connection.tls == .implicit ? "imaps" : "imap"
        try easy.set(CURLOPT_URL, "\(scheme)://\(connection.urlHost):\(connection.port)/")
        try connection.apply(to: easy)
        // Several commands, one login: the connection must survive between transfers.
        try easy.set(CURLOPT_FORBID_REUSE, 0)
        // XOAUTH2 is sent by the session itself: libcurl 7.88 would send OAUTHBEARER instead.
        if mechanism == .plain || mechanism == .oauthbearer { try applySASL(to: easy) }
        return easy
    }
}
