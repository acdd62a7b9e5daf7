import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Prepares the tests' own folders in the real Dovecot with the curl command-line tool, as
/// the user, so every test sets up exactly the state it asserts (other engineers' tests
/// deliver to the same INBOXes). Credentials go through a curl config file, never argv.
enum IMAPMailbox {
    struct User {
        let name: String
        let passwordFile: String
        static var alice: User { User(name: MailStack["ALICE_USER"], passwordFile: MailStack["ALICE_PASS_FILE"]) }
        static var bob: User { User(name: MailStack["BOB_USER"], passwordFile: MailStack["BOB_PASS_FILE"]) }
        static var carol: User { User(name: MailStack["CAROL_USER"], passwordFile: MailStack["CAROL_PASS_FILE"]) }
        var password: String {
            ((try? String(contentsOfFile: passwordFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .newlines)
        }
    }

    /// Runs curl against the stack's plain IMAP port; `path` is the URL path (a folder, percent-encoded).
    @discardableResult
    static func curl(_ user: User, path: String = "", _ arguments: [String]) throws -> (code: Int32, output: String) {
        let config = NSTemporaryDirectory() + "curlrc-\(UUID().uuidString)"
        let escaped = "\(user.name):\(user.password)".replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        try "user = \"\(escaped)\"\n".write(toFile: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let url = "imap://\(MailStack.host):\(MailStack["IMAP_PORT"])/\(path)"
        let run = try Plugin.exec("/usr/bin/curl", ["-s", "-S", "--max-time", "10", "-K", config, url] + arguments)
        return (run.code, run.stdout + run.stderr)
    }

    /// One command (`-X`), with `folder` selected first when given.
    @discardableResult
    static func command(_ user: User, _ command: String, folder: String? = nil) throws -> (code: Int32, output: String) {
        // curl URL-decodes -X: a literal % must be sent as %25.
        try curl(user, path: folder.map(encode) ?? "", ["-X", command.replacingOccurrences(of: "%", with: "%25")])
    }

    /// Deletes and re-creates `folder`, so a test starts from an empty folder of its own.
    static func reset(_ user: User, folder: String) throws {
        try command(user, "DELETE \(quote(folder))")
        let created = try command(user, "CREATE \(quote(folder))")
        guard created.code == 0 else { throw Failure("CREATE \(folder) failed: \(created.output)") }
    }

    /// Appends a message, unseen unless `seen` (curl before 8.13 always APPENDs with \Seen).
    static func append(_ user: User, folder: String, subject: String, bodyBytes: Int = 64, seen: Bool = false) throws {
        let file = NSTemporaryDirectory() + "msg-\(UUID().uuidString).eml"
        let line = String(repeating: "x", count: 76) + "\r\n"
        let body = String(repeating: line, count: max(1, bodyBytes / line.utf8.count))
        let message = "From: mailcheck-test@example.test\r\nTo: \(user.name)\r\nSubject: \(subject)\r\n" +
            "Message-ID: <\(UUID().uuidString)@example.test>\r\nDate: Wed, 25 Nov 2026 12:00:00 +0000\r\n\r\n" + body
        try message.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let appended = try curl(user, path: encode(folder), ["-T", file])
        guard appended.code == 0 else { throw Failure("APPEND to \(folder) failed: \(appended.output)") }
        let stored = try command(user, "STORE * \(seen ? "+" : "-")FLAGS (\\Seen)", folder: folder)
        guard stored.code == 0 else { throw Failure("STORE in \(folder) failed: \(stored.output)") }
    }

    /// STATUS counts as the server reports them, independently of the check under test.
    static func status(_ user: User, folder: String) throws -> [String: Int] {
        let reply = try command(user, "STATUS \(quote(folder)) (MESSAGES UNSEEN)").output
        var out: [String: Int] = [:]
        guard let open = reply.lastIndex(of: "("), let close = reply.lastIndex(of: ")"), open < close else { return out }
        let items = reply[reply.index(after: open)..<close].split(separator: " ")
        for i in stride(from: 0, to: items.count - 1, by: 2) { out[String(items[i])] = Int(items[i + 1]) }
        return out
    }

    /// Storage usage in percent from GETQUOTAROOT, or nil when the user has no limit.
    static func quotaPercent(_ user: User) throws -> Double? {
        let reply = try command(user, "GETQUOTAROOT INBOX").output
        guard let range = reply.range(of: "(STORAGE ") else { return nil }
        let numbers = reply[range.upperBound...].prefix(while: { $0 != ")" }).split(separator: " ").compactMap { Double($0) }
        guard numbers.count == 2, numbers[1] > 0 else { return nil }
        return numbers[0] / numbers[1] * 100
    }

    static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func encode(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

/// A loopback server that answers line by line from a script: for replies no real server
/// gives on request (no QUOTA, numbers that overflow, a STAT that is not one, BYE at once).
final class ScriptedServer: @unchecked Sendable {
    var port: Int { listener.port }
    private let listener: LoopbackListener

    /// `greeting` goes out on connect; `answer` maps each received line to the lines to send
    /// (an empty list sends nothing). CRLF is added to every line.
    init(greeting: String, answer: @escaping @Sendable (String) -> [String]) throws {
        listener = try LoopbackListener { client in
            ScriptedServer.serve(client, greeting: greeting, answer: answer)
            return .close
        }
    }

    static func serve(_ client: Int32, greeting: String, answer: @Sendable (String) -> [String]) {
        func say(_ lines: [String]) -> Bool {
            let bytes = Array(lines.map { $0 + "\r\n" }.joined().utf8)
            return bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } >= 0
        }
        guard say([greeting]) else { return }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            pending += buffer[0..<n]
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                let reply = answer(String(decoding: line, as: UTF8.self))
                if reply == ["<close>"] { return }
                if !reply.isEmpty && !say(reply) { return }
            }
        }
    }

    /// A minimal IMAP server: CAPABILITY lists `capabilities`, any login succeeds, and
    /// `replies` gives the untagged lines for a command verb (EXAMINE, STATUS, ...).
    static func imap(capabilities: String = "IMAP4rev1 SASL-IR AUTH=PLAIN", replies: [String: [String]] = [:]) throws -> ScriptedServer {
        try ScriptedServer(greeting: "* OK fake IMAP ready") { line in
            let words = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard words.count >= 2 else { return [] }
            let tag = words[0], verb = words[1].uppercased()
            switch verb {
            case "CAPABILITY": return ["* CAPABILITY \(capabilities)", "\(tag) OK done"]
            case "LOGOUT": return ["* BYE bye", "\(tag) OK bye"]
            case "AUTHENTICATE", "LOGIN": return ["\(tag) OK logged in"]
            default: return (replies[verb] ?? []).map { "* " + $0 } + ["\(tag) OK done"]
            }
        }
    }

    /// A minimal POP3 server: CAPA lists `capa`, any USER/PASS succeeds, STAT answers `stat`.
    static func pop3(capa: [String] = ["USER"], stat: String = "+OK 0 0") throws -> ScriptedServer {
        try ScriptedServer(greeting: "+OK fake POP3 ready") { line in
            switch line.split(separator: " ").first.map({ $0.uppercased() }) ?? "" {
            case "CAPA": return ["+OK"] + capa + ["."]
            case "STAT": return [stat]
            case "QUIT": return ["+OK bye"]
            default: return ["+OK"]
            }
        }
    }
}

/// Peak RSS in KiB from a GNU time `-f %M` file (its last line; a failed command adds a line before it).
func peakKiB(_ path: String) -> Int {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? Int.max
}
