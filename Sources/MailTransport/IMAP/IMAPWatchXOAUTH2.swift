import CheckKit

extension IMAPWatchConnection {
    /// AUTHENTICATE XOAUTH2 on the wire, timed as the `login` phase. libcurl 7.88 would send
    /// OAUTHBEARER instead (curl issue 10259). A server that rejects the token answers with a
    /// `+` continuation holding a JSON error; the client's empty line then gets the tagged NO.
    func sendXOAUTH2(offered: Set<String>) throws(CheckError) {
        guard !login.user.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .unknown("IMAP: user name holds a control character, which XOAUTH2 cannot send")
        }
        guard offered.isEmpty || offered.contains("AUTH=XOAUTH2") else {
            let others = offered.filter { $0.hasPrefix("AUTH=") }.sorted().joinedText(" ")
            throw .critical("IMAP: AUTHENTICATE XOAUTH2 not offered by \(connection.endpoint) (\(others.isEmpty ? "no AUTH= capability" : others))")
        }
        let started = Deadline.now()
        let tag = try send("AUTHENTICATE XOAUTH2 \(SASLBearer.xoauth2(user: login.user, token: login.password))")
        var untagged: [String] = []
        while true {
            let line = try readRequired(pending: "waiting for the reply to AUTHENTICATE")
            if line.text.hasPrefix("+") {
                try write("\r\n", shown: "(empty response to the server's XOAUTH2 error)")
            } else if line.text.hasPrefix("* ") {
                untagged.append(String(line.text.dropFirst(2)))
            } else if line.text.hasPrefix(tag + " ") {
                let words = line.text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
                let text = words.count > 2 ? String(words[2]) : ""
                guard words.count > 1, words[1].uppercased() == "OK" else {
                    throw CheckError(.critical, "IMAP: login failed for \(login.user): \(text)", cause: .init(.loginRefused, text))
                }
                connectPhases.append(PhaseTime(.login, line.receivedAt - started))
                if let words = (untagged + [text]).lazy.compactMap(IMAPParse.capabilities).last { capabilities = Set(words) }
                return
            }
        }
    }
}
