import CheckKit
import MailTransport

/// check_delivery_latency: submits one probe over SMTP, watches the receiving mailbox over
/// IMAP (or, with --pop3, polls it over POP3) until it is there, measures submission and
/// delivery latency, reads the hops from its Received headers, and deletes exactly the probe.
/// Inbound (MX to mail store) and outbound (submission to a remote mailbox) are the same
/// mechanism with other endpoints and logins.
public struct DeliveryLatencyCheck: MonitoringCheck {
    public static let programName = "check_delivery_latency"
    public static let summary = "Sends a probe over SMTP, times how long it takes to show up in a mailbox over IMAP (or POP3), and deletes it."
    public static let synopsis = "-H HOST --smtp-port PORT [--smtp-starttls] [--smtp-user USER --smtp-password-file FILE] (--imap-port PORT | --pop3 --pop3-port PORT) -U USER --password-file FILE [--to ADDRESS] [--from ADDRESS] [-w SECONDS] [-c SECONDS] [options]"
    public static let kind = CheckKind.network
    public static let defaultTimeout: Double = 30

    public static var options: [OptionSpec] {
        [
            OptionSpec("warning", short: "w", value: "RANGE", help: "WARNING when the delivery latency in seconds (SMTP acceptance to visible in the mailbox) is outside RANGE."),
            OptionSpec("critical", short: "c", value: "RANGE", help: "CRITICAL when the delivery latency in seconds is outside RANGE."),
            OptionSpec("submit-warning", value: "RANGE", help: "WARNING when the submission in seconds (connect to the server's acceptance of the probe) is outside RANGE."),
            OptionSpec("submit-critical", value: "RANGE", help: "CRITICAL when the submission in seconds is outside RANGE."),
            OptionSpec("to", value: "ADDRESS", help: "Recipient of the probe (default: -U when it is an address)."),
            OptionSpec("from", value: "ADDRESS", help: "Sender of the probe (default: --smtp-user when it is an address, else --to)."),
            OptionSpec("check-name", value: "NAME", help: "Name in the probe token (letters, digits, . _ -; default delivery). Give each check that sends into the same mailbox its own."),
            OptionSpec("stale-after", value: "SECONDS", help: "Delete this check's own probes older than SECONDS, left by runs that gave up (default 3600; must be longer than -t)."),
            OptionSpec("folder", value: "NAME", help: "Folder the probe is delivered to (default INBOX)."),
            OptionSpec("no-idle", help: "Never IDLE: look for the probe by polling only."),
            OptionSpec("pop3", help: "Receive over POP3 instead of IMAP: poll the maildrop (a fresh login each time) with the --pop3-* options."),
        ] + DeliveryOptions.sharedSpecs
          + DeliveryOptions.sideSpecs("smtp-", label: "SMTP", defaultPort: 25, implicitPort: 465, mechanisms: "PLAIN|LOGIN|XOAUTH2|OAUTHBEARER") + [
            OptionSpec("smtp-helo", value: "NAME", help: "SMTP: name to send with EHLO (default: this host's name)."),
            // No --smtp-password: the SMTP password never goes on a command line (ps shows it).
            OptionSpec("smtp-user", value: "USER", help: "SMTP: log in with AUTH as USER (needs --smtp-password-file or --smtp-password-env)."),
            OptionSpec("smtp-password-file", value: "FILE", help: "SMTP: read the AUTH password from the first line of FILE."),
            OptionSpec("smtp-password-env", value: "NAME", help: "SMTP: read the AUTH password from the environment variable NAME."),
        ] + OAuth2Options.specs(prefix: "smtp-", label: "SMTP: ", stateDir: false)
          + DeliveryOptions.sideSpecs("imap-", label: "IMAP", defaultPort: 143, implicitPort: 993, mechanisms: "PLAIN|LOGIN|XOAUTH2|OAUTHBEARER")
          + DeliveryOptions.sideSpecs("pop3-", label: "POP3", defaultPort: 110, implicitPort: 995, mechanisms: "USER|PLAIN|XOAUTH2|OAUTHBEARER", defaultMechanism: "USER")
          + Credentials.specs(userHelp: "User whose mailbox receives the probe, over IMAP or with --pop3 over POP3 (required).")
          + OAuth2Options.specs(label: "IMAP or POP3: ", stateDir: false) + TrendOptions.specs + JunkOptions.specs
    }

