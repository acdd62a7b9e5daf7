import CLibcurl
import CheckKit


/// What one POP3 session showed: per-phase times, the maildrop, the server certificate.
public struct POP3Conversation: Sendable {
    /// Seconds per phase: resolve, connect, tls, banner, capa, login, stat, quit; only phases that happened.
    public let phases: [PhaseTime<POP3Phase>]
    /// Total seconds, QUIT included.
    public let total: Double
    /// The server's first line.
    public let banner: String
    /// CAPA lines (`STLS`, `SASL PLAIN LOGIN`, `USER`), upper-cased.
    public let capabilities: [String]
    /// Messages in the maildrop (STAT).
    public let messages: Int
    /// Maildrop size in octets.
    public let octets: Int
    /// Negotiated TLS protocol and cipher, when TLS was used.
    public let tlsSession: String?
    /// The server certificate's facts, when TLS was used.
    public let certificate: CertificateFacts?
}

/// Speaks POP3 through libcurl: connect, CAPA, optional STLS or implicit TLS, login, STAT, QUIT.
/// libcurl does the protocol; USER/PASS go as commands (libcurl prefers SASL whenever the
/// server offers it) on one kept connection, each its own transfer; STAT is the last transfer
/// and closes the connection, so libcurl's QUIT is timed within it.
public enum POP3Session {
    static let commands: Set<String> = ["CAPA", "STLS", "USER", "STAT", "LIST", "UIDL", "RETR", "TOP", "DELE", "NOOP", "RSET", "QUIT"]

    /// Runs one session; throws a CRITICAL or UNKNOWN error that says which step failed, a
    /// failure on the wire in the check's `wording`.
    public static func converse(_ connection: ConnectionOptions, login: POP3Login, deadline: Deadline,
                                wording: any TransportWording, log: RunContext? = nil) throws(CheckError) -> POP3Conversation {
        let easy = try CurlEasy(redact: redact)
        let scheme = connection.tls == .implicit ? "pop3s" : "pop3"
        try easy.set(CURLOPT_URL, "\(scheme)://\(connection.urlHost):\(connection.port)/")
        try connection.apply(to: easy)
        // STAT, USER and PASS answer on one line: without NOBODY libcurl would wait for a "." line.
        try easy.set(CURLOPT_NOBODY, 1)
        log?.log(2, "pop3: \(scheme)://\(connection.endpoint) tls=\(connection.tls) login=\(login.commandName) (libcurl \(CurlLibrary.version))")
        var steps: [(command: String, verb: String)] = [("STAT", "STAT")]
        if login.mechanism == .plain || login.mechanism == .oauthbearer {
            try login.applySASL(to: easy)
        } else if login.mechanism == .xoauth2 {
            // By hand: libcurl 7.88 sends OAUTHBEARER whenever the server offers both (curl issue 10259).
            guard !login.user.contains(where: isControl) else {
                throw .unknown("user name holds a control character, which XOAUTH2 cannot send")
            }
            steps = [("AUTH XOAUTH2 \(SASLBearer.xoauth2(user: login.user, token: login.password))", "AUTH")] + steps
        } else {
            guard !login.user.contains(where: isControl), !login.password.contains(where: isControl) else {
                throw CheckError(.unknown, "user name or password holds a control character, which USER/PASS cannot send",
                                 cause: .init(.credentialsUnsendable, POP3Mechanism.plain.rawValue))
            }
            steps = [("USER \(login.user)", "USER"), ("PASS \(login.password)", "PASS")] + steps
        }
        let started = Deadline.now()
        var phases: [PhaseTime<POP3Phase>] = []
        var loginSeconds = 0.0
        var first: POP3Timeline? = nil
        var statReply = ""
        var certificate: CertificateFacts? = nil
        for (index, step) in steps.enumerated() {
            let last = index == steps.count - 1
            // The last transfer may close the connection (libcurl sends QUIT); the others keep it.
            try easy.set(CURLOPT_FORBID_REUSE, last ? 1 : 0)
            // libcurl URL-decodes a custom request: a literal % must travel as %25.
            try easy.set(CURLOPT_CUSTOMREQUEST, step.command.replacingPercent())
            try connection.applyTimeouts(to: easy, deadline: deadline)
            try easy.set(CURLOPT_SERVER_RESPONSE_TIMEOUT, max(1, Int(deadline.remaining.rounded(.up))))
            log?.activity(first == nil ? "connecting to \(connection.endpoint)" : "waiting for the reply to \(step.verb)")
            log?.log(2, "pop3: \(redact(step.command))")
            let before = easy.transcript.events.count
            let outcome = easy.perform()
            let events = easy.transcript.events[min(before, easy.transcript.events.count)...]
            if (log?.verbosity ?? 0) >= 3 { IMAPSession.trace(events).forEach { line in log?.log(3, line) } }
            let timeline = POP3Timeline(events: events)
            if first == nil {
                first = timeline
                phases = timeline.connectPhases(resolved: easy.seconds(CURLINFO_NAMELOOKUP_TIME_T), implicitTLS: connection.tls == .implicit)
                // Certificate info belongs to the transfer that did the handshake.
                if connection.tls != .plain { certificate = easy.peerCertificate() }
            }
            guard outcome.ok else {
                throw failure(outcome, timeline, first: first ?? timeline, connection: connection, login: login,
                              deadline: deadline, wording: wording, verb: step.verb)
            }
            loginSeconds += (timeline.exchanges(verb: "AUTH") + timeline.exchanges(verb: "USER") + timeline.exchanges(verb: "PASS")).reduce(0, +)
            if last {
                if loginSeconds > 0 { phases.append(PhaseTime(.login, loginSeconds)) }
                if let stat = timeline.exchanges(verb: "STAT").first { phases.append(PhaseTime(.stat, stat)) }
                if let quit = timeline.exchanges(verb: "QUIT").first { phases.append(PhaseTime(.quit, quit)) }
                statReply = timeline.reply(toVerb: "STAT")?.line ?? ""
            }
        }
        let total = Deadline.now() - started
        guard let stat = POP3Parse.stat(statReply) else {
            throw .critical("unexpected STAT reply from \(connection.endpoint): \(statReply.isEmpty ? "(none)" : String(statReply.prefix(80)))")
        }
        let opening = first ?? POP3Timeline(events: [])
        return POP3Conversation(
            phases: phases, total: total, banner: opening.greeting?.line ?? "",
            capabilities: opening.capabilities, messages: stat.messages, octets: stat.octets,
            tlsSession: opening.tlsSession,
            certificate: certificate)
    }

