import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What check_delivery_latency's tests need around the real stack: the common arguments, a
/// look into bob's INBOX that changes nothing (doveadm as root reads the mail store directly,
/// so no IMAP session marks anything seen), fixtures of user mail, and the deferred queue.
/// Every test uses a check name of its own, so the stale sweeps of tests running in parallel
/// never see each other's probes.
enum DeliveryLab {
    static let bob = IMAPMailbox.User.bob

    /// `delivery-<what>-<random>`: a check name no other test or run uses.
    static func checkName(_ what: String) -> String {
        "t-\(what)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Plain SMTP on the MX port to bob, watched over plain IMAP as bob.
    static func arguments(_ checkName: String) -> [String] {
        ["-H", MailStack.host, "--smtp-port", MailStack["SMTP_PORT"], "--imap-port", MailStack["IMAP_PORT"],
         "-U", bob.name, "--password-file", bob.passwordFile, "--from", "probe@\(MailStack["MAIL_DOMAIN"])",
         "--check-name", checkName]
    }

    /// Runs doveadm against the stack's Dovecot; stdin from `input` when given.
    @discardableResult
    static func doveadm(_ arguments: [String], input: String? = nil) throws -> String {
        let command = (["/usr/bin/doveadm", "-c", MailStack["DOVECOT_CONFIG"]] + arguments).map(shellQuote).joined(separator: " ")
        var script = command
        var file: String?
        if let input {
            let path = NSTemporaryDirectory() + "deliv-\(UUID().uuidString).eml"
            try input.write(toFile: path, atomically: true, encoding: .utf8)
            file = path
            script += " < " + shellQuote(path)
        }
        defer { if let file { try? FileManager.default.removeItem(atPath: file) } }
        let run = try Plugin.exec("/bin/bash", ["-c", script], limit: 20)
        guard run.code == 0 else { throw IMAPMailbox.Failure("doveadm \(arguments.joined(separator: " ")) failed: \(run.stdout)\(run.stderr)") }
        return run.stdout
    }

    static func shellQuote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// UIDs in bob's INBOX whose probe header contains `text` (a token or a token prefix).
    static func probes(containing text: String) throws -> [Int] {
        try doveadm(["search", "-u", bob.name, "mailbox", "INBOX", "header", "X-Mailcheck-Probe", text])
            .split(separator: "\n").compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }
    }

    /// Saves `message` (LF or CRLF lines) into bob's INBOX with exactly `flags`; returns its UID.
    static func addFixture(_ message: String, flags: [String]) throws -> Int {
        let id = "<fixture-\(UUID().uuidString)@mailcheck.test>"
        try doveadm(["save", "-u", bob.name, "-m", "INBOX"], input: "Message-ID: \(id)\n" + message)
        let found = try doveadm(["search", "-u", bob.name, "mailbox", "INBOX", "header", "Message-ID", id])
        guard let uid = found.split(separator: " ").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            throw IMAPMailbox.Failure("fixture \(id) not found after saving it")
        }
        if !flags.isEmpty { try doveadm(["flags", "add", "-u", bob.name, flags.joined(separator: " "), "mailbox", "INBOX", "uid", "\(uid)"]) }
        return uid
    }

    /// A message's flags (without the session flag \Recent) and its full text, as stored.
    static func snapshot(_ uid: Int) throws -> (flags: Set<String>, text: String) {
        let out = try doveadm(["fetch", "-u", bob.name, "flags text", "mailbox", "INBOX", "uid", "\(uid)"])
        guard let flagsLine = out.split(separator: "\n").first(where: { $0.hasPrefix("flags:") }),
              let textStart = out.range(of: "\ntext:\n") else { return ([], "") }
        let flags = Set(flagsLine.dropFirst("flags:".count).split(separator: " ").map(String.init)).subtracting(["\\Recent"])
        return (flags, String(out[textStart.upperBound...]))
    }

    /// Removes the test's own messages by UID (never anything else).
    static func remove(_ uids: [Int]) throws {
        for uid in uids { try doveadm(["expunge", "-u", bob.name, "mailbox", "INBOX", "uid", "\(uid)"]) }
    }

    /// A value from a `key: value` word of the long output (`queue ID 4XyZ)` -> `4XyZ`).
    static func queueID(_ output: String) -> String? {
        guard let range = output.range(of: "(queue ID ") else { return nil }
        return String(output[range.upperBound...].prefix(while: { $0 != ")" }))
    }

    /// The token the run printed in its long output.
    static func token(_ output: String) -> String? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("token: ") }) else { return nil }
        return String(line.dropFirst("token: ".count))
    }

    /// Delivers a message that waits in the deferred queue (`postqueue -i`).
    static func release(_ queueID: String) throws {
        let run = try Plugin.exec("/usr/sbin/postqueue", ["-c", MailStack["POSTFIX_CONFIG_DIR"], "-i", queueID], limit: 20)
        guard run.code == 0 else { throw IMAPMailbox.Failure("postqueue -i \(queueID) failed: \(run.stderr)") }
    }

    /// Queue IDs of the messages from `sender` in the stack's deferred queue (`postqueue -j`).
    static func deferred(from sender: String) -> [String] {
        guard let run = try? Plugin.exec("/usr/sbin/postqueue", ["-c", MailStack["POSTFIX_CONFIG_DIR"], "-j"], limit: 10) else { return [] }
        return run.stdout.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["queue_name"] as? String == "deferred", object["sender"] as? String == sender else { return nil }
            return object["queue_id"] as? String
        }
    }

    /// Deletes what a failed test left behind, only its own: messages from its sender in the
    /// deferred queue (so that no probe waits there for ever and ages other suites' queue
    /// checks) and probes of its check name in bob's INBOX.
    static func cleanUp(checkName: String, sender: String) {
        for id in deferred(from: sender) {
            _ = try? Plugin.exec("/usr/sbin/postsuper", ["-c", MailStack["POSTFIX_CONFIG_DIR"], "-d", id], limit: 10)
        }
        if let left = try? probes(containing: "mailcheck/\(checkName)/") { try? remove(left) }
    }

    /// Waits up to `seconds` for `condition`, checking every 50 ms.
    static func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try condition() { return true }
            usleep(50_000)
        }
        return try condition()
    }
}
