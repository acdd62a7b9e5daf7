import Foundation
import Testing

/// check_delivery_latency against scripted SMTP and IMAP servers, for what the real stack
/// never does: an IMAP server without UIDPLUS (the probe must stay \Deleted, never expunged),
/// replies with numbers that overflow, a literal of absurd size, a connection that drops.
@Suite struct DeliveryLatencyFakeServerTests {
    /// Lines the fake IMAP server received, and the probe token it saw in a SEARCH.
    final class Log: @unchecked Sendable {
        private var lines: [String] = []
        private var seenToken: String?
        private let lock = NSLock()
        func add(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
        var token: String? {
            get { lock.lock(); defer { lock.unlock() }; return seenToken }
            set { lock.lock(); seenToken = newValue; lock.unlock() }
        }
    }

    /// An SMTP server that takes any message.
    static func smtp() throws -> ScriptedServer {
        try ScriptedServer(greeting: "220 fake.test ESMTP") { line in
            switch line.split(separator: " ").first.map({ $0.uppercased() }) ?? "" {
            case "EHLO", "HELO": return ["250 fake.test"]
            case "MAIL", "RCPT": return ["250 2.1.0 Ok"]
            case "DATA": return ["354 End data with <CR><LF>.<CR><LF>"]
            case ".": return ["250 2.0.0 Ok: queued as FAKE42"]
            case "QUIT": return ["221 2.0.0 Bye"]
            default: return []
            }
        }
    }

    /// An IMAP server without IDLE and UIDPLUS whose mailbox holds the probe as UID 42 from the
    /// first look; `search` and `fetch` may replace the answers to the probe search and FETCH.
    static func imap(_ log: Log, search: [String]? = nil, fetch: (@Sendable (String) -> [String])? = nil) throws -> ScriptedServer {
        try ScriptedServer(greeting: "* OK fake IMAP ready") { line in
            log.add(line)
            let words = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard words.count >= 2 else { return [] }
            let tag = words[0], verb = words[1].uppercased(), rest = words.count > 2 ? words[2] : ""
            switch verb {
            case "CAPABILITY": return ["* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN", "\(tag) OK done"]
            case "AUTHENTICATE", "LOGIN": return ["\(tag) OK logged in"]
            case "SELECT": return ["* 3 EXISTS", "* OK [UIDNEXT 42] next", "\(tag) OK [READ-WRITE] selected"]
            case "LOGOUT": return ["* BYE bye", "\(tag) OK bye"]
            case "UID" where rest.uppercased().hasPrefix("SEARCH UID 42:*"):
                log.token = rest.split(separator: "\"").dropFirst().first.map(String.init)
                return (search ?? ["* SEARCH 42"]) + ["\(tag) OK searched"]
            case "UID" where rest.uppercased().hasPrefix("FETCH"):
                let token = log.token ?? ""
                if let fetch {
                    let lines = fetch(token)
                    return lines == ["<close>"] ? lines : lines + ["\(tag) OK fetched"]
                }
                return literalFetch(["X-Mailcheck-Probe: \(token)", "Received: from a by fake.test with LMTP id Z1; Tue, 1 Jan 2030 00:00:00 +0000"]) + ["\(tag) OK fetched"]
            default: return ["\(tag) OK done"]
            }
        }
    }

    /// `* 1 FETCH (UID 42 BODY[HEADER] {n}` with `header` lines as the literal (CRLF each, a blank line at the end).
    static func literalFetch(_ header: [String]) -> [String] {
        let size = header.reduce(2) { $0 + $1.utf8.count + 2 }
        return ["* 1 FETCH (UID 42 BODY[HEADER] {\(size)}"] + header + ["", ")"]
    }

    static func arguments(smtp: ScriptedServer, imap: ScriptedServer, _ extra: [String] = []) -> [String] {
        ["-H", "127.0.0.1", "--smtp-port", "\(smtp.port)", "--imap-port", "\(imap.port)", "-U", "u@fake.test", "-P", "p", "-t", "3",
         "--check-name", DeliveryLab.checkName("fake")] + extra
    }

