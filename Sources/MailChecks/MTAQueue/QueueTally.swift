import CheckKit
/// The totals of one queue (Postfix's deferred, Exim's frozen, ...).
struct QueueCount: Equatable {
    let name: String
    var messages = 0
    var bytes = 0
    var recipients = 0
    /// Arrival time (epoch seconds) of the oldest message, nil while the queue is empty.
    var oldestArrival: Int64? = nil

    init(name: String) { self.name = name }

    /// Age in seconds of the oldest message at `now`; nil when empty. Never negative: a
    /// message stamped in the future (clock steps) counts as just arrived.
    func oldestAge(now: Int64) -> Int64? {
        oldestArrival.map { Self.age(of: $0, now: now) }
    }

    /// `now - arrival`, at least 0, held at `Int64.max` for arrival times from child output
    /// so far in the past that the difference would overflow.
    static func age(of arrival: Int64, now: Int64) -> Int64 {
        guard now > arrival else { return 0 }
        let (difference, overflow) = now.subtractingReportingOverflow(arrival)
        return overflow ? Int64.max : difference
    }
}

/// One queued message as a backend reports it, before it is counted.
struct QueuedMessage {
    var queue: String
    var arrival: Int64
    var size: Int
    var recipients: Int
}

/// Everything measured about the queues of one MTA, accumulated message by message in
/// memory that does not grow with the queue: fixed counters per queue, bounded top lists
/// of deferral reasons and recipient domains.
struct QueueTally {
    /// The backend's queues in report order; messages in a queue not listed get their own
    /// entry (at most `maxExtraQueues` of them, the rest count as "other").
    private(set) var queues: [QueueCount]
    private(set) var reasons = TopCounter()
    private(set) var domains = TopCounter()
    private let backendQueues: Int
    static let maxExtraQueues = 8

    init(queueNames: [String]) {
        queues = queueNames.map { QueueCount(name: $0) }
        backendQueues = queues.count
    }

    var messages: Int { queues.reduce(0) { $0.addingSaturated($1.messages) } }
    var bytes: Int { queues.reduce(0) { $0.addingSaturated($1.bytes) } }
    var recipients: Int { queues.reduce(0) { $0.addingSaturated($1.recipients) } }
    var oldestArrival: Int64? { queues.compactMap(\.oldestArrival).min() }

    /// The queue named `name`, if the backend has it or a message was in it.
    func queue(_ name: String) -> QueueCount? { queues.first { $0.name == name } }

    /// Counts one message.
    mutating func add(_ m: QueuedMessage) {
        let i = slot(for: m.queue)
        queues[i].messages = queues[i].messages.addingSaturated(1)
        queues[i].bytes = queues[i].bytes.addingSaturated(max(0, m.size))
        queues[i].recipients = queues[i].recipients.addingSaturated(max(0, m.recipients))
        if let oldest = queues[i].oldestArrival, oldest <= m.arrival { return }
        queues[i].oldestArrival = m.arrival
    }

    /// Counts a recipient that is waiting for a retry: its domain and (already grouped with
    /// `DeferralReason.group`) the reason given, when the backend tells it.
    mutating func addDeferred(domain: String, reason: String?) {
        domains.add(domain)
        if let reason { reasons.add(reason) }
    }

    private mutating func slot(for name: String) -> Int {
        if let i = queues.firstIndex(where: { $0.name == name }) { return i }
        var label = Self.queueLabel(name)
        if let i = queues.firstIndex(where: { $0.name == label }) { return i }
        if queues.count >= backendQueues + Self.maxExtraQueues {
            label = "other"
            if let i = queues.firstIndex(where: { $0.name == label }) { return i }
        }
        queues.append(QueueCount(name: label))
        return queues.count - 1
    }

    /// A queue name from the child's output made safe for perfdata and text.
    static func queueLabel(_ name: String) -> String {
        let kept = name.lowercased().unicodeScalars.prefix(19).filter {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
        return kept.isEmpty ? "other" : String(String.UnicodeScalarView(kept))
    }

    /// The domain of an address (UTF-8 bytes), lower-cased: `user@Example.NET` -> `example.net`;
    /// an address without a domain is `(local)`.
    static func domain<Bytes: BidirectionalCollection<UInt8>>(of address: Bytes) -> String {
        var text = address[...]
        if text.first == UInt8(ascii: "<") { text = text.dropFirst() }
        if text.last == UInt8(ascii: ">") { text = text.dropLast() }
        guard let at = text.lastIndex(of: UInt8(ascii: "@")) else { return "(local)" }
        let domain = text[text.index(after: at)...].prefix(255).map { b -> UInt8 in
            (0x41...0x5A).contains(b) ? b | 0x20 : (b < 0x20 || b == 0x7F ? UInt8(ascii: "?") : b)
        }
        return domain.isEmpty ? "(local)" : SafeText.decode(domain)
    }
}

extension Int {
    /// `self + other`, held at `Int.max` instead of trapping: sizes come from child output.
    func addingSaturated(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? Int.max : Int.min) : sum
    }
}
