import CheckKit
import MailTransport

/// check_imap_login: what a user does with a mailbox, timed. Connect (plain, STARTTLS or TLS),
/// log in, open each folder read-only with EXAMINE, optionally read the newest message's
/// header, optionally read the quota, LOGOUT. Nothing in the mailbox changes: EXAMINE opens
/// read-only and the header is fetched with BODY.PEEK, so unseen mail stays unseen.
public struct IMAPLoginCheck: MonitoringCheck {
    public static let programName = "check_imap_login"
    public static let summary = "Logs in to an IMAP server and opens folders read-only as a user does, each step timed."
    public static let synopsis = "-H HOST [-p PORT] [--starttls|--tls] -U USER --password-file FILE [--folder NAME]... [--fetch-latest] [-w SECONDS] [-c SECONDS] [options]"
    public static let kind = CheckKind.network

    public static var options: [OptionSpec] {
        PhaseThresholds.totalSpecs + ConnectionOptions.specs(defaultPort: 143, implicitPort: 993) + [
            OptionSpec("folder", value: "NAME", help: "Open folder NAME read-only (EXAMINE); repeatable, in order (default INBOX). Give the name as the server lists it."),
            OptionSpec("fetch-latest", help: "Read the header of the newest message of the first folder (with BODY.PEEK: nothing is marked seen)."),
            OptionSpec("require-capability", value: "NAME", help: "CRITICAL unless the server offers capability NAME (IDLE, QUOTA, ...); repeatable."),
        ] + PhaseThresholds.phaseSpecs(IMAPPhase.allCases, note: " (folder applies to each folder)") + [
            OptionSpec("quota", help: "Report the storage quota (GETQUOTAROOT) when the server has QUOTA, without thresholds."),
            OptionSpec("quota-warning", value: "RANGE", help: "WARNING when storage quota usage in percent is outside RANGE (80 alerts above 80 %); UNKNOWN when the server has no QUOTA."),
            OptionSpec("quota-critical", value: "RANGE", help: "CRITICAL when storage quota usage in percent is outside RANGE."),
            OptionSpec("auth-mechanism", value: "PLAIN|LOGIN|XOAUTH2|OAUTHBEARER", help: "PLAIN: AUTHENTICATE PLAIN (default); LOGIN: the IMAP LOGIN command; XOAUTH2, OAUTHBEARER: an OAuth2 access token (--oauth2-*)."),
        ] + Credentials.specs(userHelp: "Log in as USER (required).") + OAuth2Options.specs()
    }

    let connection: ConnectionOptions
    let timing: PhaseThresholds
    let folders: [String]
    let fetchLatest: Bool
    let requiredCapabilities: [String]
    let quotaThresholds: Thresholds
    let quotaWanted: Bool
    let credentials: Credentials
    let mechanism: IMAPMechanism
    let oauth2: OAuth2Options

    public init(options: ParsedOptions, context _: RunContext) throws(UsageError) {
        connection = try ConnectionOptions(options, defaultPort: 143, implicitPort: 993)
        timing = try PhaseThresholds(options, phases: IMAPPhase.allCases)
        let given = options.strings("folder")
        for name in given where name.isEmpty || IMAPSyntax.quoted(name) == nil {
            throw UsageError("invalid value '\(name)' for --folder: a folder name must not be empty or hold control characters")
        }
        folders = given.isEmpty ? ["INBOX"] : given
        fetchLatest = options.flag("fetch-latest")
        requiredCapabilities = options.strings("require-capability").map { $0.uppercased() }
        for name in requiredCapabilities where name.isEmpty || name.contains(" ") {
            throw UsageError("invalid value '\(name)' for --require-capability")
        }
        quotaThresholds = try options.thresholds(warning: "quota-warning", critical: "quota-critical")
        quotaWanted = options.flag("quota") || !quotaThresholds.isEmpty
        credentials = try Credentials(options)
        guard credentials.isSet else { throw UsageError("missing -U/--username (check_imap_login logs in)") }
        let name = try options.choice("auth-mechanism", IMAPMechanism.allCases.map(\.rawValue), default: "PLAIN")
        mechanism = IMAPMechanism(rawValue: name) ?? .plain
        oauth2 = try OAuth2Options(options)
        try OAuth2Options.validate(oauth2, mechanism: mechanism, credentials: credentials, option: "--auth-mechanism")
    }

    /// True when this run may use TLS; without it the check loads the plain libcurl.
    public var needsTLS: Bool { LibraryChoice.needsTLS(connection, oauth2: oauth2) }

    public func run(_ context: RunContext) throws(CheckError) -> CheckReport {
        CurlLibrary.prepare(needsTLS: needsTLS)
        let user = credentials.username ?? ""
        // The hint goes on outside the OAuth2 retry, which looks only at the typed cause.
        let (session, visit) = try LoginHint.naming("auth-mechanism") { () throws(CheckError) in
            try OAuth2Token.login(oauth2, mechanism: mechanism, credentials: credentials, context: context) { (secret: String) throws(CheckError) in
                let login = IMAPLogin(user: user, password: secret, mechanism: mechanism)
                let session = try IMAPSession(connection, login: login, deadline: context.deadline, wording: TransportWords(), log: context)
                let started = Deadline.now()
                var visit = IMAPLoginVisit(folders: folders)
                do throws(CheckError) {
                    try walk(session, into: &visit)
                    try session.logout()
                } catch let error {
                    // Before the login there is nothing to show but the error; after it, what was measured stays.
                    guard session.loggedIn else { throw error }
                    visit.failure = error
                }
                visit.total = Deadline.now() - started
                return (session, visit)
            }
        }
        return IMAPLoginReport(check: self, session: session, visit: visit, now: context.clock.now()).report()
    }