    let thresholds: Thresholds
    let submitThresholds: Thresholds
    let smtp: ConnectionOptions
    /// The receiving side's connection: IMAP, or POP3 with --pop3 (so not named after either).
    let mailbox: ConnectionOptions
    let usePOP3: Bool
    let pop3Mechanism: POP3Mechanism
    let smtpCredentials: Credentials
    let smtpMechanism: SMTPMechanism
    /// The receiving side's login (-U, --password-file, ...), over IMAP or POP3.
    let mailboxCredentials: Credentials
    let imapMechanism: IMAPMechanism
    let helo: String?
    let to: String
    let from: String
    let checkName: String
    let staleAfter: Double
    let folder: String
    let useIdle: Bool
    /// The receiving side's OAuth2 token source (--oauth2-*), and the SMTP side's (--smtp-oauth2-*).
    let oauth2: OAuth2Options
    let smtpOAuth2: OAuth2Options
    /// The latency history and its thresholds (off without a state directory).
    let trend: TrendOptions
    /// The Junk folder watched beside the probe's folder (IMAP only).
    let junk: JunkOptions

    public init(options: ParsedOptions, context: RunContext) throws(UsageError) {
        thresholds = try options.thresholds()
        submitThresholds = try options.thresholds(warning: "submit-warning", critical: "submit-critical")
        smtp = try ConnectionOptions(options, defaultPort: 25, implicitPort: 465, names: DeliveryOptions.smtp)
        usePOP3 = options.flag("pop3")
        // The other receiving protocol's options would be silently ignored: refuse them.
        let other = usePOP3 ? DeliveryOptions.imap : DeliveryOptions.pop3
        let unused = [other.host, other.port, other.tls, other.starttls, other.sni, usePOP3 ? "imap-auth-mechanism" : "pop3-auth-mechanism"]
            + (usePOP3 ? ["folder", "no-idle", "junk-folder", "junk-state", "no-junk"] : [])
        if let given = unused.first(where: { options.string($0) != nil || options.flag($0) }) {
            throw UsageError(usePOP3 ? "--\(given) does not apply with --pop3" : "--\(given) needs --pop3")
        }
        mailbox = usePOP3
            ? try ConnectionOptions(options, defaultPort: 110, implicitPort: 995, names: DeliveryOptions.pop3)
            : try ConnectionOptions(options, defaultPort: 143, implicitPort: 993, names: DeliveryOptions.imap)
        let pop3Name = try options.choice("pop3-auth-mechanism", POP3Mechanism.allCases.map(\.rawValue), default: "USER")
        pop3Mechanism = POP3Mechanism(rawValue: pop3Name) ?? .user
        mailboxCredentials = try Credentials(options)
        guard let user = mailboxCredentials.username else {
            throw UsageError("missing -U/--username (the IMAP user whose mailbox receives the probe)")
        }
        smtpCredentials = try Credentials(options, names: DeliveryOptions.smtpLogin)
        let smtpName = try options.choice("smtp-auth-mechanism", SMTPMechanism.allCases.map(\.rawValue), default: "PLAIN")
        smtpMechanism = SMTPMechanism(rawValue: smtpName) ?? .plain
        let name = try options.choice("imap-auth-mechanism", IMAPMechanism.allCases.map(\.rawValue), default: "PLAIN")
        imapMechanism = IMAPMechanism(rawValue: name) ?? .plain
        helo = options.string("smtp-helo")
        if let helo, helo.isEmpty || helo.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) {
            throw UsageError("invalid value '\(helo)' for --smtp-helo")
        }
        guard let to = options.string("to") ?? (user.contains("@") ? user : nil) else {
            throw UsageError("missing --to (the address whose mailbox -U opens)")
        }
        self.to = try Self.address(to, option: "--to")
        let smtpUser = smtpCredentials.username.flatMap { $0.contains("@") ? $0 : nil }
        from = try Self.address(options.string("from") ?? smtpUser ?? to, option: "--from")
        checkName = options.string("check-name") ?? "delivery"
        guard ProbeToken.isValidName(checkName) else {
            throw UsageError("invalid value '\(checkName)' for --check-name: 1-40 letters, digits, '.', '_' or '-'")
        }
        staleAfter = try options.double("stale-after", in: 0.001...10_000_000) ?? 3600
        let timeout = context.deadline.seconds
        guard staleAfter > timeout else {
            throw UsageError("--stale-after (\(NumberFormat.decimal(staleAfter)) s) must be longer than -t (\(NumberFormat.decimal(timeout)) s): a shorter one could delete the probe of a run still waiting for it")
        }
        folder = options.string("folder") ?? "INBOX"
        guard !folder.isEmpty, IMAPSyntax.quoted(folder) != nil else {
            throw UsageError("invalid value '\(folder)' for --folder: a folder name must not be empty or hold control characters")
        }
        useIdle = !options.flag("no-idle")
        oauth2 = try OAuth2Options(options)
        smtpOAuth2 = try OAuth2Options(options, prefix: "smtp-")
        trend = try TrendOptions(options)
        junk = try JunkOptions(options)
        try validateOAuth2()
    }

    /// An envelope address: something@something, no blanks, brackets or control characters.
    static func address(_ text: String, option: String) throws(UsageError) -> String {
        let bad = text.unicodeScalars.contains { $0.value <= 0x20 || $0.value == 0x7f || $0 == "<" || $0 == ">" || $0 == "\"" }
        guard !bad, let at = text.lastIndex(of: "@"), at != text.startIndex, text.index(after: at) != text.endIndex, text.utf8.count <= 254 else {
            throw UsageError("invalid value '\(text)' for \(option): expected an address like user@example.net")
        }
        return text
    }

    /// The SMTP login, when --smtp-user was given.
    func smtpLogin(_ context: RunContext) throws(CheckError) -> SMTPLogin? {
        smtpCredentials.isSet
            ? SMTPLogin(user: smtpCredentials.username ?? "", password: try smtpSecret(context), mechanism: smtpMechanism)
            : nil
    }

    /// One probe, sent and watched for; `run` adds the trend (DeliveryTrendRun.swift).
    func measure(_ context: RunContext) throws(CheckError) -> CheckReport {
        if usePOP3 { return try runPOP3(context) }
        let started = Deadline.now()
        let deadline = context.deadline
        let imapLogin = IMAPLogin(user: mailboxCredentials.username ?? "", password: try receiverSecret(imapMechanism, context),
                                  mechanism: imapMechanism)
        let smtpLogin = try smtpLogin(context)
        // The mailbox side first: a login that fails sends no probe that would be left behind.
        let connection = try LoginHint.naming("imap-auth-mechanism") { () throws(CheckError) in
            try IMAPWatchConnection(self.mailbox, login: imapLogin, deadline: deadline, wording: TransportWords(), log: context)
        }
        defer { connection.close() }
        let mailbox = ProbeMailbox(imap: connection, folder: folder, context: context)
        try mailbox.select()
        var run = DeliveryRun(imap: connection)
        run.selectSeconds = mailbox.selectSeconds
        run.sweep = try mailbox.sweep(checkName: checkName, staleAfter: staleAfter, now: context.clock.now())
        let junkBox = try openJunk(connection, login: imapLogin, sweep: &run.sweep, context: context)
        defer { junkBox?.imap.close() }
        let probe = try sendProbe(login: smtpLogin, context: context)
        defer { probe.submitter.close() }
        let token = probe.token
        run.token = token
        run.submission = probe.submission
        var watch = ProbeWatch(mailbox: mailbox, token: token, useIdle: useIdle, context: context)
        watch.junk = junkBox
        do {
            let (sighting, looks) = try watch.wait(acceptedAt: probe.submission.acceptedAt, giveUpAt: probe.giveUpAt)
            run.looks = looks
            run.gaveUpAfter = Deadline.now() - probe.submission.acceptedAt
            if let sighting {
                run.sighting = sighting
                let box = sighting.inJunk ? (junkBox ?? mailbox) : mailbox
                let headers = try box.fetchHeaders(sighting.uids, fields: nil)
                let tokens = ProbeMailbox.tokens(headers)
                run.verified = sighting.uids.filter { tokens[$0] == token }
                run.unverified = sighting.uids.filter { tokens[$0] != token }
                if let first = run.verified.first, let header = headers[first] {
                    run.hops = ReceivedHops.describe(HeaderFields(header).values("Received"), submittedAt: probe.acceptedWall)
                    if sighting.inJunk { run.spamHeaders = JunkMailbox.spamHeaders(header) }
                }
                if sighting.inJunk { run.junkFolder = box.folder }
                run.deleteProblem = try box.delete(run.verified)
            }
        } catch {
            throw probe.failure(error, checkName: checkName)
        }
        junkBox?.imap.logout()
        connection.logout()
        probe.submitter.close()
        run.total = Deadline.now() - started
        return DeliveryLatencyReport(check: self, run: run, expiry: deadline.expiryStatus, now: context.clock.now()).report()
    }
}
