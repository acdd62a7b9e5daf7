import CheckKit
import MailTransport

/// check_pop3_login: a POP3 user's session, timed. Connect (plain, STLS or TLS), log in with
/// USER/PASS or AUTH PLAIN, STAT (message count and maildrop size), QUIT. Nothing is retrieved
/// or deleted.
public struct POP3LoginCheck: MonitoringCheck {
    public static let programName = "check_pop3_login"
    public static let summary = "Logs in to a POP3 server and reads the maildrop size with STAT, each step timed."
    public static let synopsis = "-H HOST [-p PORT] [--starttls|--tls] -U USER --password-file FILE [-w SECONDS] [-c SECONDS] [--messages-warning RANGE] [options]"
    public static let kind = CheckKind.network

    public static var options: [OptionSpec] {
        PhaseThresholds.totalSpecs + ConnectionOptions.specs(defaultPort: 110, implicitPort: 995) + [
            OptionSpec("messages-warning", value: "RANGE", help: "WARNING when the number of messages in the maildrop is outside RANGE."),
            OptionSpec("messages-critical", value: "RANGE", help: "CRITICAL when the number of messages in the maildrop is outside RANGE."),
        ] + PhaseThresholds.phaseSpecs(POP3Phase.allCases) + [
            OptionSpec("auth-mechanism", value: "USER|PLAIN|XOAUTH2|OAUTHBEARER", help: "USER: USER and PASS (default); PLAIN: AUTH PLAIN; XOAUTH2, OAUTHBEARER: an OAuth2 access token (--oauth2-*)."),
        ] + Credentials.specs(userHelp: "Log in as USER (required).") + OAuth2Options.specs()
    }

    let connection: ConnectionOptions
    let timing: PhaseThresholds
    let messageThresholds: Thresholds
    let credentials: Credentials
    let mechanism: POP3Mechanism
    let oauth2: OAuth2Options

    public init(options: ParsedOptions, context _: RunContext) throws(UsageError) {
        connection = try ConnectionOptions(options, defaultPort: 110, implicitPort: 995)
        timing = try PhaseThresholds(options, phases: POP3Phase.allCases)
        messageThresholds = try options.thresholds(warning: "messages-warning", critical: "messages-critical")
        credentials = try Credentials(options)
        guard credentials.isSet else { throw UsageError("missing -U/--username (check_pop3_login logs in)") }
        let name = try options.choice("auth-mechanism", POP3Mechanism.allCases.map(\.rawValue), default: "USER")
        mechanism = POP3Mechanism(rawValue: name) ?? .user
        oauth2 = try OAuth2Options(options)
        try OAuth2Options.validate(oauth2, mechanism: mechanism, credentials: credentials, option: "--auth-mechanism")
    }

    /// True when this run may use TLS; without it the check loads the plain libcurl.
    public var needsTLS: Bool { LibraryChoice.needsTLS(connection, oauth2: oauth2) }

    public func run(_ context: RunContext) throws(CheckError) -> CheckReport {
        CurlLibrary.prepare(needsTLS: needsTLS)
        let user = credentials.username ?? ""
        let (login, c) = try LoginHint.naming("auth-mechanism") { () throws(CheckError) in
            try OAuth2Token.login(oauth2, mechanism: mechanism, credentials: credentials, context: context) { (secret: String) throws(CheckError) in
                let login = POP3Login(user: user, password: secret, mechanism: mechanism)
                return (login, try POP3Session.converse(connection, login: login, deadline: context.deadline, wording: TransportWords(), log: context))
            }
        }
        var results: [CheckResult] = [
            .measure("time", c.total, unit: .seconds, thresholds: timing.total, min: 0,
                     message: "\(connection.endpoint) answered in \(NumberFormat.seconds(c.total))"),
        ]
        results += c.phases.map(timing.result)
        let plural = c.messages == 1 ? "" : "s"
        var messages = CheckResult.measure("messages", Double(c.messages), thresholds: messageThresholds, min: 0,
                                           message: "\(c.messages) message\(plural) in the maildrop", inSummary: false)
        if messages.status != .ok { messages.inSummary = true }
        results.append(messages)
        results.append(.metric("mailbox_size", Double(c.octets), unit: .bytes, min: 0))
        if connection.tls != .plain {
            if let cert = c.certificate {
                results.append(cert.result(thresholds: connection.certThresholds, now: context.clock.now()))
            } else if !connection.certThresholds.isEmpty {
                results.append(CheckResult(.unknown, "certificate expiry could not be read"))
            }
        }
        var summary = "\(login.user) on \(connection.endpoint) in \(NumberFormat.seconds(c.total))"
        if connection.tls != .plain { summary += connection.tls == .implicit ? ", TLS" : ", STLS" }
        summary += ", \(c.messages) message\(plural) (\(NumberFormat.bytes(Double(c.octets))))"
        if let cert = c.certificate, connection.tls != .plain {
            summary += ", cert \(NumberFormat.decimal(cert.daysLeft(now: context.clock.now()).rounded(.down), fractionDigits: 0)) days"
        }
        var details = ["banner: \(c.banner)", "capabilities: \(c.capabilities.joinedText(", "))",
                       "login: \(login.commandName) as \(login.user)",
                       "maildrop: \(c.messages) message\(plural), \(c.octets) octets"]
        details += c.phases.map { "\($0.name): \(NumberFormat.seconds($0.seconds))" }
        if let session = c.tlsSession { details.append("tls: \(session)") }
        if let cert = c.certificate { details.append("certificate: \(cert.subject ?? "?") (issuer \(cert.issuer ?? "?"))") }
        return CheckReport(name: Self.pluginName, results: results, okSummary: summary, details: details)
    }
}
