import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Bursts against the real test stack: what a scheduler does after a restart, when every
/// service is due at once. Every run must end with a true state in time, and the delivery
/// check, run many times at once into one mailbox, must touch nothing but its own probes.
/// dave's mailbox belongs to these tests alone (scripts/stacks/mailstack.sh), so it can be compared
/// message by message.
@Suite(.serialized) struct LoadTests {
    static var dave: IMAPMailbox.User { IMAPMailbox.User(name: MailStack["DAVE_USER"], passwordFile: MailStack["DAVE_PASS_FILE"]) }
    static var erin: IMAPMailbox.User { IMAPMailbox.User(name: MailStack["ERIN_USER"], passwordFile: MailStack["ERIN_PASS_FILE"]) }

    /// Runs every command line at once, each on its own thread, and returns the runs in order.
    static func burst(_ runs: [(String, [String])]) -> [PluginRun?] {
        final class Results: @unchecked Sendable {
            var runs: [PluginRun?]
            let lock = NSLock()
            init(_ count: Int) { runs = Array(repeating: nil, count: count) }
        }
        let results = Results(runs.count)
        let group = DispatchGroup()
        for (index, run) in runs.enumerated() {
            group.enter()
            Thread.detachNewThread {
                let outcome = try? Plugin.run(run.0, run.1)
                results.lock.lock()
                results.runs[index] = outcome
                results.lock.unlock()
                group.leave()
            }
        }
        group.wait()
        return results.runs
    }

    static func login(_ user: IMAPMailbox.User) -> [String] {
        ["-U", user.name, "--password-file", user.passwordFile]
    }

    /// 100 checks started at once (SMTP submission with STARTTLS and AUTH, IMAP with STARTTLS,
    /// POP3): each one ends within its deadline with a true state, which here is OK.
    @Test func schedulerBurstOfAHundredChecks() throws {
        let host = MailStack.host, tls = ["--starttls", "--cacert", MailStack.caCert, "--sni", MailStack["TLS_SERVER_NAME"]]
        var lines: [(String, [String])] = []
        for i in 0..<100 {
            switch i % 3 {
            case 0: lines.append(("check_smtp_session", ["-H", host, "-p", MailStack["SUBMISSION_PORT"], "-t", "20"] + tls + Self.login(.alice)))
            case 1: lines.append(("check_imap_login", ["-H", host, "-p", MailStack["IMAP_PORT"], "-t", "20"] + tls + Self.login(Self.dave)))
            default: lines.append(("check_pop3_login", ["-H", host, "-p", MailStack["POP3_PORT"], "-t", "20"] + Self.login(Self.dave)))
            }
        }
        let runs = Self.burst(lines)
        for (index, run) in runs.enumerated() {
            guard let run else { Issue.record("run \(index) (\(lines[index].0)) did not start"); continue }
            expectWellFormed(run)
            #expect(run.seconds < 20.5, "\(lines[index].0) ran past its deadline: \(run)")
            #expect(run.code == 0, "\(lines[index].0): \(run)")
        }
    }

