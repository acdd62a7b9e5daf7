import CheckKit
#if canImport(Glibc)
import Glibc
#endif

/// Reads Sendmail's `sendmail -bp` listing: per queue directory a header, then per message a
/// line `QID[*X-] SIZE Www Mmm dd hh:mm SENDER` (`*`: being delivered now), indented lines
/// with the reason in parentheses (`(Deferred: Connection refused by mx.example.net.)`), a
/// `QUARANTINE:` line for held mail, and the recipients; `Total requests: N` closes a section.
/// The client (MSP) queue, mail that never reached the MTA, counts as maildrop.
struct SendmailQueueParser {
    static let queueNames = ["active", "deferred", "hold", "maildrop"]

    var tally = QueueTally(queueNames: SendmailQueueParser.queueNames)
    let now: Int64
    /// True while reading the client (MSP) queue.
    var clientQueue: Bool
    /// What the `Total requests:` lines add up to; checked against the messages counted.
    private(set) var reportedTotal: Int? = nil
    private(set) var counted = 0
    private var current: QueuedMessage? = nil
    private var reason: String? = nil
    private var waiting: [String] = []

    init(now: Int64, clientQueue: Bool = false) {
        self.now = now
        self.clientQueue = clientQueue
    }

    mutating func line(_ line: ArraySlice<UInt8>, number: Int) throws(CheckError) {
        let fields = ListingText.fields(line)
        guard let first = fields.first else { return }
        let text = String(decoding: line, as: UTF8.self)
        if text.containsText("MSP Queue status") { commit(); clientQueue = true; return }
        if text.containsText("MTA Queue status") { commit(); clientQueue = false; return }
        if ListingText.hasPrefix(first, "-----Q-ID") { return }
        if text.containsText("Total requests:") {
            commit()
            let n = fields.last.flatMap { ChildNumber.int($0) } ?? 0
            reportedTotal = (reportedTotal ?? 0).addingSaturated(max(0, n))
            return
        }
        let indent = ListingText.indent(line)
        // Queue directory headers: "/var/spool/mqueue (3 requests)", "... is empty", "Mail queue is empty".
        if text.hasSuffix(" is empty") || (first.first == UInt8(ascii: "/") && text.containsText("request")) {
            commit()
            if text.containsText("client") { clientQueue = true }
            return
        }
        if indent == 0 {
            commit()
            current = try message(fields, line: line, number: number)
            return
        }
        guard current != nil else { throw Self.unparseable(line, number: number) }
        let trimmed = text.trimmingBlanksAndNewlines
        if trimmed.hasPrefix("QUARANTINE:") {
            current?.queue = "hold"
            reason = String(trimmed.dropFirst("QUARANTINE:".count)).trimmingBlanksAndNewlines
        } else if let open = trimmed.firstIndex(of: "("), trimmed.last == ")" {
            // "(Deferred: ...)" or "8BITMIME   (reason)": the reason is inside the parentheses.
            var inner = trimmed[trimmed.index(after: open)...].dropLast()
            if inner.hasPrefix("Deferred: ") { inner = inner.dropFirst("Deferred: ".count) }
            reason = String(inner)
        } else if !trimmed.contains(" ") || trimmed.hasPrefix("<") {
            current?.recipients += 1
            if waiting.count < 1000 { waiting.append(SafeText.decode(fields[0])) }
        }
    }

    mutating func finish() { commit() }

    private mutating func commit() {
        guard let message = current else { return }
        tally.add(message)
        counted += 1
        // Recipients of a message that carries a reason (or sits in deferred) are waiting for a retry.
        if message.queue != "active" {
            let grouped = reason.map { DeferralReason.group($0.utf8) }
            for address in waiting { tally.addDeferred(domain: QueueTally.domain(of: address.utf8), reason: grouped) }
        }
        current = nil
        reason = nil
        waiting.removeAll(keepingCapacity: true)
    }

