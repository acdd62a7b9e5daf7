import CLibcurl
import CheckKit

/// One POP3 session through libcurl, driven command by command: the maildrop as the server
/// showed it at login (POP3 has no push and no new mail within a session).
///
/// Each command is its own transfer on one kept connection. Multi-line replies (UIDL, TOP)
/// arrive as the transfer's body, undotted by libcurl; single-line ones (USER, PASS, DELE,
/// NOOP) are sent with NOBODY, else libcurl would wait for a `.` line that never comes (as
/// with STAT). The last command closes the connection, so libcurl's QUIT, the only moment a
/// POP3 server removes what DELE marked, is part of that transfer and its reply is checked.
/// Every failure message starts with `POP3: `.
public final class POP3Maildrop {
    let easy: CurlEasy
    /// Where and how to connect (host, port, TLS).
    public let connection: ConnectionOptions
    let login: POP3Login
    let deadline: Deadline
    let wording: any TransportWording
    let log: RunContext?
    /// resolve, connect, tls, banner, capa of the first transfer, and login.
    public private(set) var connectPhases: [PhaseTime<POP3Phase>] = []
    /// Negotiated TLS protocol and cipher, when TLS was used.
    public private(set) var tlsSession: String?
    /// Seconds of the whole session so far.
    public var seconds: Double { Deadline.now() - started }
    let started = Deadline.now()
    private var opened = false
    private var loginSeconds = 0.0
    /// True once the server answered +OK to QUIT (every DELE of the session took effect).
    public private(set) var quitConfirmed = false
    /// True once the connection is gone (after the last command or a refused one).
    public private(set) var closed = false

    /// A reply: `ok` false when the server refused the command with -ERR (libcurl then ends the
    /// session); `body` holds a multi-line reply's lines without the final `.`.
    public struct Reply {
        /// False when the server answered -ERR.
        public let ok: Bool
        /// The status line (`+OK 2 messages`).
        public let line: String
        /// The multi-line body, when there was one.
        public let body: [UInt8]
    }

    /// Prepares the handle; nothing is sent until `open()`. A failure on the wire reads in the
    /// check's `wording`.
    public init(_ connection: ConnectionOptions, login: POP3Login, deadline: Deadline, wording: any TransportWording,
                log: RunContext?) throws(CheckError) {
        easy = try CurlEasy(redact: POP3Session.redact, bodyLimit: 8 << 20)
        self.connection = connection
        self.login = login
        self.deadline = deadline
        self.wording = wording
        self.log = log
        let scheme = connection.tls == .implicit ? "pop3s" : "pop3"
        try easy.set(CURLOPT_URL, "\(scheme)://\(connection.urlHost):\(connection.port)/")
        try connection.apply(to: easy)
        if login.mechanism == .plain || login.mechanism == .oauthbearer {
            try login.applySASL(to: easy)
        } else if login.mechanism == .xoauth2 {
            guard !login.user.contains(where: POP3Session.isControl) else {
                throw .unknown("user name holds a control character, which XOAUTH2 cannot send")
            }
        } else if login.user.contains(where: POP3Session.isControl) || login.password.contains(where: POP3Session.isControl) {
            throw CheckError(.unknown, "user name or password holds a control character, which USER/PASS cannot send",
                             cause: .init(.credentialsUnsendable, POP3Mechanism.plain.rawValue))
        }
    }

    /// Connects and logs in: USER and PASS as commands, or AUTH PLAIN within a NOOP.
    public func open() throws(CheckError) {
        var steps = login.mechanism == .user ? [("USER \(login.user)", "USER"), ("PASS \(login.password)", "PASS")] : [("NOOP", "NOOP")]
        // XOAUTH2 by hand: libcurl 7.88 sends OAUTHBEARER whenever the server offers both.
        if login.mechanism == .xoauth2 { steps = [("AUTH XOAUTH2 \(SASLBearer.xoauth2(user: login.user, token: login.password))", "AUTH")] }
        for (command, verb) in steps {
            let reply = try send(command, verb: verb, multiline: false, last: false)
            guard reply.ok else {
                let reason = POP3Parse.errorText(reply.line)
                throw CheckError(.critical, "POP3: login failed for \(login.user): \(reason)", cause: .init(.loginRefused, reason))
            }
        }
        if loginSeconds > 0 { connectPhases.append(PhaseTime(.login, loginSeconds)) }
        opened = true
    }

