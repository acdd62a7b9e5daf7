#if canImport(Glibc)
import Glibc
#endif
import CLibcurl
import CheckKit

/// One logged-in IMAP connection driven through libcurl: each command is one transfer on a
/// kept connection, so every command is timed on its own and the login happens once.
/// libcurl connects, does STARTTLS or TLS and CAPABILITY, and (for PLAIN) authenticates on the
/// first transfer; LOGIN is sent as a command because libcurl only falls back to it when the
/// server offers no SASL mechanism it knows. Not Sendable: it belongs to the task that made it.
public final class IMAPSession {
    /// Where and how to connect (host, port, TLS).
    public let connection: ConnectionOptions
    /// Who logs in, and with which mechanism.
    public let login: IMAPLogin
    let deadline: Deadline
    let wording: any TransportWording
    let log: RunContext?
    let easy: CurlEasy
    /// Logged in with the connection kept open.
    public private(set) var isOpen = false
    /// The login succeeded at some point (the connection may have closed since).
    public private(set) var loggedIn = false
    var closed = false
    /// The server's untagged BYE, once it sent one outside LOGOUT.
    var byeText: String?
    /// The last command the server answered (`LOGIN`, `AUTHENTICATE PLAIN`, `STATUS`), for
    /// naming the step after which a connection was closed.
    var lastCompleted: String?
    /// resolve, connect, tls, banner, capability, login: each phase's own seconds.
    public private(set) var connectPhases: [PhaseTime<IMAPPhase>] = []
    /// The greeting line (`* OK [CAPABILITY ...] Dovecot ready.`).
    public private(set) var greeting = ""
    /// The latest capability list the server sent (after login when it sent one then).
    public private(set) var capabilities: [String] = []
    /// Every capability seen before or after login.
    public private(set) var offered: Set<String> = []
    var capabilitiesComplete = false
    /// Negotiated TLS protocol and cipher (`TLSv1.3 / TLS_AES_256_GCM_SHA384`).
    public private(set) var tlsSession: String?
    /// The server certificate's facts, when TLS was used.
    public private(set) var certificate: CertificateFacts?
    /// Seconds the LOGOUT exchange took, once `logout()` ran.
    public private(set) var logoutSeconds: Double?

    /// Prepares the handle; nothing is sent until the first command. A failure on the wire
    /// reads in the check's `wording`.
    public init(_ connection: ConnectionOptions, login: IMAPLogin, deadline: Deadline, wording: any TransportWording,
                log: RunContext? = nil) throws(CheckError) {
        self.connection = connection
        self.login = login
        self.deadline = deadline
        self.wording = wording
        self.log = log
        // Untagged replies of a custom command reach the handle's sink whole (the transcript
        // keeps only 512 characters of a line); each command resets it.
        easy = try login.handle(on: connection)
    }

    /// The untagged lines the last command delivered.
    var untagged: [String] { IMAPUntagged.lines(easy.body.bytes) }

    /// Runs one command (`EXAMINE "INBOX"`), connecting and logging in first if needed.
    /// A NO or BAD completion is returned; a failed connection, TLS or login throws.
    public func run(_ command: String) throws(CheckError) -> IMAPReply {
        if let byeText { throw .critical("\(connection.endpoint) closed the connection: \(byeText)") }
        guard !closed else { throw .unknown("IMAP connection to \(connection.endpoint) already closed") }
        if !isOpen && login.mechanism == .login {
            guard let user = IMAPSyntax.quoted(login.user), let password = IMAPSyntax.quoted(login.password) else {
                throw CheckError(.unknown, "user name or password holds a control character, which LOGIN cannot send",
                                 cause: .init(.credentialsUnsendable, IMAPMechanism.plain.rawValue))
            }
            let reply = try perform("LOGIN \(user) \(password)", verb: "LOGIN")
            guard reply.status == .ok else {
                if offered.contains("LOGINDISABLED") {
                    throw .critical("LOGIN is disabled by \(connection.endpoint) (LOGINDISABLED): \(reply.completion)")
                }
                throw loginFailed(reply.completion)
            }
        }
        if !isOpen && login.mechanism == .xoauth2 { try authenticateXOAUTH2() }
        return try perform(command, verb: Self.verb(of: command))
    }

    /// The capabilities after login, asking with CAPABILITY when the login did not show a complete list.
    public func currentCapabilities() throws(CheckError) -> [String] {
        if !capabilitiesComplete {
            let reply = try run("CAPABILITY")
            if let words = reply.untagged.lazy.compactMap(IMAPParse.capabilities).last {
                capabilities = words
                offered.formUnion(words)
                capabilitiesComplete = true
            }
        }
        return capabilities
    }