    private func message(_ fields: [ArraySlice<UInt8>], line: ArraySlice<UInt8>, number: Int) throws(CheckError) -> QueuedMessage {
        guard fields.count >= 6, var id = fields.first, let size = ChildNumber.int(fields[1]),
              let arrival = Self.arrival(month: fields[3], day: fields[4], time: fields[5], now: now) else {
            throw Self.unparseable(line, number: number)
        }
        var active = false
        if let flag = id.last, flag == UInt8(ascii: "*") || flag == UInt8(ascii: "X") || flag == UInt8(ascii: "-") {
            active = flag == UInt8(ascii: "*")
            id = id.dropLast()
        }
        guard !id.isEmpty, id.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }) else {
            throw Self.unparseable(line, number: number)
        }
        let queue = clientQueue ? "maildrop" : (active ? "active" : "deferred")
        return QueuedMessage(queue: queue, arrival: arrival, size: size, recipients: 0)
    }

    private static func unparseable(_ line: ArraySlice<UInt8>, number: Int) -> CheckError {
        .unknown("unparseable sendmail -bp output: line \(number): '\(ListingText.quote(line, limit: 60))'")
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sep 29 05:44` in local time; the listing has no year, so it is this year's date unless
    /// that lies more than a day ahead (then last year's).
    static func arrival(month: ArraySlice<UInt8>, day: ArraySlice<UInt8>, time: ArraySlice<UInt8>, now: Int64) -> Int64? {
        guard let m = months.firstIndex(where: { ListingText.equals(month, $0) }),
              let d = ChildNumber.int(day), (1...31).contains(d) else { return nil }
        let hm = time.split(separator: UInt8(ascii: ":"))
        guard hm.count == 2, let h = ChildNumber.int(hm[0]), let mi = ChildNumber.int(hm[1]),
              (0...23).contains(h), (0...59).contains(mi) else { return nil }
        var clock = time_t(now)
        var today = tm()
        guard localtime_r(&clock, &today) != nil else { return nil }
        for yearBack in 0...1 {
            var t = tm()
            t.tm_year = today.tm_year - Int32(yearBack)
            t.tm_mon = Int32(m)
            t.tm_mday = Int32(d)
            t.tm_hour = Int32(h)
            t.tm_min = Int32(mi)
            t.tm_isdst = -1
            let stamp = Int64(mktime(&t))
            if stamp <= now + 86400 { return stamp }
        }
        return nil
    }
}

/// Sendmail through `sendmail -bp` (the MTA queues) and `sendmail -bp -Ac` (the client queue).
struct SendmailBackend: QueueBackend {
    let sendmail: String

    func snapshot(_ context: RunContext, now: Int64) throws(CheckError) -> QueueSnapshot {
        var parser = SendmailQueueParser(now: now)
        for (arguments, client) in [(["-bp"], false), (["-bp", "-Ac"], true)] {
            let command = "sendmail " + arguments.joinedText(" ")
            context.log(2, "running: \(sendmail) \(arguments.joinedText(" "))")
            context.activity(command)
            parser.clientQueue = client
            var lines = LineSplitter()
            let result = try Subprocess.run(sendmail, arguments, deadline: context.deadline) { chunk throws(CheckError) in
                try lines.feed(chunk) { line, number throws(CheckError) in try parser.line(line, number: number) }
            }
            let errors = ChildOutcome.stderrLines(result)
            if let killed = ChildOutcome.killed(command, result) { throw killed }
            if result.exitCode != 0 {
                if ChildOutcome.isPermissionProblem(errors.joinedText("\n")) {
                    throw .unknown("\(command): permission denied for \(ChildOutcome.userName) (Sendmail lists its queue to root, or to the queue directory's group when PrivacyOptions has restrictmailq)", detail: errors)
                }
                throw ChildOutcome.failure(command, result)
            }
            try lines.finish { line, number throws(CheckError) in try parser.line(line, number: number) }
            parser.finish()
        }
        if let reported = parser.reportedTotal, reported != parser.counted {
            throw .unknown("unparseable sendmail -bp output: \(parser.counted) messages read, but it reports \(reported)")
        }
        return QueueSnapshot(tally: parser.tally, mta: "Sendmail")
    }
}