    /// Folders, then the newest message's header, then quota and capabilities; stops at the first
    /// failure because libcurl drops the connection after any NO.
    func walk(_ session: IMAPSession, into visit: inout IMAPLoginVisit) throws(CheckError) {
        for (index, name) in folders.enumerated() {
            let quoted = IMAPSyntax.quoted(name) ?? "\"\""
            // EXAMINE's [UNSEEN n] is the first unseen message, not a count: STATUS gives the count.
            // It goes first because STATUS on the selected mailbox is a client bug to Dovecot.
            let status = try session.run("STATUS \(quoted) (MESSAGES UNSEEN)")
            guard status.status == .ok else { throw folderError(name, status) }
            let examine = try session.run("EXAMINE \(quoted)")
            guard examine.status == .ok else { throw folderError(name, examine) }
            var folder = IMAPFolderVisit(name: name, seconds: examine.seconds, state: IMAPParse.mailboxState(examine.untagged))
            folder.unseen = status.untagged.lazy.compactMap(IMAPParse.statusItems).first?["UNSEEN"]
            visit.visited.append(folder)
            if index == 0 && fetchLatest { try fetch(session, folder: folder, into: &visit) }
        }
        if quotaWanted { try readQuota(session, into: &visit) }
        if !requiredCapabilities.isEmpty {
            let offered = session.offered.union(try session.currentCapabilities())
            visit.missingCapabilities = requiredCapabilities.filter { !offered.contains($0) }
        }
    }

    /// `folder Archive does not exist` for RFC 5530's NONEXISTENT (or a server that only says so in words).
    func folderError(_ name: String, _ reply: IMAPReply) -> CheckError {
        let missing = reply.responseCode == "NONEXISTENT" || reply.text.lowercased().containsText("exist")
        return .critical(missing ? "folder \(name) does not exist" : "cannot open folder \(name): \(reply.completion)")
    }

    func fetch(_ session: IMAPSession, folder: IMAPFolderVisit, into visit: inout IMAPLoginVisit) throws(CheckError) {
        guard let count = folder.state.exists else {
            visit.fetchSkipped = "nothing fetched: the message count of \(folder.name) could not be read"
            return
        }
        guard count > 0 else {
            visit.fetchSkipped = "nothing to fetch: \(folder.name) is empty"
            return
        }
        // `*` is the newest message; BODY.PEEK never sets \Seen (and EXAMINE is read-only anyway).
        let reply = try session.run("FETCH * (UID RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER])")
        guard reply.status == .ok else {
            throw .critical("cannot read the newest message in \(folder.name): \(reply.completion)")
        }
        visit.fetch = (reply.seconds, reply.untagged.lazy.compactMap(IMAPParse.fetched).first)
    }

    func readQuota(_ session: IMAPSession, into visit: inout IMAPLoginVisit) throws(CheckError) {
        guard try session.currentCapabilities().contains("QUOTA") || session.offered.contains("QUOTA") else {
            visit.quotaProblem = "server has no QUOTA"
            return
        }
        let reply = try session.run("GETQUOTAROOT \(IMAPSyntax.quoted(folders.first ?? "INBOX") ?? "INBOX")")
        visit.quotaSeconds = reply.seconds
        guard reply.status == .ok else {
            visit.quotaProblem = "GETQUOTAROOT failed: \(reply.completion)"
            return
        }
        guard let quotas = IMAPParse.quotas(reply.untagged) else {
            visit.quotaProblem = "cannot parse the quota reply"
            return
        }
        let storage = quotas.filter { $0.resource == "STORAGE" && $0.limit > 0 }
        guard let worst = storage.max(by: { $0.usage / $0.limit < $1.usage / $1.limit }) else {
            visit.quotaProblem = "no storage quota set for \(session.login.user)"
            return
        }
        visit.quota = worst
    }
}

/// What one run saw, step by step, for the report.
struct IMAPLoginVisit {
    let folders: [String]
    var visited: [IMAPFolderVisit] = []
    var fetch: (seconds: Double, message: IMAPFetched?)? = nil
    var fetchSkipped: String? = nil
    var quota: IMAPQuota? = nil
    var quotaSeconds: Double? = nil
    var quotaProblem: String? = nil
    var missingCapabilities: [String] = []
    var failure: CheckError? = nil
    var total: Double = 0
}

/// One opened folder: EXAMINE's time and counts, and STATUS's unseen count.
struct IMAPFolderVisit {
    let name: String
    let seconds: Double
    let state: IMAPMailboxState
    var unseen: Int? = nil
}
