import CheckKit
#if canImport(Glibc)
import Glibc
#endif

/// Turns the events of `postqueue -j` (one JSON object per message) into counts. Members it
/// does not know are skipped, so newer Postfix versions that add members keep working.
struct PostfixRecordSink: JSONEventSink {
    static let queueNames = ["active", "deferred", "hold", "incoming", "maildrop"]

    private enum Member { case queueName, arrival, size, recipients, other }
    private enum RecipientMember { case address, reason, other }

    var tally = QueueTally(queueNames: PostfixRecordSink.queueNames)
    private var depth = 0
    private var member = Member.other
    private var recipientMember = RecipientMember.other
    private var inRecipients = false
    private var queue: String? = nil
    private var arrival: Int64? = nil
    private var size: Int? = nil
    private var recipients = 0
    private var address: [UInt8] = []
    private var reason: [UInt8]? = nil
    private var records = 0
    private var lastReason: [UInt8] = []
    private var lastGrouped = ""

    private static let queueNameKey = Array("queue_name".utf8)
    private static let arrivalKey = Array("arrival_time".utf8)
    private static let sizeKey = Array("message_size".utf8)
    private static let recipientsKey = Array("recipients".utf8)
    private static let addressKey = Array("address".utf8)
    private static let reasonKey = Array("delay_reason".utf8)

    mutating func beginObject(depth: Int) throws(JSONScanError) {
        self.depth = depth
        if depth == 1 {
            queue = nil; arrival = nil; size = nil; recipients = 0
            member = .other
        } else if depth == 3 && inRecipients {
            address.removeAll(keepingCapacity: true)
            reason = nil
            recipientMember = .other
        }
    }

    mutating func endObject(depth: Int) throws(JSONScanError) {
        self.depth = depth
        if depth == 2 && inRecipients {
            recipients += 1
            if let reason {
                // Consecutive messages mostly share their reason: group it once.
                if reason != lastReason {
                    lastReason = reason
                    lastGrouped = DeferralReason.group(reason)
                }
                tally.addDeferred(domain: QueueTally.domain(of: address), reason: lastGrouped)
            }
        } else if depth == 0 {
            records += 1
            guard let queue else { throw missing("queue_name") }
            guard let arrival else { throw missing("arrival_time") }
            guard let size else { throw missing("message_size") }
            tally.add(QueuedMessage(queue: queue, arrival: arrival, size: size, recipients: recipients))
        }
    }

    private func missing(_ name: String) -> JSONScanError {
        JSONScanError(line: 0, reason: "message \(records) has no \(name)")
    }

    mutating func beginArray(depth: Int) {
        self.depth = depth
        if depth == 2 && member == .recipients { inRecipients = true }
    }

    mutating func endArray(depth: Int) {
        self.depth = depth
        if depth == 1 { inRecipients = false }
    }

    mutating func key(_ bytes: [UInt8]) {
        if depth == 1 {
            member = bytes == Self.queueNameKey ? .queueName
                : bytes == Self.arrivalKey ? .arrival
                : bytes == Self.sizeKey ? .size
                : bytes == Self.recipientsKey ? .recipients : .other
        } else if depth == 3 && inRecipients {
            recipientMember = bytes == Self.addressKey ? .address : bytes == Self.reasonKey ? .reason : .other
        }
    }

    mutating func string(_ bytes: [UInt8], truncated: Bool) {
        if depth == 1 && member == .queueName {
            queue = String(decoding: bytes.prefix(64), as: UTF8.self)
        } else if depth == 3 && inRecipients {
            if recipientMember == .address { address = bytes } else if recipientMember == .reason { reason = bytes }
        }
    }

    mutating func number(_ text: [UInt8]) {
        guard depth == 1 else { return }
        if member == .arrival { arrival = ChildNumber.integer(text) } else if member == .size { size = ChildNumber.int(text) }
    }

    mutating func literal() {}
}

