import CheckKit
import MailTransport

/// check_webmail_login: logs in to webmail as a user would (no JavaScript needed), opens
/// folders, logs out and proves the session dead, every step timed. Roundcube, SOGo and a
/// generic form login; the product is detected from the login page unless `--webmail` names it.
public struct WebmailLoginCheck: MonitoringCheck {
    public static let programName = "check_webmail_login"
    public static let summary = "Logs in to webmail (Roundcube, SOGo or any form login), opens folders and logs out, each step timed."
    public static let synopsis = "-u URL -U USER --password-file FILE [--webmail roundcube|sogo|form] [--folder NAME]... [-w SECONDS] [-c SECONDS] [options]"
    public static let kind = CheckKind.network
    /// Failed logins are slow on purpose (Roundcube 1 s, Dovecot 2-15 s): 30 s lets the answer arrive.
    public static let defaultTimeout = 30.0

    public static var options: [OptionSpec] {
        PhaseThresholds.totalSpecs + [
            OptionSpec("url", short: "u", value: "URL", help: "The webmail's base URL (http://127.0.0.1:18080/, https://webmail.example.net/)."),
            OptionSpec("hostname", short: "H", value: "HOST", help: "Connect to HOST (builds the URL when -u is not given)."),
            OptionSpec("port", short: "p", value: "PORT", help: "Port (default 80, 443 with --tls; with -u, the URL's)."),
            OptionSpec("tls", help: "With -H: use https."),
        ] + ConnectionOptions.addressFamilySpecs + [
            OptionSpec("webmail", value: "roundcube|sogo|form", help: "The product (default: detected from the login page)."),
            OptionSpec("folder", value: "NAME", help: "Open folder NAME (repeatable; default INBOX and one more that exists)."),
            OptionSpec("form-user-field", value: "NAME", help: "--webmail form: the user name field (default: the form's text input)."),
            OptionSpec("form-password-field", value: "NAME", help: "--webmail form: the password field (default: the form's password input)."),
            OptionSpec("form-extra", value: "NAME=VALUE", help: "--webmail form: one more field to post (repeatable)."),
            OptionSpec("success-text", value: "TEXT", help: "--webmail form: the page after login must contain TEXT."),
            OptionSpec("failure-text", value: "TEXT", help: "--webmail form: TEXT in the page after login means the login failed."),
            OptionSpec("max-body", value: "BYTES", help: "Largest response body accepted (default 4194304)."),
        ] + ConnectionOptions.certificateSpecs + ConnectionOptions.expirySpecs + PhaseThresholds.phaseSpecs(WebmailPhase.allCases) + Credentials.specs(userHelp: "Log in as USER (required).")
    }

    let url: String
    let tls: HTTPTLSOptions
    let product: String?
    let folders: [String]
    let timing: PhaseThresholds
    let credentials: Credentials
    let certThresholds: Thresholds
    let bodyLimit: Int
    let form: (user: String?, password: String?, extras: [(String, String)], success: String?, failure: String?)

    public init(options: ParsedOptions, context _: RunContext) throws(UsageError) {
        let host = options.string("hostname")
        let secure = options.flag("tls")
        let port = try options.int("port", default: secure ? 443 : 80, in: 1...65535)
        if let given = options.string("url") {
            let lower = given.lowercased()
            guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), !given.contains(where: { $0 == " " || $0.isNewline }) else {
                throw UsageError("invalid value '\(given)' for -u/--url (an http:// or https:// URL)")
            }
            url = given
        } else if let host, !host.isEmpty {
            url = "\(secure ? "https" : "http")://\(host.contains(":") ? "[\(host)]" : host):\(port)/"
        } else {
            throw UsageError("missing -u/--url (or -H/--hostname)")
        }
        tls = try HTTPTLSOptions(options, connectHost: options.string("url") != nil ? host : nil,
                                 connectPort: options.string("url") != nil && options.has("port") ? port : nil)
        product = options.has("webmail") ? try options.choice("webmail", ["roundcube", "sogo", "form"], default: "roundcube") : nil
        folders = options.strings("folder")
        timing = try PhaseThresholds(options, phases: WebmailPhase.allCases)
        credentials = try Credentials(options)
        guard credentials.isSet else { throw UsageError("missing -U/--username (check_webmail_login logs in)") }
        certThresholds = try ConnectionOptions.expiryThresholds(options)
        bodyLimit = try options.int("max-body", default: 4 << 20, in: 1024...(256 << 20))
        var extras: [(String, String)] = []
        for item in options.strings("form-extra") {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else { throw UsageError("invalid value '\(item)' for --form-extra (NAME=VALUE)") }
            extras.append((String(item[..<eq]), String(item[item.index(after: eq)...])))
        }
        form = (options.string("form-user-field"), options.string("form-password-field"), extras,
                options.string("success-text"), options.string("failure-text"))
    }

    public func run(_ context: RunContext) throws(CheckError) -> CheckReport {
        let user = credentials.username ?? ""
        let password = try credentials.password()
        let http = try HTTPSession(tls: tls, deadline: context.deadline, wording: TransportWords(), bodyLimit: bodyLimit, context: context)
        let started = Deadline.now()
        let loginURL = switch product {
        case "form": url
        case "sogo": SOGoFlow.root(base: url, loginPage: url)
        default: HTTPURL.resolve("?_task=login", against: url)
        }
        let page = try http.send(HTTPRequest(loginURL, phase: "login page"))
        try page.require()
        let detected = WebmailPage(text: page.text).product
        context.log(1, "product: \(detected ?? "unknown") detected on the login page")
        let chosen = product ?? detected ?? "form"
        if product == nil && detected == nil && WebmailPage(text: page.text).loginForm == nil {
            throw .critical("login page: \(page.effectiveURL.prefix(100)) is not a webmail login page (no login form)")
        }
        var visit: WebmailVisit
        if chosen == "roundcube" {
            visit = try RoundcubeFlow(base: url, user: user, password: password, folders: folders, http: http).run(loginPage: page)
        } else if chosen == "sogo" {
            let (tls, deadline, bodyLimit) = (tls, context.deadline, bodyLimit)
            visit = try SOGoFlow(base: url, user: user, password: password, folders: folders, http: http, freshSession: { () throws(CheckError) in
                try HTTPSession(tls: tls, deadline: deadline, wording: TransportWords(), bodyLimit: bodyLimit, context: context)
            }).run(loginPage: page)
        } else if chosen == "form" {
            visit = try FormFlow(user: user, password: password, userField: form.user, passwordField: form.password, extras: form.extras,
                                 successText: form.success, failureText: form.failure, http: http).run(loginPage: page)
        } else {
            throw .unknown("the login page looks like \(chosen), which this version cannot drive yet (try --webmail form)")
        }
        let total = Deadline.now() - started
        return WebmailLoginReport(url: url, user: user, visit: visit, total: total, timing: timing,
                                  certificate: url.lowercased().hasPrefix("https") ? http.certificate : nil,
                                  certThresholds: certThresholds, now: context.clock.now(), detected: detected).report(name: Self.pluginName)
    }
}
