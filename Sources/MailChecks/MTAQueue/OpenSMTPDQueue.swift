import CheckKit

/// Reads OpenSMTPD's `smtpctl show queue`: one line per envelope (one recipient of one
/// message), `|`-separated: id, source, agent, flags, sender, recipient, destination,
/// creation, expiry, last try, retries, run state and its value, last error. An envelope id's
/// upper 32 bits are its message id, and the envelopes of a message are listed together.
struct OpenSMTPDQueueParser {
    static let queueNames = ["active", "deferred", "hold"]

    var tally = QueueTally(queueNames: OpenSMTPDQueueParser.queueNames)
    /// True when smtpctl read the queue offline: smtpd is not running.
    private(set) var offline = false
    private var current: QueuedMessage? = nil
    private var currentID: ArraySlice<UInt8> = []

    mutating func line(_ line: ArraySlice<UInt8>, number: Int) throws(CheckError) {
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        let f = line.split(separator: UInt8(ascii: "|"), maxSplits: 13, omittingEmptySubsequences: false)
        guard f.count >= 13, f[0].count == 16, f[0].allSatisfy({ Self.isHex($0) }),
              let creation = ChildNumber.integer(f[7]), let retries = ChildNumber.int(f[10]) else {
            throw .unknown("unparseable smtpctl show queue output: line \(number): '\(ListingText.quote(line, limit: 60))'")
        }
        let flags = f[3].split(separator: UInt8(ascii: ","))
        let held = flags.contains { ListingText.equals($0, "hold") || ListingText.equals($0, "suspend") }
        let state = f[11]
        if ListingText.equals(state, "offline") { offline = true }
        let queue = held ? "hold" : ListingText.equals(state, "inflight") ? "active" : retries > 0 ? "deferred" : "active"
        let messageID = f[0].prefix(8)
        if current == nil || !messageID.elementsEqual(currentID) {
            commit()
            currentID = messageID
            current = QueuedMessage(queue: queue, arrival: creation, size: 0, recipients: 0)
        }
        current?.recipients += 1
        // A message waits in the most urgent state of its envelopes: held, then deferred.
        if queue == "hold" || (queue == "deferred" && current?.queue == "active") { current?.queue = queue }
        if let earlier = current?.arrival, creation < earlier { current?.arrival = creation }
        if retries > 0 || queue == "hold" {
            let error = f.count > 13 ? f[13] : []
            tally.addDeferred(domain: QueueTally.domain(of: f[5]),
                              reason: error.isEmpty ? nil : DeferralReason.group(error))
        }
    }

    mutating func finish() { commit() }

    private mutating func commit() {
        if let current { tally.add(current) }
        current = nil
    }

    private static func isHex(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46)
    }
}

/// OpenSMTPD through `smtpctl show queue`.
struct OpenSMTPDBackend: QueueBackend {
    let smtpctl: String

    func snapshot(_ context: RunContext, now: Int64) throws(CheckError) -> QueueSnapshot {
        context.log(2, "running: \(smtpctl) show queue")
        context.activity("smtpctl show queue")
        var parser = OpenSMTPDQueueParser()
        var lines = LineSplitter()
        let result = try Subprocess.run(smtpctl, ["show", "queue"], deadline: context.deadline) { chunk throws(CheckError) in
            try lines.feed(chunk) { line, number throws(CheckError) in try parser.line(line, number: number) }
        }
        let errors = ChildOutcome.stderrLines(result)
        if let killed = ChildOutcome.killed("smtpctl show queue", result) { throw killed }
        if result.exitCode != 0 {
            if ChildOutcome.isPermissionProblem(errors.joinedText("\n")) {
                throw .unknown("smtpctl show queue: permission denied for \(ChildOutcome.userName) (it needs root)", detail: errors)
            }
            throw ChildOutcome.failure("smtpctl show queue", result)
        }
        try lines.finish { line, number throws(CheckError) in try parser.line(line, number: number) }
        parser.finish()
        var snapshot = QueueSnapshot(tally: parser.tally, mta: "OpenSMTPD")
        snapshot.sizesKnown = false
        snapshot.notes = ["smtpctl show queue gives no message sizes"]
        if parser.offline { snapshot.downReason = "OpenSMTPD is down (smtpctl read the queue offline)" }
        return snapshot
    }
}
