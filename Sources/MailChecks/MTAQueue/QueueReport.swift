import CheckKit

/// The three threshold pairs of check_mta_queue and the queue they apply to (nil: all).
struct QueueThresholds {
    var count = Thresholds()
    var age = Thresholds()
    var size = Thresholds()
    var queue: String? = nil
}

/// Turns a queue snapshot into the report: the thresholded results first (they decide the
/// state and the first line), then perfdata for every queue, then the long output an operator
/// reads at 3 am: per-queue lines, the most frequent deferral reasons, the domains waiting.
struct QueueReport {
    let snapshot: QueueSnapshot
    let thresholds: QueueThresholds
    let top: Int
    let now: Int64

    func build() -> CheckReport {
        let tally = snapshot.tally
        let scoped = thresholds.queue != nil
        let scope: QueueCount = thresholds.queue.flatMap { tally.queue($0) } ?? total
        let noun = scoped ? "\(scope.name) message" : "message"
        let age = Double(scope.oldestAge(now: now) ?? 0)
        var results: [CheckResult] = []
        if let reason = snapshot.downReason {
            results.append(CheckResult(.critical, reason))
        }
        // The states; the same thresholds go into the perfdata below.
        results.append(CheckResult(thresholds.count.evaluate(Double(scope.messages)),
                                   "\(scope.messages) \(Self.plural(noun, scope.messages))\(scoped ? "" : " queued")"))
        results.append(CheckResult(thresholds.age.evaluate(age),
                                   scope.messages == 0 ? "no \(noun) waiting" : "oldest \(noun) \(Self.duration(age)) old",
                                   inSummary: false))
        if snapshot.sizesKnown {
            results.append(CheckResult(thresholds.size.evaluate(Double(scope.bytes)),
                                       "\(NumberFormat.bytes(Double(scope.bytes))) in \(scoped ? "the \(scope.name) queue" : "the queues")",
                                       inSummary: false))
        } else if !thresholds.size.isEmpty {
            results.append(CheckResult(.unknown, "\(snapshot.mta) does not list message sizes (--size-warning/--size-critical)"))
        }
        results.append(CheckResult(.ok, "", perfdata: perfdata(scope: scope, scopeAge: age), inSummary: false))
        return CheckReport(name: MTAQueueCheck.pluginName, results: results,
                           okSummary: okSummary(scope: scope, scoped: scoped, age: age), details: details())
    }

    /// `messages`, one count per queue, `oldest_age`, `bytes`, `recipients`; the count
    /// thresholds ride on `messages`, or with --queue on that queue's count, which then also
    /// gets `NAME_oldest_age` and `NAME_bytes` with the age and size thresholds, so the
    /// unprefixed labels always mean all queues.
    private func perfdata(scope: QueueCount, scopeAge: Double) -> [PerfDatum] {
        let tally = snapshot.tally
        let scoped = thresholds.queue != nil
        var out: [PerfDatum?] = [PerfDatum("messages", Double(tally.messages), thresholds: scoped ? Thresholds() : thresholds.count, min: 0)]
        for queue in tally.queues {
            let own = scoped && queue.name == scope.name ? thresholds.count : Thresholds()
            out.append(PerfDatum(queue.name, Double(queue.messages), thresholds: own, min: 0))
        }
        let overallAge = Double(tally.oldestArrival.map { QueueCount.age(of: $0, now: now) } ?? 0)
        out.append(PerfDatum("oldest_age", overallAge, unit: .seconds, thresholds: scoped ? Thresholds() : thresholds.age, min: 0))
        if snapshot.sizesKnown {
            out.append(PerfDatum("bytes", Double(tally.bytes), unit: .bytes, thresholds: scoped ? Thresholds() : thresholds.size, min: 0))
        }
        out.append(PerfDatum("recipients", Double(tally.recipients), min: 0))
        if scoped {
            out.append(PerfDatum("\(scope.name)_oldest_age", scopeAge, unit: .seconds, thresholds: thresholds.age, min: 0))
            if snapshot.sizesKnown {
                out.append(PerfDatum("\(scope.name)_bytes", Double(scope.bytes), unit: .bytes, thresholds: thresholds.size, min: 0))
            }
        }
        return out.compactMap { $0 }
    }

    /// All queues as one, for the unscoped thresholds.
    private var total: QueueCount {
        var all = QueueCount(name: "all")
        all.messages = snapshot.tally.messages
        all.bytes = snapshot.tally.bytes
        all.recipients = snapshot.tally.recipients
        all.oldestArrival = snapshot.tally.oldestArrival
        return all
    }

    private func okSummary(scope: QueueCount, scoped: Bool, age: Double) -> String {
        let tally = snapshot.tally
        if tally.messages == 0 { return "\(snapshot.mta): queues empty" }
        var text = "\(snapshot.mta): \(tally.messages) \(Self.plural("message", tally.messages)) queued"
        if scoped {
            text += ", \(scope.messages) \(scope.name)"
            if scope.messages > 0 { text += " (oldest \(Self.duration(age)))" }
        } else {
            let busiest = tally.queues.filter { $0.messages > 0 }.sorted { $0.messages > $1.messages }.prefix(2)
            // "(12 queued)" after "12 messages queued" would say nothing.
            if !(busiest.count == 1 && busiest.first?.name == "queued") {
                text += " (" + busiest.map { "\($0.messages) \($0.name)" }.joinedText(", ") + ")"
            }
            text += ", oldest \(Self.duration(age))"
        }
        return snapshot.sizesKnown ? text + ", " + NumberFormat.bytes(Double(tally.bytes)) : text
    }

    private func details() -> [String] {
        let tally = snapshot.tally
        var lines: [String] = []
        for queue in tally.queues {
            var line = "\(queue.name): \(queue.messages) \(Self.plural("message", queue.messages))"
            if queue.messages > 0 {
                line += ", \(queue.recipients) \(Self.plural("recipient", queue.recipients))"
                if snapshot.sizesKnown { line += ", \(NumberFormat.bytes(Double(queue.bytes)))" }
                if let age = queue.oldestAge(now: now) { line += ", oldest \(Self.duration(Double(age)))" }
            }
            lines.append(line)
        }
        if top > 0 {
            lines += Self.topList("deferral reasons (recipients per reason)", tally.reasons, top: top)
            lines += Self.topList("recipient domains with most deferred mail", tally.domains, top: top)
        }
        return lines + snapshot.notes
    }

    private static func topList(_ title: String, _ counter: TopCounter, top: Int) -> [String] {
        guard counter.total > 0 else { return [] }
        var head = "\(title), top \(min(top, counter.distinct)) of \(counter.distinct)\(counter.approximate ? "+ (counts approximate)" : ""):"
        if counter.distinct <= top { head = "\(title):" }
        return [head] + counter.top(top).map { "  \($0.count) x \($0.key)" }
    }

    static func plural(_ noun: String, _ n: Int) -> String { n == 1 ? noun : noun + "s" }

    /// A waiting time for people: `42 s`, `17 min`, `2 h 5 min`, `3 d 4 h`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(max(0, min(seconds, 9e15)))
        if s < 120 { return "\(s) s" }
        if s < 7200 { return "\(s / 60) min" }
        if s < 172_800 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86400) d \(s % 86400 / 3600) h"
    }
}
