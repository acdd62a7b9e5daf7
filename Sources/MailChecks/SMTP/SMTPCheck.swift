import CheckKit
import MailTransport

/// check_smtp_session: connect, banner, EHLO, optional STARTTLS or implicit TLS, optional AUTH (proved
/// from the server's replies, never assumed), NOOP, QUIT;
/// timed per phase, with certificate verification and expiry, for MX, submission and
/// outbound servers.
public struct SMTPCheck: MonitoringCheck {
    public static let programName = "check_smtp_session"
    public static let summary = "Checks an SMTP server as a client sees it: banner, EHLO, STARTTLS or TLS, AUTH, each phase timed."
    public static let synopsis = "-H HOST [-p PORT] [--starttls|--tls] [-U USER --password-file FILE] [-w SECONDS] [-c SECONDS] [options]"
    public static let kind = CheckKind.network

    public static var options: [OptionSpec] {
        PhaseThresholds.totalSpecs + ConnectionOptions.specs(defaultPort: 25, implicitPort: 465) + [
            OptionSpec("helo", value: "NAME", help: "Name to send with EHLO (default: this host's name)."),
            OptionSpec("require-extension", value: "NAME", help: "CRITICAL unless EHLO offers NAME (PIPELINING, SIZE, 8BITMIME, ...); repeatable."),
        ] + PhaseThresholds.phaseSpecs(SMTPPhase.session) + [
            OptionSpec("auth-mechanism", value: "PLAIN|LOGIN|XOAUTH2|OAUTHBEARER", help: "SASL mechanism for AUTH when -U is given (default PLAIN); XOAUTH2 and OAUTHBEARER send an OAuth2 access token (--oauth2-*)."),
        ] + Credentials.specs(userHelp: "Log in with AUTH as USER (needs --starttls or --tls unless the server allows AUTH in clear).") + OAuth2Options.specs()
    }

    let connection: ConnectionOptions
    let timing: PhaseThresholds
    let helo: String?
    let requiredExtensions: [String]
    let credentials: Credentials
    let mechanism: SMTPMechanism
    let oauth2: OAuth2Options

    public init(options: ParsedOptions, context _: RunContext) throws(UsageError) {
        connection = try ConnectionOptions(options, defaultPort: 25, implicitPort: 465)
        timing = try PhaseThresholds(options, phases: SMTPPhase.session)
        helo = options.string("helo")
        if let helo, helo.isEmpty || helo.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) {
            throw UsageError("invalid value '\(helo)' for --helo")
        }
        requiredExtensions = options.strings("require-extension").map { $0.uppercased() }
        credentials = try Credentials(options)
        let name = try options.choice("auth-mechanism", SMTPMechanism.allCases.map(\.rawValue), default: "PLAIN")
        mechanism = SMTPMechanism(rawValue: name) ?? .plain
        oauth2 = try OAuth2Options(options)
        if credentials.isSet || oauth2.isSet {
            try OAuth2Options.validate(oauth2, mechanism: mechanism, credentials: credentials, option: "--auth-mechanism")
        }
        if oauth2.isSet && !credentials.isSet { throw UsageError("an OAuth2 login needs -U/--username") }
    }

    /// True when this run may use TLS; without it the check loads the plain libcurl.
    public var needsTLS: Bool { LibraryChoice.needsTLS(connection, oauth2: oauth2) }

    public func run(_ context: RunContext) throws(CheckError) -> CheckReport {
        CurlLibrary.prepare(needsTLS: needsTLS)
        guard credentials.isSet else {
            return report(try SMTPSession.converse(connection, helo: helo, login: nil, deadline: context.deadline, wording: TransportWords(), log: context), login: nil, now: context.clock.now())
        }
        let user = credentials.username ?? ""
        var login: SMTPLogin? = nil
        let conversation: SMTPConversation
        do {
            conversation = try OAuth2Token.login(oauth2, mechanism: mechanism, credentials: credentials, context: context) { (secret: String) throws(CheckError) in
                login = SMTPLogin(user: user, password: secret, mechanism: mechanism)
                return try SMTPSession.converse(connection, helo: helo, login: login, deadline: context.deadline, wording: TransportWords(), log: context)
            }
        } catch {
            // Say which user a refused login was for.
            if let login, let cause = error.cause, cause.kind == .loginRefused {
                throw CheckError(error.status, "AUTH \(login.mechanism.rawValue) failed for \(login.user): \(cause.value)", detail: error.detail, cause: cause)
            }
            throw LoginHint.add(to: error, option: "auth-mechanism")
        }
        return report(conversation, login: login, now: context.clock.now())
    }

    func report(_ c: SMTPConversation, login: SMTPLogin?, now: Double) -> CheckReport {
        var results: [CheckResult] = []
        results.append(.measure("time", c.total, unit: .seconds, thresholds: timing.total, min: 0,
                                message: "\(connection.endpoint) answered in \(NumberFormat.seconds(c.total))"))
        results += c.phases.map(timing.result)
        if connection.tls != .plain {
            if let cert = c.certificate {
                results.append(cert.result(thresholds: connection.certThresholds, now: now))
            } else if !connection.certThresholds.isEmpty {
                results.append(CheckResult(.unknown, "certificate expiry could not be read"))
            }
        }
        let offered = Set(c.extensions)
        for name in requiredExtensions where !offered.contains(name) {
            results.append(CheckResult(.critical, "extension \(name) not offered"))
        }
        var summary = "\(connection.endpoint) answered in \(NumberFormat.seconds(c.total))"
        if connection.tls != .plain { summary += connection.tls == .implicit ? ", TLS" : ", STARTTLS" }
        if let login { summary += ", AUTH \(login.mechanism.rawValue) as \(login.user)" }
        if let cert = c.certificate, connection.tls != .plain {
            summary += ", cert \(NumberFormat.decimal(cert.daysLeft(now: now).rounded(.down), fractionDigits: 0)) days"
        }
        var details = ["banner: \(c.banner)", "extensions: \(c.extensions.joinedText(" "))"]
        details += c.phases.map { "\($0.name): \(NumberFormat.seconds($0.seconds))" }
        if let session = c.tlsSession { details.append("tls: \(session)") }
        if let cert = c.certificate { details.append("certificate: \(cert.subject ?? "?") (issuer \(cert.issuer ?? "?"))") }
        return CheckReport(name: Self.pluginName, results: results, okSummary: summary, details: details)
    }
}
