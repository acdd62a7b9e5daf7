import CLibcurl
import CheckKit

/// What one SMTP conversation showed: per-phase times, the banner, the extensions of the
/// last EHLO, and the server certificate.
public struct SMTPConversation: Sendable {
    /// Seconds per phase: resolve, connect, tls, banner, ehlo, auth, quit; only phases that happened.
    public let phases: [PhaseTime<SMTPPhase>]
    /// Total seconds, QUIT included.
    public let total: Double
    /// The server's first line.
    public let banner: String
    /// EHLO keywords, upper-cased (`PIPELINING`, `SIZE`, `AUTH`, ...), from the last EHLO.
    public let extensions: [String]
    /// Negotiated TLS protocol and cipher (`TLSv1.3 / TLS_AES_256_GCM_SHA384`).
    public let tlsSession: String?
    /// The server certificate's facts, when TLS was used.
    public let certificate: CertificateFacts?
}

/// Speaks SMTP through libcurl: connect, banner, EHLO, optional STARTTLS and AUTH, NOOP, QUIT.
/// libcurl does the protocol; the timeline of its debug callback gives each phase's time.
public enum SMTPSession {
    static let commands: Set<String> = ["EHLO", "HELO", "STARTTLS", "NOOP", "QUIT", "MAIL", "RCPT", "DATA", "RSET", "VRFY", "HELP"]

    /// Runs one conversation with `connection`; throws a CRITICAL or UNKNOWN error that says
    /// which step failed, a failure on the wire in the check's `wording`.
    public static func converse(_ connection: ConnectionOptions, helo: String?, login: SMTPLogin?,
                                deadline: Deadline, wording: any TransportWording, log: RunContext? = nil) throws(CheckError) -> SMTPConversation {
        let easy = try CurlEasy(redact: redact)
        let scheme = try prepare(easy, connection, helo: helo, login: login)
        try easy.set(CURLOPT_CUSTOMREQUEST, "NOOP")
        try connection.applyTimeouts(to: easy, deadline: deadline)
        log?.activity("connecting to \(connection.endpoint)")
        log?.log(2, "smtp: \(scheme)://\(connection.endpoint) tls=\(connection.tls) auth=\(login?.mechanism.rawValue ?? "none") (libcurl \(CurlLibrary.version))")
        let outcome = easy.perform()
        let events = easy.transcript.events
        if log?.verbosity ?? 0 >= 3 { easy.transcript.traceLines().forEach { line in log?.log(3, line) } }
        let timeline = SMTPTimeline(events: events, resolved: easy.seconds(CURLINFO_NAMELOOKUP_TIME_T),
                                    implicitTLS: connection.tls == .implicit)
        guard outcome.ok else {
            throw failure(outcome, timeline, login: login, endpoint: connection.endpoint, deadline: deadline, wording: wording)
        }
        if let login, let problem = SMTPAuthProof.problem(timeline, mechanism: login.mechanism, endpoint: connection.endpoint) {
            throw problem
        }
        return SMTPConversation(
            phases: timeline.phases(),
            // curl's timer starts a little after ours and can stop before QUIT's reply is read;
            // the total never reports less than the conversation the phases were read from.
            total: max(easy.seconds(CURLINFO_TOTAL_TIME_T) ?? deadline.elapsed, events.last?.time ?? 0),
            banner: timeline.banner,
            extensions: timeline.extensions,
            tlsSession: timeline.tlsSession,
            certificate: easy.peerCertificate())
    }

    /// URL (with the EHLO name), TLS and login on a fresh handle; returns the scheme (`smtps`).
    static func prepare(_ easy: CurlEasy, _ connection: ConnectionOptions, helo: String?, login: SMTPLogin?) throws(CheckError) -> String {
        let scheme = connection.tls == .implicit ? "smtps" : "smtp"
        // curl sends the URL path as the EHLO name (its default is this host's name).
        let path = helo.map { "/" + percentEncode($0) } ?? ""
        try easy.set(CURLOPT_URL, "\(scheme)://\(connection.urlHost):\(connection.port)\(path)")
        try connection.apply(to: easy)
        if let login { try login.applySASL(to: easy) }
        return scheme
    }

    /// The error for a failed conversation, naming the step the server refused.
    static func failure(_ outcome: CurlOutcome, _ timeline: SMTPTimeline, login: SMTPLogin?, endpoint: String,
                        deadline: Deadline, wording: any TransportWording) -> CheckError {
        // curl says QUIT when it gives up; the refusal is what came before.
        let quit = timeline.events.firstIndex { $0.direction == .sent && $0.line.uppercased() == "QUIT" } ?? timeline.events.endIndex
        let events = Array(timeline.events[..<quit])
        // libcurl answers "no mechanism in common" with a login failure although no AUTH was sent.
        if outcome.code == CURLE_LOGIN_DENIED, let login, timeline.authReply == nil,
           let problem = SMTPAuthProof.problem(timeline, mechanism: login.mechanism, endpoint: endpoint) {
            return problem
        }
        if let refused = refusal(events, endpoint: endpoint) { return refused }
        return wording.error(for: TransportFailure(outcome, endpoint: endpoint, deadline: deadline, pending: pending(events),
                                                   serverReply: events.last(where: { $0.direction == .received })?.line))
    }

    /// `NOOP refused by HOST:PORT: 554 ...` when the last command before QUIT got a 4xx or 5xx
    /// final reply; AUTH and STARTTLS have messages of their own.
    static func refusal(_ events: [Transcript.Event], endpoint: String) -> CheckError? {
        guard let sent = events.lastIndex(where: { $0.direction == .sent }),
              let verb = events[sent].line.split(separator: " ").first.map({ $0.uppercased() }),
              ["EHLO", "HELO", "NOOP"].contains(verb),
              let reply = events[(sent + 1)...].first(where: { $0.direction == .received && SMTPSubmitter.isFinal($0.line) })?.line,
              reply.hasPrefix("4") || reply.hasPrefix("5") else { return nil }
        return .critical("\(verb) refused by \(endpoint): \(reply)")
    }

    /// What the server still owed us when the transfer stopped, for a timeout message.
    static func pending(_ events: [Transcript.Event]) -> String? {
        guard let last = events.last(where: { $0.direction != .info }) else {
            return events.contains(where: { $0.line.hasPrefix("Connected to") }) ? "waiting for the banner" : "connecting"
        }
        if last.direction == .sent {
            let verb = last.line.split(separator: " ").first.map(String.init) ?? last.line
            return "waiting for the reply to \(commands.contains(verb.uppercased()) ? verb.uppercased() : "AUTH")"
        }
        return "after \(last.line.prefix(40))"
    }

    /// AUTH data is credentials in base64: never kept, not even for `-vvv`.
    @Sendable static func redact(_ line: String) -> String {
        let verb = line.split(separator: " ").first.map { $0.uppercased() } ?? ""
        if verb == "AUTH" {
            let words = line.split(separator: " ")
            return words.count > 2 ? "\(words[0]) \(words[1]) ***" : line
        }
        return commands.contains(verb) ? line : "***"
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-" || c == "_") {
                out.append(c)
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}