/// Postfix through `postqueue -j` (Postfix 3.1 and later), streamed: memory stays flat
/// however long the queue is.
struct PostfixBackend: QueueBackend {
    let postqueue: String
    /// `postqueue -c DIR`: another instance's configuration directory.
    let configDir: String?

    var arguments: [String] { (configDir.map { ["-c", $0] } ?? []) + ["-j"] }

    func snapshot(_ context: RunContext, now: Int64) throws(CheckError) -> QueueSnapshot {
        let command = "postqueue " + arguments.joinedText(" ")
        context.log(2, "running: \(postqueue) \(arguments.joinedText(" "))")
        context.activity(command)
        var scanner = JSONStreamScanner(sink: PostfixRecordSink())
        let result = try Subprocess.run(postqueue, arguments, deadline: context.deadline) { chunk throws(CheckError) in
            do throws(JSONScanError) {
                try scanner.feed(chunk)
            } catch {
                throw Self.unparseable(error)
            }
            // postqueue writes one record per system call: reading each as it comes costs a
            // wakeup per message. After a small read, let records pile up in the pipe (64 KiB)
            // for a moment and take them in bulk (the pipe holds more than postqueue writes in
            // a millisecond, so postqueue is not slowed down).
            if chunk.count < 16384 { usleep(1000) }
        }
        let lines = ChildOutcome.stderrLines(result)
        for line in lines { context.log(2, "stderr: \(line)") }
        let stderrText = lines.joinedText("\n")
        let down = stderrText.lowercased().containsText("mail system is down")
        if let killed = ChildOutcome.killed("postqueue -j", result) { throw killed }
        if result.exitCode != 0 {
            if down {
                throw .critical("Postfix is down: mail system is down (postqueue: queue report unavailable)", detail: lines)
            }
            throw failure(result, lines: lines)
        }
        do throws(JSONScanError) {
            try scanner.finish()
        } catch {
            throw Self.unparseable(error)
        }
        context.log(2, "postqueue -j: \(scanner.objects) messages")
        var snapshot = QueueSnapshot(tally: scanner.sink.tally, mta: "Postfix")
        // As root, postqueue falls back to reading the queue files itself when the showq
        // service does not answer, and still exits 0: the counts are real, Postfix is not.
        if down { snapshot.downReason = "Postfix is down (mail system is down; postqueue read the queue files directly)" }
        snapshot.notes = lines.map { $0.hasPrefix("postqueue") ? $0 : "postqueue: " + $0 }
        return snapshot
    }

    static func unparseable(_ error: JSONScanError) -> CheckError {
        .unknown("unparseable postqueue -j output: line \(error.line): \(error.reason)")
    }

    /// The specific line for each way postqueue refuses to run.
    func failure(_ result: SubprocessResult, lines: [String]) -> CheckError {
        let text = lines.joinedText("\n")
        let dir = configDir ?? "/etc/postfix"
        if text.containsText("not allowed to view the mail queue") {
            return .unknown("postqueue: \(ChildOutcome.userName) may not view the mail queue (add it to authorized_mailq_users in \(dir)/main.cf)", detail: lines)
        }
        if text.containsText("unauthorized configuration directory") {
            return .unknown("postqueue -c \(dir): not allowed for \(ChildOutcome.userName) (run as root, or list the directory in alternate_config_directories of /etc/postfix/main.cf)", detail: lines)
        }
        if text.containsText("main.cf") && text.containsText("No such file") {
            return .unknown("no Postfix configuration in \(dir) (--config-dir): main.cf not found", detail: lines)
        }
        if text.containsText("invalid option") || text.containsText("illegal option") {
            return .unknown("postqueue does not know -j (Postfix 3.1 or later is needed)", detail: lines)
        }
        if ChildOutcome.isPermissionProblem(text) {
            let main = ChildOutcome.mainError(lines) ?? "permission denied"
            return .unknown("postqueue: permission denied for \(ChildOutcome.userName) (postqueue must be setgid postdrop; \(main))", detail: lines)
        }
        return ChildOutcome.failure("postqueue -j", result)
    }
}
