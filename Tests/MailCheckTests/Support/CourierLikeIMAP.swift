import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A fake IMAP server that shows new mail the way Courier-IMAP does: a message that reached
/// the "maildir" becomes part of the session only at a NOOP or IDLE (or CHECK), never at a
/// search. It speaks what check_delivery_latency uses (CAPABILITY, LOGIN/AUTHENTICATE, SELECT,
/// NOOP, IDLE/DONE, UID SEARCH/FETCH/STORE/EXPUNGE, LOGOUT); the probe "arrives" when
/// `deliver(after:)` says, usually from the fake SMTP server's acceptance.
final class CourierLikeIMAP: @unchecked Sendable {
    /// What the server saw and when the probe reached the maildir, shared with its threads.
    final class State: @unchecked Sendable {
        private let lock = NSLock()
        private var arrival: Double?
        private var token = ""
        private var received: [String] = []

        /// Monotonic seconds.
        static func now() -> Double { ProcessInfo.processInfo.systemUptime }

        /// The probe is in the maildir `seconds` from now.
        func deliver(after seconds: Double) { lock.lock(); arrival = Self.now() + seconds; lock.unlock() }
        var arrived: Bool { lock.lock(); defer { lock.unlock() }; return arrival.map { Self.now() >= $0 } ?? false }
        var probeToken: String {
            get { lock.lock(); defer { lock.unlock() }; return token }
            set { lock.lock(); token = newValue; lock.unlock() }
        }
        func add(_ line: String) { lock.lock(); received.append(line); lock.unlock() }
        /// Commands received, without tags, upper-cased.
        var commands: [String] {
            lock.lock(); defer { lock.unlock() }
            // `DONE` has no tag: it stays whole.
            return received.map { line in
                let words = line.split(separator: " ", maxSplits: 1)
                return (words.count > 1 ? String(words[1]) : line).uppercased()
            }
        }
    }

    var port: Int { listener.port }
    let state = State()
    private let listener: LoopbackListener

    /// `idle`: offer IDLE. `revealOn`: the commands at which new mail joins a session (a
    /// server may announce it only in IDLE).
    init(idle: Bool, revealOn: Set<String> = ["NOOP", "CHECK", "IDLE"]) throws {
        let state = self.state
        listener = try LoopbackListener { client in
            var session = Session(client, state: state, idle: idle, revealOn: revealOn)
            session.run()
            return .close
        }
    }

    /// One client connection: the mailbox as this session knows it.
    struct Session {
        let client: Int32
        let state: State
        let idle: Bool
        let revealOn: Set<String>
        /// The probe is part of this session's view of the mailbox (UID 42).
        var revealed = false
        var idleTag: String?
        var closing = false

        init(_ client: Int32, state: State, idle: Bool, revealOn: Set<String>) {
            self.client = client
            self.state = state
            self.idle = idle
            self.revealOn = revealOn
        }

        func say(_ lines: [String]) -> Bool {
            let bytes = Array(lines.map { $0 + "\r\n" }.joined().utf8)
            return bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } >= 0
        }

        /// Like Courier: new mail joins the session at NOOP/IDLE/CHECK, announced with EXISTS.
        mutating func takeInNewMail(at verb: String) -> [String] {
            guard !revealed, revealOn.contains(verb), state.arrived else { return [] }
            revealed = true
            return ["* 4 EXISTS", "* 1 RECENT"]
        }

        mutating func run() {
            guard say(["* OK [CAPABILITY IMAP4rev1] Courier-IMAP ready (fake)"]) else { return }
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                // While idling, look at the maildir every 10 ms, as Courier's own watch would.
                var entry = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
                if poll(&entry, 1, idleTag == nil ? 1000 : 10) == 0 {
                    if idleTag != nil { let news = takeInNewMail(at: "IDLE"); if !news.isEmpty && !say(news) { return } }
                    continue
                }
                let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return }
                pending += buffer[0..<n]
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    var line = Array(pending[..<newline])
                    pending.removeSubrange(...newline)
                    if line.last == UInt8(ascii: "\r") { line.removeLast() }
                    let text = String(decoding: line, as: UTF8.self)
                    state.add(text)
                    let reply = answer(text)
                    if !reply.isEmpty && !say(reply) { return }
                    if closing { return }
                }
            }
        }

        mutating func answer(_ line: String) -> [String] {
            if let tag = idleTag {
                guard line.uppercased() == "DONE" else { return [] }
                idleTag = nil
                return ["\(tag) OK IDLE completed"]
            }
            let words = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard words.count >= 2 else { return [] }
            let tag = words[0], verb = words[1].uppercased(), rest = words.count > 2 ? words[2] : ""
            let capabilities = "IMAP4rev1 UIDPLUS SASL-IR AUTH=PLAIN" + (idle ? " IDLE" : "")
            switch verb {
            case "CAPABILITY": return ["* CAPABILITY \(capabilities)", "\(tag) OK done"]
            case "AUTHENTICATE", "LOGIN": return ["\(tag) OK LOGIN Ok."]
            case "SELECT": return ["* FLAGS (\\Deleted \\Seen)", "* 3 EXISTS", "* 0 RECENT", "* OK [UIDVALIDITY 7] Ok", "* OK [UIDNEXT 42] Ok", "\(tag) OK [READ-WRITE] Ok"]
            case "NOOP", "CHECK": return takeInNewMail(at: verb) + ["\(tag) OK \(verb) completed"]
            case "IDLE" where idle:
                idleTag = tag
                // Mail that is already there is announced before the go-ahead.
                return takeInNewMail(at: "IDLE") + ["+ entering idle mode"]
            case "LOGOUT":
                closing = true
                return ["* BYE Courier-IMAP server shutting down", "\(tag) OK LOGOUT completed"]
            case "UID": return uid(tag, rest)
            default: return ["\(tag) BAD unknown command"]
            }
        }

        /// UID SEARCH finds the probe only once this session has taken it in; FETCH, STORE and
        /// EXPUNGE act on UID 42.
        func uid(_ tag: String, _ rest: String) -> [String] {
            let upper = rest.uppercased()
            if upper.hasPrefix("SEARCH") {
                let token = rest.split(separator: "\"").dropFirst().first.map(String.init) ?? ""
                // The sweep searches by the check name's prefix; only the probe search has the full token.
                if token.contains("@") { state.probeToken = token }
                let found = revealed && !state.probeToken.isEmpty && state.probeToken.hasPrefix(token)
                return ["* SEARCH" + (found ? " 42" : ""), "\(tag) OK SEARCH done."]
            }
            if upper.hasPrefix("FETCH") {
                let header = ["X-Mailcheck-Probe: \(state.probeToken)", "Received: from a by courier.test with ESMTP; Tue, 1 Jan 2030 00:00:00 +0000"]
                let size = header.reduce(2) { $0 + $1.utf8.count + 2 }
                return ["* 4 FETCH (UID 42 BODY[HEADER] {\(size)}"] + header + ["", ")", "\(tag) OK FETCH completed."]
            }
            if upper.hasPrefix("STORE") { return ["\(tag) OK STORE completed."] }
            if upper.hasPrefix("EXPUNGE") { return ["* 4 EXPUNGE", "\(tag) OK EXPUNGE completed."] }
            return ["\(tag) BAD unknown UID command"]
        }
    }
}
