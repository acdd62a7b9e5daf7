#if canImport(Glibc)
import Glibc
#endif
import CLibcurl
import CheckKit

/// A logged-in IMAP connection spoken raw, for what libcurl's custom requests cannot do:
/// IDLE (curl never sends DONE) and commands that may answer NO without losing the
/// connection. libcurl connects with CURLOPT_CONNECT_ONLY and does greeting, STARTTLS or TLS,
/// CAPABILITY and AUTHENTICATE PLAIN in its connect phase; the commands after that go
/// through curl_easy_send/curl_easy_recv, waiting with poll() on curl's socket, every wait
/// bounded by the deadline. Not Sendable: it belongs to the task that made it.
public final class IMAPWatchConnection {
    /// Where and how to connect (host, port, TLS).
    public let connection: ConnectionOptions
    /// Who logs in, and with which mechanism.
    public let login: IMAPLogin
    let deadline: Deadline
    let wording: any TransportWording
    let log: RunContext?
    let easy: CurlEasy
    var socket: Int32 = -1
    var buffer = IMAPWireBuffer()
    var tags = 0
    var open = false
    /// resolve, connect, tls, banner, capability, login: each phase's own seconds.
    public internal(set) var connectPhases: [PhaseTime<IMAPPhase>] = []
    /// The greeting line (`* OK [CAPABILITY ...] Dovecot ready.`).
    public private(set) var greeting = ""
    /// Capabilities after login, upper-cased.
    public internal(set) var capabilities: Set<String> = []
    /// Negotiated TLS protocol and cipher, when TLS was used.
    public private(set) var tlsSession: String?
    /// The server certificate's facts, when TLS was used.
    public private(set) var certificate: CertificateFacts?

    /// Connects and logs in; throws CRITICAL naming what failed (connect, TLS, login), a failure
    /// on the wire in the check's `wording`.
    public init(_ connection: ConnectionOptions, login: IMAPLogin, deadline: Deadline, wording: any TransportWording,
                log: RunContext? = nil) throws(CheckError) {
        self.connection = connection
        self.login = login
        self.deadline = deadline
        self.wording = wording
        self.log = log
        // Without credentials (LOGIN) curl stops after CAPABILITY (and STARTTLS): LOGIN is ours to send.
        easy = try login.handle(on: connection)
        try easy.set(CURLOPT_CONNECT_ONLY, 1)
        let scheme = connection.tls == .implicit ? "imaps" : "imap"
        try connection.applyTimeouts(to: easy, deadline: deadline)
        log?.activity("connecting to IMAP \(connection.endpoint)")
        log?.log(2, "imap: \(scheme)://\(connection.endpoint) tls=\(connection.tls) login=\(login.commandName) (libcurl \(CurlLibrary.version))")
        let outcome = easy.perform()
        let timeline = IMAPTimeline(events: easy.transcript.events[...])
        if (log?.verbosity ?? 0) >= 3 { easy.transcript.traceLines().forEach { line in log?.log(3, "imap " + line) } }
        greeting = timeline.greeting?.line ?? ""
        var offered = Set<String>()
        for list in timeline.capabilityLists() {
            offered.formUnion(list.words)
            if list.afterLogin && !list.truncated { capabilities = Set(list.words) }
        }
        guard outcome.ok else {
            throw Self.failure(outcome, timeline, offered: offered, connection: connection, login: login, deadline: deadline, wording: wording)
        }
        open = true
        lastCompleted = timeline.lastExchange().completed
        socket = easy.activeSocket() ?? -1
        connectPhases = timeline.connectPhases(resolved: easy.seconds(CURLINFO_NAMELOOKUP_TIME_T), implicitTLS: connection.tls == .implicit)
        tlsSession = timeline.tlsSession
        if connection.tls != .plain { certificate = easy.peerCertificate() }
        if login.mechanism == .login { try sendLogin(offered: offered) }
        if login.mechanism == .xoauth2 { try sendXOAUTH2(offered: offered) }
        if capabilities.isEmpty {
            let reply = try command("CAPABILITY")
            if let words = reply.untagged.lazy.compactMap({ IMAPParse.capabilities($0.text) }).last { capabilities = Set(words) }
        }
    }

