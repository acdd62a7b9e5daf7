import CheckKit
import MailTransport

/// What one webmail session showed: the product, timed steps, folders opened.
struct WebmailVisit {
    var product = "roundcube"
    /// `(phase, seconds)` in order: login_page, login, mailbox, folders, logout.
    var phases: [PhaseTime<WebmailPhase>] = []
    /// Folders opened, with their message counts when the product said.
    var folders: [(name: String, seconds: Double, messages: Int?)] = []
    var folderList: [String] = []
    var details: [String] = []
    var loggedOut = false
}

/// Roundcube 1.6 as its web client drives it: login page (cookie + `_token`), form POST
/// answered by a 302 to the mailbox, the mailbox page proven logged in, each folder's list
/// request, logout, and proof that the session is dead.
struct RoundcubeFlow {
    let base: String
    let user: String
    let password: String
    let folders: [String]
    let http: HTTPSession

    func run(loginPage: HTTPResponse) throws(CheckError) -> WebmailVisit {
        var visit = WebmailVisit()
        visit.phases.append(PhaseTime(.loginPage, loginPage.timing.total))
        let page = WebmailPage(text: loginPage.text)
        guard let form = page.loginForm, let token = form.inputs.first(where: { $0.name == "_token" })?.value, !token.isEmpty else {
            throw .critical("login page: no Roundcube login form (no _token) at \(loginPage.effectiveURL.prefix(100))")
        }
        if let version = page.roundcubeNumber("rcversion") { visit.details.append("Roundcube version \(version / 10000).\(version / 100 % 100).\(version % 100)") }
        // The hidden inputs as the page gave them (`_timezone` is set by JavaScript in a browser).
        var fields = form.inputs.filter { $0.type == "hidden" }.map { ($0.name, $0.name == "_timezone" ? "UTC" : $0.value) }
        fields += [("_user", user), ("_pass", password)]
        let action = HTTPURL.resolve(form.action.isEmpty ? "?_task=login" : form.action, against: loginPage.effectiveURL)
        let login = try http.send(.form(action, fields: fields, phase: "login"), followRedirects: false)
        visit.phases.append(PhaseTime(.login, login.timing.total))
        if login.status != 302 {
            try failedLogin(login)
        }
        guard let location = login.headers["location"], location.containsText("_task=mail") else {
            throw .critical("login: redirected to \(SafeText.bounded(login.headers["location"] ?? "nowhere", limit: 80)), not to the mailbox")
        }
        let mailbox = try http.send(HTTPRequest(HTTPURL.resolve(location, against: action), phase: "mailbox"))
        try mailbox.require()
        visit.phases.append(PhaseTime(.mailbox, mailbox.timing.total))
        let view = WebmailPage(text: mailbox.text)
        guard view.roundcubeEnv("task") == "mail", mailbox.text.containsText("mailboxlist") else {
            throw .critical("mailbox: logged in, but the next page is not a mailbox (session lost after login?)",
                            detail: view.roundcubeMessages.map { "Roundcube says: \($0)" })
        }
        guard let requestToken = view.roundcubeEnv("request_token") else {
            throw .critical("mailbox: no request token in the mailbox page")
        }
        visit.folderList = view.roundcubeMailboxes
        visit.details.append("folders: \(visit.folderList.joinedText(", "))")
        var wanted = folders
        if wanted.isEmpty {
            wanted = ["INBOX"] + (visit.folderList.first { $0 != "INBOX" }.map { [$0] } ?? [])
        }
        for name in wanted {
            guard visit.folderList.contains(name) else {
                throw .critical("folder \(SafeText.bounded(name, limit: 40)): not among the user's subscribed folders")
            }
            let url = HTTPURL.resolve("?_task=mail&_action=list&_mbox=\(FormEncoding.encode(name))&_remote=1", against: base)
            let list = try http.send(HTTPRequest(url, headers: [("X-Roundcube-Request", requestToken)], phase: "folder \(name)"))
            try list.require()
            let answer = WebmailPage(text: list.text)
            guard list.text.hasPrefix("{\"action\":\"list\"") else {
                throw .critical("folder \(SafeText.bounded(name, limit: 40)): not a folder listing (session lost?)",
                                detail: answer.roundcubeMessages.map { "Roundcube says: \($0)" })
            }
            visit.folders.append((name, list.timing.total, answer.roundcubeNumber("messagecount")))
        }
        let logout = try http.send(HTTPRequest(HTTPURL.resolve("?_task=logout&_token=\(FormEncoding.encode(requestToken))", against: base), phase: "logout"))
        try logout.require()
        visit.phases.append(PhaseTime(.logout, logout.timing.total))
        // Logged out, Roundcube answers the mailbox with its login page and a 200 (W4).
        let after = try http.send(HTTPRequest(HTTPURL.resolve("?_task=mail", against: base), phase: "logout proof"))
        if WebmailPage(text: after.text).roundcubeEnv("task") == "mail" {
            throw .critical("logout: the session still opens the mailbox after logging out")
        }
        visit.loggedOut = true
        return visit
    }

    /// A login POST that was not redirected: Roundcube's own words say why.
    func failedLogin(_ login: HTTPResponse) throws(CheckError) {
        if login.status >= 500 { try login.require(200...399) }
        let said = WebmailPage(text: login.text).roundcubeMessages.first
        let words = said.map { SafeText.bounded($0, limit: 70) } ?? "HTTP \(login.status)"
        let detail = ["HTTP \(login.status) after \(NumberFormat.seconds(login.timing.total))"]
        if let said, said.hasPrefix("Invalid request") {
            throw .critical("login: request rejected (session cookie or _token): \(words)", detail: detail)
        }
        if let said, said.containsText("storage server") {
            throw .critical("login: webmail's IMAP server unreachable: \(words)", detail: detail)
        }
        throw .critical("login failed for \(SafeText.bounded(user, limit: 40)): \(words)", detail: detail)
    }
}