    /// Sends one command after `open()`; `last` closes the session with QUIT.
    public func command(_ command: String, multiline: Bool, last: Bool = false) throws(CheckError) -> Reply {
        guard opened, !closed else { throw .unknown("POP3: \(POP3Timeline.verb(command)) outside a session") }
        return try send(command, verb: POP3Timeline.verb(command), multiline: multiline, last: last)
    }

    /// Ends the session with QUIT (a NOOP as the last transfer) unless it has ended already.
    public func quit() throws(CheckError) {
        if opened && !closed { _ = try send("NOOP", verb: "NOOP", multiline: false, last: true) }
    }

    /// One transfer: the command, its reply, and with `last` the QUIT that closes the connection.
    func send(_ command: String, verb: String, multiline: Bool, last: Bool) throws(CheckError) -> Reply {
        try easy.set(CURLOPT_FORBID_REUSE, last ? 1 : 0)
        try easy.set(CURLOPT_NOBODY, multiline ? 0 : 1)
        // libcurl URL-decodes a custom request: a literal % must travel as %25.
        try easy.set(CURLOPT_CUSTOMREQUEST, command.replacingPercent())
        try connection.applyTimeouts(to: easy, deadline: deadline)
        try easy.set(CURLOPT_SERVER_RESPONSE_TIMEOUT, max(1, Int(deadline.remaining.rounded(.up))))
        log?.log(2, "pop3: \(POP3Session.redact(command))")
        let before = easy.transcript.events.count
        let bodyBefore = easy.body.bytes.count
        let outcome = easy.perform()
        let events = easy.transcript.events[min(before, easy.transcript.events.count)...]
        if (log?.verbosity ?? 0) >= 3 { IMAPSession.trace(events).forEach { line in log?.log(3, line) } }
        let timeline = POP3Timeline(events: events)
        if before == 0 {
            connectPhases = timeline.connectPhases(resolved: easy.seconds(CURLINFO_NAMELOOKUP_TIME_T), implicitTLS: connection.tls == .implicit)
            tlsSession = timeline.tlsSession
        }
        loginSeconds += (timeline.exchanges(verb: "AUTH") + timeline.exchanges(verb: "USER") + timeline.exchanges(verb: "PASS")).reduce(0, +)
        let line = timeline.reply(toVerb: verb)?.line ?? ""
        guard outcome.ok else {
            if outcome.code == CURLE_WEIRD_SERVER_REPLY && line.hasPrefix("-ERR") {
                // libcurl closes the connection after a -ERR (with QUIT).
                closed = true
                return Reply(ok: false, line: line, body: [])
            }
            let first = POP3Timeline(events: easy.transcript.events[...])
            let error = POP3Session.failure(outcome, timeline, first: first, connection: connection, login: login, deadline: deadline,
                                            wording: wording, verb: verb)
            closed = true
            throw error.prefixed("POP3: ")
        }
        if last {
            closed = true
            quitConfirmed = timeline.reply(toVerb: "QUIT")?.line.hasPrefix("+OK") ?? false
        }
        let body = easy.body.bytes.count > bodyBefore ? Array(easy.body.bytes[bodyBefore...]) : []
        return Reply(ok: true, line: line, body: body)
    }

    /// The `n uid` lines of a UIDL reply body (RFC 1939 7), in order; junk lines are skipped.
    public static func uidl(_ body: [UInt8]) -> [(number: Int, uid: String)] {
        var out: [(number: Int, uid: String)] = []
        for raw in body.split(whereSeparator: { $0 == 10 || $0 == 13 }) {
            let words = raw.split(separator: UInt8(ascii: " "))
            guard words.count == 2, let number = POP3Parse.number(Substring(String(decoding: words[0], as: UTF8.self))), number > 0,
                  (1...70).contains(words[1].count), words[1].allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else { continue }
            out.append((number, String(decoding: words[1], as: UTF8.self)))
        }
        return out
    }
}