    /// Ends the session with LOGOUT, timed; a no-op when nothing is open.
    public func logout() throws(CheckError) {
        guard isOpen else { return }
        let reply = try perform("LOGOUT", verb: "LOGOUT", closing: true)
        logoutSeconds = reply.seconds
    }

    func perform(_ command: String, verb: String, closing: Bool = false) throws(CheckError) -> IMAPReply {
        // libcurl URL-decodes a custom request: a literal % must travel as %25.
        try easy.set(CURLOPT_CUSTOMREQUEST, command.replacingPercent())
        // Kept even for LOGOUT: a connection curl closes itself gets a LOGOUT of curl's own,
        // after the server's BYE. `shutDown()` ends it instead.
        try easy.set(CURLOPT_FORBID_REUSE, 0)
        try connection.applyTimeouts(to: easy, deadline: deadline)
        // The wait for a reply while disconnecting (LOGOUT) is bounded by this, not by the timeout.
        try easy.set(CURLOPT_SERVER_RESPONSE_TIMEOUT, max(1, Int(deadline.remaining.rounded(.up))))
        // libcurl would silently connect (and for PLAIN log in) again when the server closed
        // the kept connection; a closed connection is the finding, not something to repair.
        if isOpen && peerClosed() {
            isOpen = false
            closed = true
            throw IMAPClosedConnection.error(endpoint: connection.endpoint, unanswered: nil, completed: lastCompleted, cause: nil)
        }
        easy.body.reset()
        let first = easy.transcript.events.count
        log?.activity(isOpen ? "waiting for the reply to \(verb)" : "connecting to \(connection.endpoint)")
        if !isOpen { log?.log(2, "imap: \(connection.tls == .implicit ? "imaps" : "imap")://\(connection.endpoint) tls=\(connection.tls) login=\(login.commandName) (libcurl \(CurlLibrary.version))") }
        log?.log(2, "imap: \(Self.describe(command))")
        let started = Deadline.now()
        let outcome = easy.perform()
        let wall = Deadline.now() - started
        let events = easy.transcript.events[min(first, easy.transcript.events.count)...]
        if (log?.verbosity ?? 0) >= 3 { Self.trace(events).forEach { line in log?.log(3, line) } }
        let timeline = IMAPTimeline(events: events)
        let wasOpen = isOpen
        if !wasOpen { absorbConnection(timeline) }
        // Capability lists come with the greeting, CAPABILITY and the login; later commands have none.
        if !wasOpen || verb == "CAPABILITY" || verb == "LOGIN" || verb == "AUTHENTICATE" {
            absorbCapabilities(timeline, loggedIn: wasOpen, explicit: verb == "CAPABILITY" ? untagged : [])
        }
        let exchange = timeline.lastExchange(command: verb)
        if wasOpen && (easy.long(CURLINFO_NUM_CONNECTS) ?? 0) > 0 {
            // The old connection was gone and curl made a new one: the server closed it after our last step.
            isOpen = false
            closed = true
            shutDown()
            throw IMAPClosedConnection.error(endpoint: connection.endpoint, unanswered: nil, completed: lastCompleted, cause: nil)
        }
        if let completed = exchange.completed { lastCompleted = completed }
        guard outcome.ok || outcome.code == CURLE_QUOTE_ERROR else {
            isOpen = false
            closed = true
            throw failure(outcome, timeline, wasOpen: wasOpen, verb: verb)
        }
        if !wasOpen, login.mechanism == .plain || login.mechanism == .oauthbearer,
           let problem = Self.unprovenLogin(timeline, command: login.commandName, endpoint: connection.endpoint) {
            isOpen = false
            closed = true
            throw problem
        }
        // libcurl drops the connection after any failed transfer, a NO included.
        isOpen = outcome.ok && !closing
        closed = !isOpen
        if closing { shutDown() }
        // A BYE outside LOGOUT (shutdown, idle timeout): the server is gone, nothing more may be sent.
        if !closing, let bye = untagged.first(where: { $0.uppercased().hasPrefix("BYE") }) {
            byeText = bye
            isOpen = false
            closed = true
            shutDown()
        }
        var status = IMAPReply.Status.ok
        var text = ""
        var seconds = wall
        if let last = timeline.sent(Self.describe(command)), let done = timeline.completion(tag: IMAPTimeline.tag(last.event.line), after: last.index) {
            let words = done.line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            status = words.count > 1 ? (IMAPReply.Status(rawValue: words[1].uppercased()) ?? .bad) : .bad
            text = words.count > 2 ? String(words[2]) : ""
            seconds = max(0, done.time - last.event.time)
        } else if !outcome.ok {
            status = .no
            text = "(completion not recorded)"
        }
        if outcome.ok && status != .ok { status = .ok }
        // A NO to the first command after AUTHENTICATE still means the login worked.
        if (verb != "LOGIN" && verb != "AUTHENTICATE") || status == .ok { loggedIn = true }
        return IMAPReply(command: Self.describe(command), status: status, text: text,
                         untagged: untagged, seconds: seconds)
    }