    deinit { close() }

    /// LOGIN as a command of our own, timed as the `login` phase.
    func sendLogin(offered: Set<String>) throws(CheckError) {
        guard let user = IMAPSyntax.quoted(login.user), let password = IMAPSyntax.quoted(login.password) else {
            throw CheckError(.unknown, "IMAP: user name or password holds a control character, which LOGIN cannot send",
                             cause: .init(.credentialsUnsendable, IMAPMechanism.plain.rawValue))
        }
        let reply = try command("LOGIN \(user) \(password)")
        guard reply.status == .ok else {
            if offered.contains("LOGINDISABLED") {
                throw .critical("IMAP: LOGIN is disabled by \(connection.endpoint) (LOGINDISABLED): \(reply.completion)")
            }
            throw CheckError(.critical, "IMAP: login failed for \(login.user): \(reply.text)", cause: .init(.loginRefused, reply.text))
        }
        connectPhases.append(PhaseTime(.login, reply.seconds))
        // Dovecot sends the new list untagged before the OK, others in the OK's response code.
        if let words = (reply.untagged.map(\.text) + [reply.text]).lazy.compactMap(IMAPParse.capabilities).last {
            capabilities = Set(words)
        }
    }

    /// Sends `text` with a fresh tag and reads up to its completion. A NO or BAD is returned;
    /// a broken connection or the deadline throws.
    public func command(_ text: String) throws(CheckError) -> IMAPWireReply {
        let tag = try send(text)
        awaiting = IMAPClosedConnection.name(Substring(IMAPSession.describe(text)))
        defer { awaiting = nil }
        let sentAt = Deadline.now()
        let verb = Self.verb(text)
        setActivity("waiting for the reply to \(verb) from IMAP \(connection.endpoint)")
        var untagged: [IMAPWireLine] = []
        while true {
            let line = try readRequired(pending: "waiting for the reply to \(verb)")
            if line.text.hasPrefix("* ") {
                // A server that floods untagged lines cannot grow this without end; the deadline ends the wait.
                if untagged.count < 10_000 {
                    untagged.append(IMAPWireLine(text: String(line.text.dropFirst(2)), literals: line.literals, receivedAt: line.receivedAt))
                }
            } else if line.text.hasPrefix(tag + " ") {
                let words = line.text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
                let status = words.count > 1 ? (IMAPReply.Status(rawValue: words[1].uppercased()) ?? .bad) : .bad
                lastCompleted = awaiting
                return IMAPWireReply(command: IMAPSession.describe(text), status: status,
                                     text: words.count > 2 ? String(words[2]) : "", untagged: untagged,
                                     sentAt: sentAt, completedAt: line.receivedAt)
            }
        }
    }

    /// `UID SEARCH` or `SELECT`: the verb a message names (UID commands have two words).
    static func verb(_ command: String) -> String {
        let words = command.split(separator: " ", maxSplits: 2).map { $0.uppercased() }
        guard let first = words.first else { return "" }
        return first == "UID" && words.count > 1 ? "UID \(words[1])" : first
    }

    /// Tells the watchdog what the run waits for; only when it changed (each call costs a buffer).
    func setActivity(_ text: String) {
        guard text != activity else { return }
        activity = text
        log?.activity(text)
    }
    var activity = ""

    /// Starts IDLE; false when the server refused it (the connection stays usable).
    public func startIdle() throws(CheckError) -> Bool {
        let tag = try send("IDLE")
        idleTag = tag
        earlyIdleLines = []
        while true {
            let line = try readRequired(pending: "waiting for IDLE to start")
            if line.text.hasPrefix("+") { return true }
            if line.text.hasPrefix(tag + " ") { idleTag = nil; return false }
            // A server may announce new mail before its go-ahead (`* 4 EXISTS`, then `+ idling`):
            // kept for idleWait, or the wait would sleep through news it already has.
            if line.text.hasPrefix("* "), earlyIdleLines.count < 1000 {
                earlyIdleLines.append(IMAPWireLine(text: String(line.text.dropFirst(2)), literals: line.literals, receivedAt: line.receivedAt))
            }
        }
    }
    var idleTag: String?
    var earlyIdleLines: [IMAPWireLine] = []

