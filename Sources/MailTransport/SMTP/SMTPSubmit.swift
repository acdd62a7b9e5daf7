import CLibcurl
import CheckKit

/// What submitting one message showed: when the server took responsibility for it, its
/// reply, and how long each step took.
public struct SMTPSubmission: Sendable {
    /// resolve, connect, tls, banner, ehlo, auth, then `transaction` (MAIL FROM to the final
    /// reply after the message): each phase's own seconds, only phases that happened.
    public let phases: [PhaseTime<SMTPPhase>]
    /// Monotonic time (`Deadline.now()`) the final reply after the message arrived.
    public let acceptedAt: Double
    /// Seconds from the start of the transfer to that reply.
    public let seconds: Double
    /// The final reply (`250 2.0.0 Ok: queued as 4XyZ1`).
    public let reply: String
    /// The queue ID the reply names, when it names one (Postfix, Exim, Sendmail forms).
    public let queueID: String?
    /// Negotiated TLS protocol and cipher, when TLS was used.
    public let tlsSession: String?
    /// The server certificate's facts, when TLS was used.
    public let certificate: CertificateFacts?
}

/// Sends one message through libcurl (MAIL FROM, RCPT TO, DATA) and keeps the connection
/// open afterwards: QUIT goes out only when `close()` is called (or the submitter goes away),
/// so the caller can start watching for the message the moment the server accepted it.
/// Not Sendable.
public final class SMTPSubmitter {
    let connection: ConnectionOptions
    /// nil once closed: freeing the handle is what makes curl say QUIT on the kept connection.
    var handle: CurlEasy?
    let source: MessageSource
    let login: SMTPLogin?
    let deadline: Deadline
    let wording: any TransportWording
    let log: RunContext?

    /// Prepares the handle for sending `message` (CRLF lines) from `sender` to `recipient`; a
    /// failure on the wire will read in the check's `wording`.
    public init(_ connection: ConnectionOptions, helo: String?, login: SMTPLogin?, sender: String, recipient: String,
                message: [UInt8], deadline: Deadline, wording: any TransportWording, log: RunContext? = nil) throws(CheckError) {
        self.connection = connection
        self.login = login
        self.deadline = deadline
        self.wording = wording
        self.log = log
        let easy = try CurlEasy(redact: SMTPSession.redact)
        handle = easy
        source = MessageSource(message)
        if let login {
            // libcurl skips AUTH silently when EHLO offers none; the message must then never go
            // out unauthenticated: the first read of the body (after DATA's 354) aborts it.
            let transcript = easy.transcript
            let implicitTLS = connection.tls == .implicit
            let endpoint = connection.endpoint
            source.refusal = {
                SMTPAuthProof.problem(SMTPTimeline(events: transcript.events, resolved: nil, implicitTLS: implicitTLS),
                                      mechanism: login.mechanism, endpoint: endpoint)
            }
        }
        _ = try SMTPSession.prepare(easy, connection, helo: helo, login: login)
        try easy.set(CURLOPT_MAIL_FROM, "<\(sender)>")
        try easy.set(CURLOPT_MAIL_RCPT, list: ["<\(recipient)>"])
        try easy.set(CURLOPT_UPLOAD, 1)
        try easy.setUpload(source)
        // Keep the connection: without this curl sends QUIT and waits for its reply before
        // perform returns, which would delay the first look into the mailbox.
        try easy.set(CURLOPT_FORBID_REUSE, 0)
    }

    deinit { close() }

    /// Submits the message; throws CRITICAL naming the step the server refused.
    public func submit() throws(CheckError) -> SMTPSubmission {
        guard let easy = handle else { throw .unknown("SMTP: the submission handle is already closed") }
        try connection.applyTimeouts(to: easy, deadline: deadline)
        log?.activity("submitting the probe to \(connection.endpoint)")
        log?.log(2, "smtp: \(connection.tls == .implicit ? "smtps" : "smtp")://\(connection.endpoint) tls=\(connection.tls) auth=\(login?.mechanism.rawValue ?? "none") (libcurl \(CurlLibrary.version))")
        let outcome = easy.perform()
        let events = easy.transcript.events
        if (log?.verbosity ?? 0) >= 3 { easy.transcript.traceLines().forEach { line in log?.log(3, "smtp " + line) } }
        guard outcome.ok else {
            close()
            throw failure(outcome, events)
        }
        let timeline = SMTPTimeline(events: events, resolved: easy.seconds(CURLINFO_NAMELOOKUP_TIME_T),
                                    implicitTLS: connection.tls == .implicit)
        guard let accepted = Self.finalReply(events) else {
            throw .unknown("SMTP: \(connection.endpoint) accepted the message but its reply was not recorded")
        }
        var phases = timeline.phases()
        if let mail = events.first(where: { $0.direction == .sent && $0.line.uppercased().hasPrefix("MAIL FROM") }) {
            phases.append(PhaseTime(.transaction, max(0, accepted.time - mail.time)))
        }
        if let login, let problem = SMTPAuthProof.problem(timeline, mechanism: login.mechanism, endpoint: connection.endpoint) {
            close()
            throw problem.prefixed("SMTP: ")
        }
        return SMTPSubmission(
            phases: phases, acceptedAt: easy.transcript.start + accepted.time, seconds: accepted.time,
            reply: accepted.line, queueID: Self.queueID(accepted.line),
            tlsSession: timeline.tlsSession,
            certificate: connection.tls == .plain ? nil : easy.peerCertificate())
    }

    /// Says QUIT and closes, waiting for the reply at most the time left (1-5 s: curl counts whole seconds here).
    public func close() {
        guard let easy = handle else { return }
        do {
            try easy.set(CURLOPT_SERVER_RESPONSE_TIMEOUT, max(1, min(5, Int(deadline.remaining.rounded(.up)))))
        } catch {
            // The message is already accepted: a QUIT waiting on curl's default is no finding, but -vv shows it.
            log?.log(2, "smtp: \(error.message)")
        }
        handle = nil
    }