    @Test func withoutUIDPlusTheProbeStaysFlaggedAndNothingIsExpunged() throws {
        let log = Log()
        let smtp = try Self.smtp(), imap = try Self.imap(log)
        let run = try Plugin.run("check_delivery_latency", Self.arguments(smtp: smtp, imap: imap, ["-v"]))
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.contains(", probe left flagged \\Deleted (no UIDPLUS)"), "\(run)")
        #expect(run.stdout.contains("has no UIDPLUS, and a plain EXPUNGE would remove other \\Deleted mail too"), "\(run)")
        let commands = log.all.map { $0.split(separator: " ").dropFirst().joined(separator: " ").uppercased() }
        #expect(commands.contains("UID STORE 42 +FLAGS.SILENT (\\DELETED)"), "\(commands)")
        #expect(!commands.contains { $0.contains("EXPUNGE") || $0.hasPrefix("CLOSE") }, "\(commands)")
        // The sweep looks only at messages not yet flagged, so left probes are not flagged again and again.
        #expect(commands.contains { $0.hasPrefix("UID SEARCH UNDELETED HEADER X-MAILCHECK-PROBE") }, "\(commands)")
        #expect(!commands.contains("IDLE"))
    }

    @Test(arguments: [["* SEARCH 99999999999999999999999 -5 x"], ["* SEARCH", "* 99999999999999999999 EXISTS"], ["* FLAGS ((((("]])
    func searchRepliesThatDoNotParseNeverTrap(reply: [String]) throws {
        let log = Log()
        let smtp = try Self.smtp(), imap = try Self.imap(log, search: reply)
        let run = try Plugin.run("check_delivery_latency", Self.arguments(smtp: smtp, imap: imap, ["-t", "1.5", "--stale-after", "2"]))
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        // The deadline ends the watch between two looks or, on a loaded machine, during one:
        // both are the truth at that moment (seen once in a whole-suite run on a fresh machine).
        #expect(run.status.hasPrefix("DELIVERY_LATENCY CRITICAL - probe not delivered after ")
                || run.status.hasPrefix("DELIVERY_LATENCY CRITICAL - timed out after 1.5 s (waiting for the reply to UID SEARCH"), "\(run)")
    }

    @Test(arguments: ["absurd literal", "closed", "mismatched token", "garbage header"])
    func fetchRepliesThatGoWrongNeverTrap(kind: String) throws {
        let log = Log()
        let smtp = try Self.smtp()
        let imap = try Self.imap(log) { token in
            switch kind {
            case "absurd literal": return ["* 1 FETCH (UID 42 BODY[HEADER] {99999999999999}"]
            case "closed": return ["<close>"]
            case "mismatched token": return Self.literalFetch(["X-Mailcheck-Probe: \(token)x"])
            default: return ["* 1 FETCH (UID 42 BODY[HEADER] {5}", "\u{1}\u{2}\u{3}", ")"]
            }
        }
        let run = try Plugin.run("check_delivery_latency", Self.arguments(smtp: smtp, imap: imap))
        expectWellFormed(run)
        #expect((1...3).contains(run.code), "\(run)")
        switch kind {
        case "absurd literal": #expect(run.status.contains("IMAP: 127.0.0.1:\(imap.port) sent a line longer than"), "\(run)")
        case "closed":
            #expect(run.status.contains("IMAP: 127.0.0.1:\(imap.port) closed the connection after UID FETCH"), "\(run)")
            #expect(run.stdout.contains("\nthe probe (queue ID FAKE42, token mailcheck/"), "the long output must say which probe is left: \(run)")
        default:
            #expect(run.code == 1, "\(run)")
            #expect(run.status.contains("UID 42 matched the token but its X-Mailcheck-Probe header did not verify: not deleted"), "\(run)")
        }
        let commands = log.all.map { $0.uppercased() }
        #expect(!commands.contains { $0.contains("STORE") || $0.contains("EXPUNGE") }, "nothing unverified may be deleted: \(commands)")
    }
}
