import CheckKit

extension IMAPSession {
    /// Sends AUTHENTICATE XOAUTH2 by hand: libcurl 7.88 picks OAUTHBEARER whenever a server
    /// offers both and ignores AUTH=XOAUTH2 (curl issue 10259). The initial response goes inline,
    /// so the server must offer SASL-IR (Gmail, Microsoft 365 and Dovecot do).
    ///
    /// A rejected token is answered with a `+` continuation holding the provider's JSON error;
    /// the server then waits for one more client line, which curl (sending a custom request)
    /// never sends. Pipelining an empty line after the command would answer it, but after an
    /// accepted token the server reads that line as a broken command (Dovecot: `* BAD Error in
    /// IMAP tag`) and its reply lands in the next command's output. So the continuation ends
    /// the transfer at once instead (CurlEasy.hangUp), and its error is the login failure.
    func authenticateXOAUTH2() throws(CheckError) {
        guard !login.user.contains(where: { $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } ?? false }) else {
            throw .unknown("user name holds a control character, which XOAUTH2 cannot send")
        }
        let response = SASLBearer.xoauth2(user: login.user, token: login.password)
        let first = easy.transcript.events.count
        easy.hangUp(onReceiving: { $0.hasPrefix("+") })
        defer { easy.hangUp(onReceiving: nil) }
        let reply: IMAPReply
        do {
            reply = try perform("AUTHENTICATE XOAUTH2 \(response)", verb: "AUTHENTICATE")
        } catch {
            let events = easy.transcript.events
            if let challenge = events[min(first, events.count)...].first(where: { $0.direction == .received && $0.line.hasPrefix("+") }) {
                throw rejectedToken(challenge.line)
            }
            throw error
        }
        guard reply.status == .ok else {
            if !offered.isEmpty && !offered.contains("AUTH=XOAUTH2") {
                let others = offered.filter { $0.hasPrefix("AUTH=") }.sorted().joinedText(" ")
                throw .critical("AUTHENTICATE XOAUTH2 not offered by \(connection.endpoint) (\(others.isEmpty ? "no AUTH= capability" : others))")
            }
            throw loginFailed(reply.completion)
        }
    }

    /// The login failure for the server's XOAUTH2 error continuation (`+ base64(JSON)`):
    /// its `status` in the sentence, the whole JSON behind -v.
    func rejectedToken(_ continuation: String) -> CheckError {
        let json = SASLBearer.decodeBase64(continuation.dropFirst().droppingPrefix(" ")).map { String(decoding: $0, as: UTF8.self) }
        let status = json.flatMap(SASLBearer.errorStatus)
        let reason = "token rejected" + (status.map { " (status \($0))" } ?? "")
        return CheckError(.critical, "login failed for \(login.user): \(reason)",
                          detail: json.map { ["XOAUTH2 error from the server: \($0.prefix(300))"] } ?? [],
                          cause: .init(.loginRefused, reason))
    }
}
