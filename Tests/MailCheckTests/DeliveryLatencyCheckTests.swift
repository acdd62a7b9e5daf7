import Foundation
import Testing

/// check_delivery_latency end to end: the built binary sends through the real Postfix, which
/// delivers over LMTP to the real Dovecot, and watches bob's INBOX (which other tests may fill
/// at the same time: nothing here assumes it is empty).
@Suite struct DeliveryLatencyCheckTests {
    let host = MailStack.host
    let bob = DeliveryLab.bob

    @Test func roundTripIsOKWithPerfdataAndLeavesNoProbe() throws {
        let name = DeliveryLab.checkName("round")
        let run = try Plugin.run("check_delivery_latency", DeliveryLab.arguments(name) +
                                 ["-w", "5", "-c", "10", "--submit-warning", "3", "--submit-critical", "6", "-v"])
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.hasPrefix("DELIVERY_LATENCY OK - probe delivered to \(bob.name) in "), "\(run)")
        #expect(run.perfdata.hasPrefix("latency="), "\(run)")
        #expect(run.perfdata.contains("s;5;10;0 submit="), "\(run)")
        #expect(run.perfdata.contains("s;3;6;0 total="), "\(run)")
        #expect(run.perfdata.hasSuffix(" stale_removed=0;;;0"), "\(run)")
        let latency = try #require(run.metric("latency"))
        let total = try #require(run.metric("total"))
        #expect(latency > 0 && latency < total, "\(run)")
        // Millisecond resolution: the value carries at least three decimals.
        #expect(run.perfdata.firstMatch(of: #/latency=\d+\.\d{3,}s/#) != nil, "\(run)")
        #expect(run.stdout.contains("\nhops (Received headers, oldest first;"), "\(run)")
        #expect(run.stdout.contains("(Postfix, ESMTP, id "), "\(run)")
        #expect(run.stdout.contains("(LMTP, id "), "\(run)")
        #expect(run.stdout.contains("deleted (UID STORE \\Deleted, UID EXPUNGE)"), "\(run)")
        let token = try #require(DeliveryLab.token(run.stdout))
        #expect(token.hasPrefix("mailcheck/\(name)/"))
        #expect(try DeliveryLab.probes(containing: token).isEmpty)
    }

    /// User mail, some of it looking like probes, is the same byte for byte and flag for flag
    /// afterwards (\Recent aside: it belongs to whichever session selects the folder first).
    @Test func userMailIsUntouchedAlsoWhenItLooksLikeAProbe() throws {
        let name = DeliveryLab.checkName("untouched")
        let old = "1000"
        let hex = String(repeating: "ab", count: 16)
        let fixtures: [(String, [String])] = [
            ("From: a@example.net\nSubject: lunch\n\nSee you at noon.\n", []),
            ("From: a@example.net\nSubject: read and flagged\n\nold news\n", ["\\Seen", "\\Flagged"]),
            // The user's own deleted mail: a plain EXPUNGE or CLOSE would take it away.
            ("From: a@example.net\nSubject: deleted by the user\n\nnot yet expunged\n", ["\\Deleted", "\\Seen"]),
            ("From: probe@example.test\nSubject: mailcheck delivery probe mailcheck/\(name)/\(old)/\(hex)@vm\n\nsubject only\n", []),
            ("From: probe@example.test\nSubject: forged\nX-Mailcheck-Probe: mailcheck/\(name)/\(old)/\(hex)@vm trailing\n\nnot a token\n", []),
            ("From: probe@example.test\nSubject: twice\nX-Mailcheck-Probe: mailcheck/\(name)/\(old)/\(hex)@vm\nX-Mailcheck-Probe: mailcheck/\(name)/\(old)/\(hex)@vm\n\ntwo headers\n", []),
            ("From: probe@example.test\nSubject: other check\nX-Mailcheck-Probe: mailcheck/other-\(name)/\(old)/\(hex)@vm\n\nanother check's probe\n", ["\\Seen"]),
            ("From: probe@example.test\nSubject: in the body\n\nX-Mailcheck-Probe: mailcheck/\(name)/\(old)/\(hex)@vm\n", []),
        ]
        var uids: [Int] = []
        defer { try? DeliveryLab.remove(uids) }
        for (text, flags) in fixtures { uids.append(try DeliveryLab.addFixture(text, flags: flags)) }
        let before = try uids.map(DeliveryLab.snapshot)
        for fixture in before { #expect(!fixture.text.isEmpty) }
        // Twice, the second time with a sweep that would take every fixture if it trusted subjects or loose headers.
        let first = try Plugin.run("check_delivery_latency", DeliveryLab.arguments(name))
        #expect(first.code == 0, "\(first)")
        let second = try Plugin.run("check_delivery_latency", DeliveryLab.arguments(name) + ["-t", "5", "--stale-after", "6", "-v"])
        expectWellFormed(second)
        #expect(second.code == 0, "\(second)")
        #expect(second.metric("stale_removed") == 0, "\(second)")
        let after = try uids.map(DeliveryLab.snapshot)
        for (index, (was, now)) in zip(before, after).enumerated() {
            #expect(was.text == now.text, "fixture \(index) changed")
            #expect(was.flags == now.flags, "fixture \(index) flags changed: \(was.flags) -> \(now.flags)")
        }
        #expect(after[2].flags.contains("\\Deleted"))
    }

    @Test func twoConcurrentRunsBothSucceedAndLeaveNoProbe() async throws {
        let name = DeliveryLab.checkName("overlap")
        let arguments = DeliveryLab.arguments(name) + ["-v"]
        async let a = Task.detached { try Plugin.run("check_delivery_latency", arguments) }.value
        async let b = Task.detached { try Plugin.run("check_delivery_latency", arguments) }.value
        let runs = try await [a, b]
        for run in runs {
            expectWellFormed(run)
            #expect(run.code == 0, "\(run)")
            #expect(run.metric("stale_removed") == 0, "\(run)")
        }
        let tokens = runs.compactMap { DeliveryLab.token($0.stdout) }
        #expect(Set(tokens).count == 2)
        #expect(try DeliveryLab.probes(containing: "mailcheck/\(name)/").isEmpty)
    }

    /// The probe waits in Postfix's deferred queue: CRITICAL at the deadline. Once released and
    /// delivered, the next run of the same check sweeps it.
    @Test func deferredProbeIsCriticalAtTheDeadlineAndSweptByALaterRun() throws {
        let name = DeliveryLab.checkName("deferred")
        let sender = "\(name)@\(MailStack["MAIL_DOMAIN"])"
        defer { DeliveryLab.cleanUp(checkName: name, sender: sender) }
        let late = try Plugin.run("check_delivery_latency", DeliveryLab.arguments(name) + ["--to", MailStack["DEFERRED_RCPT"], "--from", sender, "-t", "2"])
        expectWellFormed(late)
        #expect(late.code == 2, "\(late)")
        // The waited time is measured: a bound, never an exact figure.
        let prefix = "DELIVERY_LATENCY CRITICAL - probe not delivered after "
        #expect(late.status.hasPrefix(prefix) && late.status.hasSuffix(" s"), "\(late)")
        let waited = Double(late.status.dropFirst(prefix.count).dropLast(2)) ?? -1
        #expect(waited >= 1 && waited <= 2.1, "\(late)")
        #expect(late.metric("latency") == nil && late.metric("submit") != nil)
        #expect(late.stdout.contains("stays for a later run with --check-name \(name) to remove"), "\(late)")
        let queueID = try #require(DeliveryLab.queueID(late.stdout), "\(late)")
        let token = try #require(DeliveryLab.token(late.stdout))
        try DeliveryLab.release(queueID)
        #expect(try DeliveryLab.eventually(10) { try !DeliveryLab.probes(containing: token).isEmpty }, "released probe never arrived")
        // The sweep takes only probes older than --stale-after (which must exceed -t), by the send time in the token.
        let sentMillis = try #require(Double(token.split(separator: "/")[2]))
        let age = Date().timeIntervalSince1970 - sentMillis / 1000
        if age < 2.7 { usleep(UInt32((2.7 - age) * 1e6)) }
        let later = try Plugin.run("check_delivery_latency", DeliveryLab.arguments(name) + ["-t", "2", "--stale-after", "2.5", "-v"])
        expectWellFormed(later)
        #expect(later.code == 0, "\(later)")
        #expect(later.metric("stale_removed") == 1, "\(later)")
        #expect(later.status.contains(", 1 stale probe removed"), "\(later)")
        #expect(try DeliveryLab.probes(containing: token).isEmpty)
    }

    /// A probe that takes a few seconds: the pauses between looks grow, IDLE fills them, and
    /// the latency is still measured to about a tenth.
    @Test func slowDeliveryIsFoundWhileIdling() throws {
        let name = DeliveryLab.checkName("idle")
        let result = Locked<PluginRun?>(nil)
        // A sender of its own tells this probe apart from other tests' in the deferred queue.
        let sender = "\(name)@\(MailStack["MAIL_DOMAIN"])"
        defer { DeliveryLab.cleanUp(checkName: name, sender: sender) }
        let thread = Thread {
            result.set(try? Plugin.run("check_delivery_latency", DeliveryLab.arguments(name) +
                                       ["--to", MailStack["DEFERRED_RCPT"], "--from", sender, "-t", "10", "-v"]))
        }
        thread.start()
        var queued: String?
        _ = DeliveryLab.eventually(5) { queued = DeliveryLab.deferred(from: sender).first; return queued != nil }
        let id = try #require(queued, "the probe never reached the deferred queue")
        usleep(3_000_000)
        try DeliveryLab.release(id)
        #expect(DeliveryLab.eventually(12) { result.get() != nil })
        let run = try #require(result.get())
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        let latency = try #require(run.metric("latency"))
        #expect(latency > 2.9 && latency < 6, "\(run)")
        #expect(run.stdout.contains("IDLE between looks"), "\(run)")
    }
}

/// A value shared between a test and a thread it started.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ new: Value) { lock.lock(); value = new; lock.unlock() }
}
