import CheckKit
import MailTransport

/// SOGo 5 as its Angular web client drives it (docs/sogo-notes.md §2): JSON login on
/// `connect`, the mail view, the folder list and each folder's message list (the JSON
/// endpoints want the XSRF-TOKEN cookie back as an `X-XSRF-TOKEN` header), logout, and
/// proof that the server forgot the session. SOGo answers a dead session with 200 and its
/// login page, so every step checks what it got, not only the status.
struct SOGoFlow {
    let base: String
    let user: String
    let password: String
    let folders: [String]
    let http: HTTPSession
    /// A fresh session (empty cookie jar) for replaying the old session cookie after logout.
    let freshSession: () throws(CheckError) -> HTTPSession

    func run(loginPage: HTTPResponse) throws(CheckError) -> WebmailVisit {
        var visit = WebmailVisit()
        visit.product = "sogo"
        visit.phases.append(PhaseTime(.loginPage, loginPage.timing.total))
        let root = Self.root(base: base, loginPage: loginPage.effectiveURL)
        visit.details.append("SOGo root: \(root)")

        // Login: JSON only (a form POST answers 403 whatever the password).
        let body = "{\"userName\":\(SOGoAnswers.jsonQuote(user)),\"password\":\(SOGoAnswers.jsonQuote(password)),\"rememberLogin\":0}"
        let login = try http.send(HTTPRequest(root + "connect", method: "POST", headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
                                              body: Array(body.utf8), phase: "login"), followRedirects: false)
        visit.phases.append(PhaseTime(.login, login.timing.total))
        let detail = ["HTTP \(login.status) after \(NumberFormat.seconds(login.timing.total))"]
        if login.status == 403 || login.status == 401 {
            let code = SOGoAnswers.number("LDAPPasswordPolicyError", in: login.text)
            throw .critical("login failed for \(SafeText.bounded(user, limit: 40)): SOGo answered \(login.status) (\(SOGoAnswers.loginRefusal(code)))",
                            detail: detail + ["SOGo said: \(SafeText.bounded(login.text, limit: 120))"])
        }
        try login.require()
        let cookies = login.headers.values("set-cookie")
        guard let session = SOGoAnswers.cookie("0xHIGHFLYxSOGo", in: cookies), session != "discard", !session.isEmpty else {
            throw .critical("login: SOGo set no session cookie (HTTP \(login.status); not SOGo's connect?)", detail: detail)
        }
        let xsrf = SOGoAnswers.cookie("XSRF-TOKEN", in: cookies) ?? ""
        visit.details.append("login: \(SafeText.bounded(login.text, limit: 100)), session cookie \(session.utf8.count) bytes")
        if session.utf8.count + 14 > 4096 {
            // libcurl keeps no cookie longer than 4096 bytes: say so rather than report a lost session.
            visit.details.append("the session cookie is longer than libcurl keeps (4096 bytes)")
        }
        let json: [(name: String, value: String)] = [("X-XSRF-TOKEN", xsrf), ("Accept", "application/json")]

        // Mail view: the client goes to `so/`, which SOGo redirects to the user's own module.
        let view = try http.send(HTTPRequest(root + "so/", phase: "mailbox"))
        try view.require()
        var mailView = view
        guard let uid = Self.uid(in: view.effectiveURL, root: root), !view.text.containsText("ng-app=\"SOGo.MainUI\"") else {
            throw .critical("mailbox: logged in, but SOGo answers its login page (session cookie not accepted)", detail: detail)
        }
        let home = root + "so/" + SOGoAnswers.percentEncode(uid) + "/"
        if !view.effectiveURL.hasSuffix("/Mail/view") {
            mailView = try http.send(HTTPRequest(home + "Mail/view", phase: "mailbox"))
            try mailView.require()
        }
        let mailboxTime = view.timing.total + (mailView.effectiveURL == view.effectiveURL ? 0 : mailView.timing.total)
        guard mailView.text.containsText("ng-app=\"SOGo.MailerUI\"") else {
            throw .critical("mailbox: the mail view is not SOGo's mail module (session lost after login?)")
        }

        // Folder list (the account's IMAP folders; virtual Drafts/Sent/... until used).
        let list = try http.send(HTTPRequest(home + "Mail/0/view", headers: json, phase: "folder list"))
        try list.require()
        guard let all = SOGoAnswers.folders(list.text) else {
            throw .critical("folder list: not SOGo's folder list (session lost?)", detail: ["HTTP \(list.status), \(list.headers["content-type"] ?? "no type")"])
        }
        // The client shows the mailbox once the folder list is in: both are the mailbox step.
        visit.phases.append(PhaseTime(.mailbox, mailboxTime + list.timing.total))
        visit.folderList = all.map(\.path)
        visit.details.append("folders: \(visit.folderList.joinedText(", "))")
        var wanted = folders
        if wanted.isEmpty {
            wanted = ["INBOX"] + (all.first { $0.exists && $0.path != "INBOX" }.map { [$0.path] } ?? [])
        }
        for name in wanted {
            // An empty list is what SOGo answers when it cannot reach IMAP: the message list says so.
            guard all.isEmpty || visit.folderList.contains(name) else {
                throw .critical("folder \(SafeText.bounded(name, limit: 40)): not in SOGo's folder list")
            }
            let request = HTTPRequest(home + "Mail/0/" + SOGoAnswers.folderPath(name) + "/view", method: "POST",
                                      headers: json + [("Content-Type", "application/json")],
                                      body: Array("{\"sortingAttributes\":{\"sort\":\"arrival\",\"asc\":0}}".utf8), phase: "folder \(name)")
            let messages = try http.send(request)
            if messages.status >= 400, let said = SOGoAnswers.string("message", in: messages.text) {
                throw .critical("folder \(SafeText.bounded(name, limit: 40)): SOGo says \"\(SafeText.bounded(said, limit: 80))\" (HTTP \(messages.status))")
            }
            try messages.require()
            guard let count = SOGoAnswers.messageCount(messages.text) else {
                throw .critical("folder \(SafeText.bounded(name, limit: 40)): not a message list (session lost?)")
            }
            visit.folders.append((name, messages.timing.total, count))
        }
        if all.isEmpty {
            throw .critical("folder list: SOGo lists no folders for \(SafeText.bounded(user, limit: 40)) (IMAP server unreachable?)")
        }

        // Logout (a 302 to so/ that discards the cookies), then the old cookie must be dead.
        let logout = try http.send(HTTPRequest(home + "logoff", headers: json, phase: "logout"), followRedirects: false)
        try logout.require(200...399)
        visit.phases.append(PhaseTime(.logout, logout.timing.total))
        let replay = try freshSession()
        let after = try replay.send(HTTPRequest(home + "Mail/0/view", headers: json + [("Cookie", "0xHIGHFLYxSOGo=\(session); XSRF-TOKEN=\(xsrf)")],
                                                phase: "logout proof"), followRedirects: false)
        try after.require(200...399)
        if SOGoAnswers.folders(after.text) != nil {
            throw .critical("logout: the old session cookie still lists the folders after logging out")
        }
        visit.loggedOut = true
        return visit
    }