    /// The server's own connection limit is a clear CRITICAL in the server's words, at once:
    /// never an OK, never a timeout. Dovecot allows IMAP_MAX_CONNECTIONS sessions per user and
    /// IP; erin's are held open, as a user's many devices would.
    @Test func serverConnectionLimitIsACriticalInItsOwnWords() throws {
        let limit = Int(MailStack["IMAP_MAX_CONNECTIONS"]) ?? 0
        try #require(limit > 0, "the stack has no IMAP_MAX_CONNECTIONS")
        let held = try (0..<limit).map { _ in try HeldIMAPSession(user: Self.erin) }
        defer { held.forEach { $0.close() } }
        let run = try Plugin.run("check_imap_login", ["-H", MailStack.host, "-p", MailStack["IMAP_PORT"], "-t", "10"] + Self.login(Self.erin))
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status.hasPrefix("IMAP_LOGIN CRITICAL - "), "\(run)")
        #expect(run.status.contains("Maximum number of connections from user+IP exceeded"), "\(run)")
        #expect(run.seconds < 5, "\(run)")
    }

    /// 20 delivery checks at once into dave's INBOX, ten under one check name and ten under
    /// names of their own: each finds and deletes exactly its own probe; every other message,
    /// its text and its flags, is the same afterwards.
    @Test func concurrentDeliveryChecksTouchOnlyTheirOwnProbes() throws {
        let dave = Self.dave
        try #require(!dave.name.isEmpty, "the stack has no DAVE_USER")
        let foreignProbe = "X-Mailcheck-Probe: mailcheck/someone-else/1700000000000/" + String(repeating: "ab", count: 16) + "/mon9\n"
        let fixtures: [(String, [String])] = [
            ("From: a@example.net\nSubject: unread\n\nbody\n", []),
            ("From: b@example.net\nSubject: read and flagged\n\nbody\n", ["\\Seen", "\\Flagged"]),
            ("From: c@example.net\nSubject: answered\n\nbody\n", ["\\Seen", "\\Answered"]),
            ("From: d@example.net\nSubject: mailcheck probe lookalike\n" + foreignProbe + "\nold probe of another monitor\n", []),
            ("From: e@example.net\nSubject: draft\n\nbody\n", ["\\Draft"]),
        ]
        var ids: [String] = []
        defer {
            // The fixtures are this test's own mail: removed so the mailbox does not grow run by run.
            for id in ids { _ = try? DeliveryLab.doveadm(["expunge", "-u", dave.name, "mailbox", "INBOX", "header", "Message-ID", id]) }
        }
        for (text, flags) in fixtures {
            let id = "<load-\(UUID().uuidString)@mailcheck.test>"
            ids.append(id)
            try DeliveryLab.doveadm(["save", "-u", dave.name, "-m", "INBOX"], input: "Message-ID: \(id)\n" + text)
            if !flags.isEmpty {
                try DeliveryLab.doveadm(["flags", "add", "-u", dave.name, flags.joined(separator: " "), "mailbox", "INBOX", "header", "Message-ID", id])
            }
        }
        let before = try Self.mailbox(dave)
        #expect(ids.allSatisfy { id in before.keys.contains { $0.contains(id) } }, "fixtures not all seen: \(before.keys)")
        let shared = DeliveryLab.checkName("load-shared")
        let names = (0..<20).map { $0 < 10 ? shared : DeliveryLab.checkName("load-\($0)") }
        let sender = "load-\(UUID().uuidString.prefix(8).lowercased())@\(MailStack["MAIL_DOMAIN"])"
        defer { for name in Set(names) { Self.removeProbes(dave, checkName: name) } }
        let lines = names.map { name -> (String, [String]) in
            ("check_delivery_latency", ["-H", MailStack.host, "--smtp-port", MailStack["SMTP_PORT"], "--imap-port", MailStack["IMAP_PORT"],
                                        "-U", dave.name, "--password-file", dave.passwordFile, "--to", dave.name, "--from", sender,
                                        "--check-name", name, "-t", "30", "-v"])
        }
        let runs = Self.burst(lines)
        var tokens: [String] = []
        for (index, run) in runs.enumerated() {
            guard let run else { Issue.record("delivery run \(index) did not start"); continue }
            expectWellFormed(run)
            #expect(run.code == 0, "\(run)")
            if let token = DeliveryLab.token(run.stdout) { tokens.append(token) } else { Issue.record("no token: \(run)") }
        }
        #expect(Set(tokens).count == 20, "every run sends a probe of its own")
        let after = try Self.mailbox(dave)
        #expect(after == before, "dave's mailbox changed:\nbefore \(before)\nafter \(after)")
        for token in tokens {
            let left = try DeliveryLab.doveadm(["search", "-u", dave.name, "mailbox", "INBOX", "header", "X-Mailcheck-Probe", token])
            #expect(left.isEmpty, "probe \(token) was left behind")
        }
    }

    /// Every message of the INBOX by Message-ID: its flags (without \Recent) and full text.
    static func mailbox(_ user: IMAPMailbox.User) throws -> [String: String] {
        let out = try DeliveryLab.doveadm(["fetch", "-u", user.name, "hdr.message-id flags text", "mailbox", "INBOX", "all"])
        var messages: [String: String] = [:]
        for record in out.components(separatedBy: "\u{0C}\n") where !record.isEmpty {
            let id = record.split(separator: "\n").first { $0.hasPrefix("hdr.message-id:") } ?? ""
            let flags = record.split(separator: "\n").first { $0.hasPrefix("flags:") }?.split(separator: " ")
                .filter { $0 != "\\Recent" && $0 != "flags:" }.sorted().joined(separator: " ") ?? ""
            let text = record.range(of: "\ntext:\n").map { String(record[$0.upperBound...]) } ?? record
            messages[String(id)] = flags + "\n" + text
        }
        return messages
    }

    /// Cleans up after a failed run: only probes of `checkName`.
    static func removeProbes(_ user: IMAPMailbox.User, checkName: String) {
        _ = try? DeliveryLab.doveadm(["expunge", "-u", user.name, "mailbox", "INBOX", "header", "X-Mailcheck-Probe", "mailcheck/\(checkName)/"])
    }
}

/// An IMAP session logged in and left open, as a user's mail client holds one.
final class HeldIMAPSession {
    private var fd: Int32

    init(user: IMAPMailbox.User) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(Int(MailStack["IMAP_PORT"]) ?? 0).bigEndian)
        addr.sin_addr.s_addr = inet_addr(MailStack.host)
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connected == 0, read(until: "* OK") else { close(); throw IMAPMailbox.Failure("no IMAP greeting") }
        send("a LOGIN \(IMAPMailbox.quote(user.name)) \(IMAPMailbox.quote(user.password))\r\n")
        guard read(until: "a OK") else { close(); throw IMAPMailbox.Failure("LOGIN of the held session failed") }
        send("b SELECT INBOX\r\n")
        guard read(until: "b OK") else { close(); throw IMAPMailbox.Failure("SELECT of the held session failed") }
    }

    private func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until a line starts with `prefix`; false on EOF, error or time-out.
    private func read(until prefix: String) -> Bool {
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return false }
            text += String(decoding: buffer[0..<n], as: UTF8.self)
            if text.split(separator: "\r\n").contains(where: { $0.hasPrefix(prefix) }) { return true }
        }
    }

    func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }
}
