import CheckKit
import MailTransport

/// A generic form login (`--webmail form`): the login form's hidden inputs (CSRF tokens)
/// carried over, user and password put in the named fields, extras added, the answer judged
/// by `--success-text` / `--failure-text` (without them: no password field left = logged in).
struct FormFlow {
    let user: String
    let password: String
    let userField: String?
    let passwordField: String?
    let extras: [(String, String)]
    let successText: String?
    let failureText: String?
    let http: HTTPSession

    func run(loginPage: HTTPResponse) throws(CheckError) -> WebmailVisit {
        var visit = WebmailVisit()
        visit.product = "form"
        visit.phases.append(PhaseTime(.loginPage, loginPage.timing.total))
        guard let form = WebmailPage(text: loginPage.text).loginForm else {
            throw .critical("login page: no login form (no password field) at \(loginPage.effectiveURL.prefix(100))")
        }
        let userName = userField ?? form.inputs.first { ["text", "email"].contains($0.type) }?.name ?? "username"
        let passName = passwordField ?? form.inputs.first { $0.type == "password" }?.name ?? "password"
        var fields = form.inputs.filter { $0.type == "hidden" && !extras.map(\.0).contains($0.name) }.map { ($0.name, $0.value) }
        fields += [(userName, user), (passName, password)] + extras
        let action = HTTPURL.resolve(form.action, against: loginPage.effectiveURL)
        visit.details.append("form: POST \(action) with \(fields.map(\.0).joinedText(", "))")
        let answer = try http.send(.form(action, fields: fields, phase: "login"))
        visit.phases.append(PhaseTime(.login, answer.timing.total))
        let text = answer.text
        if let failureText, text.containsText(failureText) {
            throw .critical("login failed for \(SafeText.bounded(user, limit: 40)): the page says \(SafeText.quote(failureText, limit: 60))",
                            detail: ["HTTP \(answer.status) from \(answer.effectiveURL)"])
        }
        if answer.status >= 400 { try answer.require(200...399) }
        if let successText {
            guard text.containsText(successText) else {
                throw .critical("login: the answer lacks \(SafeText.quote(successText, limit: 60)) (HTTP \(answer.status))")
            }
        } else if WebmailPage(text: text).loginForm != nil {
            throw .critical("login: the answer is a login form again (HTTP \(answer.status))")
        }
        return visit
    }
}