    /// Shuts the connection's socket, so that the LOGOUT libcurl sends when it frees a kept
    /// connection fails at once instead of following the server's BYE.
    func shutDown() {
        if let fd = easy.activeSocket() { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    func absorbConnection(_ timeline: IMAPTimeline) {
        connectPhases = timeline.connectPhases(resolved: easy.seconds(CURLINFO_NAMELOOKUP_TIME_T),
                                               implicitTLS: connection.tls == .implicit)
        greeting = timeline.greeting?.line ?? ""
        tlsSession = timeline.tlsSession
        if connection.tls != .plain { certificate = easy.peerCertificate() }
    }

    func absorbCapabilities(_ timeline: IMAPTimeline, loggedIn: Bool, explicit: [String]) {
        for list in timeline.capabilityLists() {
            capabilities = list.words
            offered.formUnion(list.words)
            capabilitiesComplete = (loggedIn || list.afterLogin) && !list.truncated
        }
        if let words = explicit.lazy.compactMap(IMAPParse.capabilities).last {
            capabilities = words
            offered.formUnion(words)
            capabilitiesComplete = true
        }
    }

    /// The error for a transfer that failed before the command's completion.
    func failure(_ outcome: CurlOutcome, _ timeline: IMAPTimeline, wasOpen: Bool, verb: String) -> CheckError {
        let endpoint = connection.endpoint
        switch outcome.code {
        case CURLE_LOGIN_DENIED:
            if login.mechanism != .login && !offered.contains("AUTH=\(login.mechanism.rawValue)") {
                let others = offered.filter { $0.hasPrefix("AUTH=") }.sorted().joinedText(" ")
                // Only PLAIN has a fallback worth naming (LOGIN); a bearer token has none.
                return CheckError(.critical, "\(login.commandName) not offered by \(endpoint) (\(others.isEmpty ? "no AUTH= capability" : others))",
                                  cause: login.mechanism == .plain ? .init(.mechanismNotOffered, IMAPMechanism.login.rawValue) : nil)
            }
            let reply = timeline.events.last(where: { $0.direction == .received && !IMAPTimeline.tag($0.line).isEmpty })
            let text = reply.map { $0.line.split(separator: " ", maxSplits: 1).last.map(String.init) ?? $0.line } ?? outcome.message
            return loginFailed(text)
        case CURLE_USE_SSL_FAILED where !offered.contains("STARTTLS"):
            return .critical("STARTTLS not offered by \(endpoint)")
        case CURLE_WEIRD_SERVER_REPLY where greeting.uppercased().hasPrefix("* BYE"):
            return .critical("\(endpoint) refused the session: \(greeting.dropFirst(2))")
        case CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_GOT_NOTHING:
            let exchange = timeline.lastExchange(command: verb)
            // Before the greeting curl has sent nothing: no step to name, curl's words say it.
            guard greeting.isEmpty == false || exchange.unanswered != nil else { break }
            return IMAPClosedConnection.error(endpoint: endpoint, unanswered: exchange.unanswered,
                                              completed: exchange.completed ?? lastCompleted, cause: outcome.message)
        case CURLE_OPERATION_TIMEDOUT where !wasOpen && !greeting.isEmpty && !greeting.hasPrefix("* "),
             CURLE_WEIRD_SERVER_REPLY where !wasOpen && !greeting.isEmpty && !greeting.hasPrefix("* "):
            // libcurl waits for a line it understands; garbage only ends with the timeout.
            return .critical("unexpected greeting from \(endpoint) (not IMAP): \(greeting.prefix(80))")
        default:
            break
        }
        return wording.error(for: TransportFailure(outcome, endpoint: endpoint, deadline: deadline,
                                                   pending: timeline.pending(implicitTLS: connection.tls == .implicit),
                                                   serverReply: timeline.events.last(where: { $0.direction == .received })?.line))
    }

    /// True when the server has closed the kept connection (readable, and a peek reads nothing).
    func peerClosed() -> Bool {
        guard let fd = easy.activeSocket() else { return false }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, 0) > 0 else { return false }
        if entry.revents & Int16(POLLHUP | POLLERR) != 0 { return true }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
    }

    /// libcurl skips AUTHENTICATE when the server greets PREAUTH: a login asked for counts only
    /// when the transcript shows it sent and answered OK.
    static func unprovenLogin(_ timeline: IMAPTimeline, command: String = "AUTHENTICATE PLAIN", endpoint: String) -> CheckError? {
        guard let sent = timeline.events.firstIndex(where: { $0.direction == .sent && IMAPTimeline.verb($0.line) == "AUTHENTICATE" }) else {
            let preauth = timeline.greeting?.line.uppercased().hasPrefix("* PREAUTH") ?? false
            return .critical("\(command) was never sent to \(endpoint)\(preauth ? " (it greeted PREAUTH)" : "")")
        }
        let done = timeline.completion(tag: IMAPTimeline.tag(timeline.events[sent].line), after: sent)
        guard let done, done.line.split(separator: " ").dropFirst().first?.uppercased() == "OK" else {
            let reply = done?.line ?? "no reply"
            return CheckError(.critical, "\(command) not accepted by \(endpoint): \(reply)", cause: .init(.loginRefused, reply))
        }
        return nil
    }

    func loginFailed(_ text: String) -> CheckError {
        // `NO [AUTHENTICATIONFAILED] Authentication failed.` reads better without the NO.
        let reason = text.hasPrefix("NO ") || text.hasPrefix("BAD ") ? String(text.split(separator: " ", maxSplits: 1).last ?? "") : text
        return CheckError(.critical, "login failed for \(login.user): \(reason)", cause: .init(.loginRefused, reason))
    }

    static let safeVerbs: Set<String> = [
        "CAPABILITY", "STARTTLS", "NOOP", "LOGOUT", "EXAMINE", "SELECT", "STATUS", "FETCH", "UID", "SEARCH",
        "GETQUOTAROOT", "GETQUOTA", "LIST", "LSUB", "CREATE", "DELETE", "RENAME", "SUBSCRIBE", "UNSUBSCRIBE",
        "APPEND", "STORE", "COPY", "MOVE", "EXPUNGE", "CLOSE", "UNSELECT", "CHECK", "ID", "ENABLE", "IDLE", "NAMESPACE",
    ]

    /// LOGIN arguments and SASL data are credentials: never kept, not even for `-vvv`.
    @Sendable static func redact(_ line: String) -> String {
        let tag = IMAPTimeline.tag(line)
        guard !tag.isEmpty else { return "***" }
        let verb = IMAPTimeline.verb(line)
        if verb == "AUTHENTICATE" {
            let words = line.split(separator: " ")
            return words.count > 3 ? "\(words[0]) \(words[1]) \(words[2]) ***" : line
        }
        return safeVerbs.contains(verb) ? line : "\(tag) \(verb) ***"
    }

    /// The command as a trace may show it (credentials redacted).
    static func describe(_ command: String) -> String { String(redact("A0 " + command).dropFirst(3)) }

    /// The upper-cased verb of a command (`EXAMINE`).
    static func verb(of command: String) -> String { IMAPTimeline.verb("A0 " + command) }

    /// `<`, `>` and `*` lines of one transfer for `-vvv`.
    static func trace(_ events: ArraySlice<Transcript.Event>) -> [String] {
        events.map { event in
            let mark = event.direction == .received ? "<" : (event.direction == .sent ? ">" : "*")
            return "\(mark) [\(NumberFormat.decimal(event.time, fractionDigits: 4))] \(event.line)"
        }
    }
}

/// The untagged lines in what one custom command delivered.
enum IMAPUntagged {
    /// Lines that start with `* `, without the marker.
    static func lines(_ bytes: [UInt8]) -> [String] {
        bytes.split(separator: UInt8(ascii: "\n")).compactMap { raw -> String? in
            var line = raw
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            guard line.count >= 2, line.first == UInt8(ascii: "*"), line.dropFirst().first == UInt8(ascii: " ") else { return nil }
            return String(decoding: line.dropFirst(2), as: UTF8.self)
        }
    }
}

extension String {
    /// `%` as `%25`, for text libcurl URL-decodes.
    func replacingPercent() -> String {
        var out = ""
        for c in self { if c == "%" { out += "%25" } else { out.append(c) } }
        return out
    }
}