    /// While idling: the untagged lines that arrive before `until`, returning early after one
    /// that `stop` accepts (say `n EXISTS`).
    public func idleWait(until: Double, stop: (String) -> Bool) throws(CheckError) -> [IMAPWireLine] {
        var lines = earlyIdleLines
        earlyIdleLines = []
        if lines.contains(where: { stop($0.text) }) { return lines }
        let end = min(until, Deadline.now() + deadline.remaining)
        setActivity("idling on IMAP \(connection.endpoint)")
        while let line = try readLine(until: end, pending: nil) {
            guard line.text.hasPrefix("* ") else { continue }
            let text = String(line.text.dropFirst(2))
            lines.append(IMAPWireLine(text: text, literals: line.literals, receivedAt: line.receivedAt))
            if stop(text) { break }
        }
        return lines
    }

    /// Ends IDLE with DONE and reads its completion, with whatever the server reported on the way.
    public func stopIdle() throws(CheckError) -> IMAPWireReply {
        guard let tag = idleTag else { return IMAPWireReply(command: "IDLE", status: .ok, text: "", untagged: [], sentAt: Deadline.now(), completedAt: Deadline.now()) }
        idleTag = nil
        try write("DONE\r\n", shown: "DONE")
        let sentAt = Deadline.now()
        var untagged: [IMAPWireLine] = []
        while true {
            let line = try readRequired(pending: "waiting for IDLE to end")
            if line.text.hasPrefix("* ") {
                untagged.append(IMAPWireLine(text: String(line.text.dropFirst(2)), literals: line.literals, receivedAt: line.receivedAt))
            } else if line.text.hasPrefix(tag + " ") {
                let words = line.text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
                let status = words.count > 1 ? (IMAPReply.Status(rawValue: words[1].uppercased()) ?? .bad) : .bad
                return IMAPWireReply(command: "IDLE", status: status, text: words.count > 2 ? String(words[2]) : "",
                                     untagged: untagged, sentAt: sentAt, completedAt: line.receivedAt)
            }
        }
    }

    /// LOGOUT when there is time for it, then closes. Never throws: the measurement is done by then.
    public func logout() {
        // After the server's BYE nothing more is sent, not even LOGOUT.
        guard open, byeText == nil else { close(); return }
        if deadline.remaining > 0.05 {
            // The measurement is done by now: a failed LOGOUT changes no state, but -vv shows it.
            do { _ = try command("LOGOUT") } catch { log?.log(2, "imap: LOGOUT failed: \(error.message)") }
        }
        close()
    }

    /// Closes without a word. curl would send its own LOGOUT on cleanup and wait for the reply;
    /// shutting the socket first makes that fail at once.
    public func close() {
        if socket >= 0 { shutdown(socket, Int32(SHUT_RDWR)) }
        socket = -1
        open = false
    }

    /// Writes a tagged command; returns the tag.
    func send(_ text: String) throws(CheckError) -> String {
        tags += 1
        let tag = "W\(tags)"
        try write("\(tag) \(text)\r\n", shown: "\(tag) \(IMAPSession.describe(text))")
        return tag
    }