    /// The error for a failed transfer, naming the step.
    static func failure(_ outcome: CurlOutcome, _ timeline: POP3Timeline, first: POP3Timeline, connection: ConnectionOptions,
                        login: POP3Login, deadline: Deadline, wording: any TransportWording, verb: String) -> CheckError {
        let endpoint = connection.endpoint
        let greeting = first.greeting?.line ?? ""
        let lastReply = timeline.events.last(where: { $0.direction == .received })?.line
        // libcurl QUITs after a -ERR, so the last line is often its "+OK Logging out".
        let stepReply = timeline.reply(toVerb: verb)?.line ?? ""
        let capabilities = first.capabilities
        switch outcome.code {
        case CURLE_LOGIN_DENIED:
            let mechanism = login.mechanism.rawValue
            if !capabilities.contains(where: { $0.hasPrefix("SASL ") && $0.split(separator: " ").contains(Substring(mechanism)) }) {
                let sasl = capabilities.first { $0.hasPrefix("SASL ") }
                let user = capabilities.contains("USER")
                let other = !user && first.tlsEvent == nil ? "; before STLS?" : ""
                return CheckError(.critical, "AUTH \(mechanism) not offered by \(endpoint) (\(sasl ?? "no SASL")\(other))",
                                  cause: user ? .init(.mechanismNotOffered, POP3Mechanism.user.rawValue) : nil)
            }
            let authReply = timeline.reply(toVerb: "AUTH")?.line
            let reason = (authReply ?? lastReply).map(POP3Parse.errorText) ?? outcome.message
            return CheckError(.critical, "login failed for \(login.user): \(reason)", cause: .init(.loginRefused, reason))
        case CURLE_USE_SSL_FAILED where !capabilities.contains("STLS"):
            return .critical("STLS not offered by \(endpoint)")
        case CURLE_WEIRD_SERVER_REPLY where greeting.hasPrefix("-ERR"):
            return .critical("\(endpoint) refused the session: \(greeting)")
        case CURLE_WEIRD_SERVER_REPLY where verb == "USER" && stepReply.hasPrefix("-ERR") && !capabilities.isEmpty && !capabilities.contains("USER"):
            // The CAPA list said so before we asked (Dovecot offers USER only after STLS by default).
            let plain = capabilities.contains { $0.hasPrefix("SASL ") && $0.split(separator: " ").contains("PLAIN") }
            let hint = !plain && first.tlsEvent == nil ? "; before STLS?" : ""
            return CheckError(.critical, "USER/PASS not offered by \(endpoint) (no USER capability\(hint)): \(POP3Parse.errorText(stepReply))",
                              cause: plain ? .init(.mechanismNotOffered, POP3Mechanism.plain.rawValue) : nil)
        case CURLE_WEIRD_SERVER_REPLY where (verb == "USER" || verb == "PASS" || verb == "AUTH") && stepReply.hasPrefix("-ERR"):
            let reason = POP3Parse.errorText(stepReply)
            return CheckError(.critical, "login failed for \(login.user): \(reason)", cause: .init(.loginRefused, reason))
        case CURLE_WEIRD_SERVER_REPLY where stepReply.hasPrefix("-ERR"):
            return .critical("\(verb) failed: \(stepReply)")
        case CURLE_OPERATION_TIMEDOUT where !greeting.isEmpty && !greeting.hasPrefix("+OK"):
            // libcurl waits for a line it understands; garbage only ends with the timeout.
            return .critical("unexpected greeting from \(endpoint) (not POP3): \(greeting.prefix(80))")
        default:
            return wording.error(for: TransportFailure(outcome, endpoint: endpoint, deadline: deadline,
                                                       pending: timeline.pending(implicitTLS: connection.tls == .implicit),
                                                       serverReply: lastReply))
        }
    }

    static func isControl(_ c: Character) -> Bool { c.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f } }

    /// PASS arguments and SASL data are credentials: never kept, not even for `-vvv`.
    @Sendable static func redact(_ line: String) -> String {
        let verb = POP3Timeline.verb(line)
        switch verb {
        case "PASS", "APOP": return "\(verb) ***"
        case "AUTH":
            let words = line.split(separator: " ")
            return words.count > 2 ? "\(words[0]) \(words[1]) ***" : line
        default: return commands.contains(verb) ? line : "***"
        }
    }
}
