import CheckKit

extension IMAPSession {
    /// Sends AUTHENTICATE XOAUTH2 by hand: libcurl 7.88 picks OAUTHBEARER whenever a server
    /// offers both and ignores AUTH=XOAUTH2 (curl issue 10259). The initial response goes inline,
    /// so the server must offer SASL-IR (Gmail, Microsoft 365 and Dovecot do).
    func authenticateXOAUTH2() throws(CheckError) {
        guard !login.user.contains(where: { $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false }) else {
            throw .unknown("user name holds a control character, which XOAUTH2 cannot send")
        }
        let response = SASLBearer.xoauth2(user: login.user, token: login.password)
        let reply = try perform("AUTHENTICATE XOAUTH2 \(response)", verb: "AUTHENTICATE")
        guard reply.status == .ok else {
            if !offered.isEmpty && !offered.contains("AUTH=XOAUTH2") {
                let others = offered.filter { $0.hasPrefix("AUTH=") }.sorted().joined(separator: " ")
                throw .critical("AUTHENTICATE XOAUTH2 not offered by \(connection.endpoint) (\(others.isEmpty ? "no AUTH= capability" : others))")
            }
            throw loginFailed(reply.completion)
        }
    }
}