    func write(_ text: String, shown: String) throws(CheckError) {
        guard open else { throw .unknown("IMAP connection to \(connection.endpoint) already closed") }
        if let byeText {
            close()
            throw .critical("IMAP: \(connection.endpoint) closed the connection: \(byeText)")
        }
        if (log?.verbosity ?? 0) >= 3 {
            log?.log(3, "imap > [\(NumberFormat.decimal(deadline.elapsed, fractionDigits: 4))] \(shown)")
        } else {
            log?.log(2, "imap: \(shown)")
        }
        let bytes = Array(text.utf8)
        var offset = 0
        let end = Deadline.now() + deadline.remaining
        while offset < bytes.count {
            let result = bytes.withUnsafeBytes { raw in easy.send(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
            if case .done(let sent) = result { offset += sent; continue }
            if case .failed(let code) = result { throw broken(.failed(code)) }
            guard IMAPWireSocket.wait(socket, events: Int16(POLLOUT), until: end) else {
                throw broken(.timedOut, pending: "sending \(shown.split(separator: " ").dropFirst().first ?? "")")
            }
        }
    }

    /// The next line of a reply the server owes: the deadline's end is an error.
    func readRequired(pending: String) throws(CheckError) -> IMAPWireLine {
        guard let line = try readLine(until: Deadline.now() + deadline.remaining, pending: pending) else {
            throw broken(.timedOut, pending: pending)
        }
        return line
    }

    /// The next line, waiting until `until`; nil when that time came first (only when `pending`
    /// is nil: with a pending reply the wait is the deadline's and its end is an error).
    func readLine(until: Double, pending: String?) throws(CheckError) -> IMAPWireLine? {
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            // Checked here too: a server that never stops sending would otherwise never let a wait time out.
            if deadline.isExpired { throw broken(.timedOut, pending: pending) }
            do {
                if let line = try buffer.nextLine(at: Deadline.now()) {
                    log?.log(3, "imap < [\(NumberFormat.decimal(deadline.elapsed, fractionDigits: 4))] \(line.text.prefix(300))")
                    if line.text.uppercased().hasPrefix("* BYE") { byeText = String(line.text.dropFirst(2)) }
                    return line
                }
            } catch {
                throw broken(error, pending: pending)
            }
            guard open else { throw broken(.closed, pending: pending) }
            switch chunk.withUnsafeMutableBytes({ raw in easy.receive(into: raw) }) {
            case .done(let got):
                guard got > 0 else { throw broken(.closed, pending: pending) }
                buffer.bytes += chunk[0..<got]
                continue
            case .failed(let code):
                throw broken(.failed(code), pending: pending)
            case .again:
                break
            }
            // Only wait on the socket after CURLE_AGAIN: TLS may hold decrypted bytes of its own.
            if !IMAPWireSocket.wait(socket, events: Int16(POLLIN), until: until) {
                if pending == nil { return nil }
                throw broken(.timedOut, pending: pending)
            }
        }
    }
    var byeText: String?
    /// The command whose reply is awaited, and the last one answered (`LOGIN`, `UID FETCH`),
    /// for naming the step after which the server closed the connection.
    var awaiting: String?
    var lastCompleted: String?

    /// `IMAP: HOST closed the connection after LOGIN`: the step named as for libcurl's transfers.
    func closedError(cause: String?) -> CheckError {
        let error = IMAPClosedConnection.error(endpoint: connection.endpoint, unanswered: awaiting, completed: lastCompleted, cause: cause)
        return error.prefixed("IMAP: ")
    }

    /// The error for a connection that stopped working, naming what the run waited for.
    func broken(_ error: IMAPWireError, pending: String? = nil) -> CheckError {
        let endpoint = connection.endpoint
        let wasOpen = open
        close()
        switch error {
        case .timedOut:
            let failure = TransportFailure(.timeout(pending: pending ?? "waiting"), endpoint: endpoint, message: "", deadline: deadline)
            return wording.error(for: failure).prefixed("IMAP: ")
        case .tooLong:
            return .critical("IMAP: \(endpoint) sent a line longer than \(buffer.limit) bytes (\(pending ?? "waiting"))")
        case .closed:
            if let byeText { return .critical("IMAP: \(endpoint) closed the connection: \(byeText)") }
            guard wasOpen else { return .critical("IMAP: \(endpoint) closed the connection earlier (\(pending ?? "waiting"))") }
            return closedError(cause: nil)
        case .failed(let code) where code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_GOT_NOTHING:
            return closedError(cause: CurlEasy.describe(code))
        case .failed(let code):
            let failure = TransportFailure(.broken(step: nil), endpoint: endpoint, message: CurlEasy.describe(code), deadline: deadline)
            return wording.error(for: failure).prefixed("IMAP: ")
        }
    }
}