    /// SOGo's application root (`http://host/SOGo/`): from the login page's URL when it lies
    /// under `/SOGo/`, else `SOGo/` under the given base.
    static func root(base: String, loginPage: String) -> String {
        for url in [loginPage, base] {
            if let r = url.firstRange(ofText: "/SOGo/") { return String(url[..<r.upperBound]) }
            if url.hasSuffix("/SOGo") { return url + "/" }
        }
        return HTTPURL.resolve("SOGo/", against: base.hasSuffix("/") ? base : base + "/")
    }

    /// The user's id in `ROOT/so/UID/...` (SOGo's redirect after login names it).
    static func uid(in url: String, root: String) -> String? {
        guard url.hasPrefix(root + "so/") else { return nil }
        let id = url.dropFirst(root.count + 3).prefix(while: { $0 != "/" && $0 != "?" })
        return id.isEmpty ? nil : String(id).removingPercentEncodingIfAny
    }
}

extension String {
    /// `%40` and friends decoded (a uid in a URL path); the text itself when malformed.
    var removingPercentEncodingIfAny: String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let b = iterator.next() {
            if b == UInt8(ascii: "%"), let h = iterator.next(), let l = iterator.next(),
               let v = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16) {
                bytes.append(v)
            } else if b == UInt8(ascii: "%") {
                return self
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