    /// The final reply after the message body: the first complete reply after DATA's 354.
    static func finalReply(_ events: [Transcript.Event]) -> Transcript.Event? {
        guard let data = events.lastIndex(where: { $0.direction == .sent && $0.line.uppercased() == "DATA" }) else { return nil }
        var sawGoAhead = false
        for event in events[(data + 1)...] where event.direction == .received && isFinal(event.line) {
            if !sawGoAhead && event.line.hasPrefix("354") { sawGoAhead = true; continue }
            if sawGoAhead { return event }
        }
        return nil
    }

    /// `queued as ID` (Postfix), `id=ID` (Exim), or the ID Sendmail puts first.
    static func queueID(_ reply: String) -> String? {
        let words = reply.split(separator: " ").map(String.init)
        if let i = words.firstIndex(where: { $0.lowercased() == "as" }), i > 0, words[i - 1].lowercased() == "queued", i + 1 < words.count {
            return clean(words[i + 1])
        }
        if let word = words.first(where: { $0.lowercased().hasPrefix("id=") }) { return clean(String(word.dropFirst(3))) }
        if words.count > 2, words[1].hasPrefix("2."), words.dropFirst(3).first?.lowercased() == "message" { return clean(words[2]) }
        return nil
    }

    static func clean(_ word: String) -> String? {
        let id = String(word.prefix(while: { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }))
        return id.isEmpty ? nil : String(id.prefix(64))
    }

    /// `<a@b>` of `MAIL FROM:<a@b> SIZE=123`.
    static func address(_ line: String) -> String {
        guard let open = line.firstIndex(of: "<"), let close = line[open...].firstIndex(of: ">") else { return line }
        return String(line[open...close])
    }

    static func isFinal(_ line: String) -> Bool {
        let bytes = Array(line.utf8)
        return bytes.count >= 3 && (bytes.count == 3 || bytes[3] == UInt8(ascii: " "))
            && bytes[0...2].allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    /// Which step the server refused, from the last command sent, with its reply.
    func failure(_ outcome: CurlOutcome, _ all: [Transcript.Event]) -> CheckError {
        let endpoint = connection.endpoint
        // curl says QUIT when it gives up; the refusal is what came before.
        let quit = all.firstIndex { $0.direction == .sent && $0.line.uppercased() == "QUIT" } ?? all.endIndex
        let events = Array(all[..<quit])
        let reply = events.last(where: { $0.direction == .received })?.line
        if let problem = source.refused {
            return problem.prefixed("SMTP: ")
        }
        // A refused sender or recipient after an AUTH that never happened, or libcurl's "no
        // mechanism in common" (a login failure although no AUTH was sent): the login is the cause.
        let timeline = SMTPTimeline(events: all, resolved: nil, implicitTLS: connection.tls == .implicit)
        let pastLogin = all.contains { $0.direction == .sent && $0.line.uppercased().hasPrefix("MAIL FROM") }
        if let login, pastLogin || (outcome.code == CURLE_LOGIN_DENIED && timeline.authReply == nil),
           let problem = SMTPAuthProof.problem(timeline, mechanism: login.mechanism, endpoint: endpoint) {
            return problem.prefixed("SMTP: ")
        }
        if outcome.code == CURLE_LOGIN_DENIED, let login {
            return CheckError(.critical, "SMTP: AUTH \(login.mechanism.rawValue) failed for \(login.user) at \(endpoint)\(reply.map { ": \($0)" } ?? "")",
                              cause: .init(.loginRefused, reply ?? outcome.message))
        }
        if let last = events.last(where: { $0.direction == .sent }), let reply,
           let lastReply = events.lastIndex(where: { $0.direction == .received }),
           let lastSent = events.lastIndex(where: { $0.direction == .sent }), lastReply > lastSent {
            let verb = last.line.uppercased()
            let goAhead = events[lastSent...].contains { $0.direction == .received && $0.line.hasPrefix("354") }
            let step: String?
            if verb.hasPrefix("MAIL FROM") { step = "sender \(Self.address(last.line))" }
            else if verb.hasPrefix("RCPT TO") { step = "recipient \(Self.address(last.line))" }
            else if verb == "DATA" { step = goAhead ? "the message" : "DATA" }
            else { step = nil }
            if let step, !reply.hasPrefix("2"), !reply.hasPrefix("3") {
                return .critical("SMTP: \(endpoint) refused \(step): \(reply)")
            }
        }
        if let refused = SMTPSession.refusal(events, endpoint: endpoint) {
            return refused.prefixed("SMTP: ")
        }
        let error = wording.error(for: TransportFailure(outcome, endpoint: endpoint, deadline: deadline,
                                                        pending: SMTPSession.pending(events), serverReply: reply))
        return error.prefixed("SMTP: ")
    }
}

/// The message curl reads while uploading, in the pieces it asks for.
final class MessageSource: CurlUploadSource {
    let bytes: [UInt8]
    var offset = 0
    /// Asked before the first byte goes out: a non-nil error aborts the upload, so the server
    /// drops the unfinished message.
    var refusal: (() -> CheckError?)?
    /// The error that aborted the upload.
    private(set) var refused: CheckError?
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        if offset == 0, let refusal, let problem = refusal() {
            refused = problem
            return CurlEasy.abortUpload
        }
        let count = min(buffer.count, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            guard let from = source.baseAddress, let to = buffer.baseAddress else { return }
            to.copyMemory(from: from + offset, byteCount: count)
        }
        offset += count
        return count
    }
}
