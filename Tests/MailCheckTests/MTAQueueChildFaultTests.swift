import Foundation
import Testing

/// check_mta_queue when the listing program misbehaves: it hangs, floods stderr, dies of a
/// signal, or stops in the middle of a record. Each fake is a small shell script written by
/// the test and passed with --postqueue or --exim-binary. Never an OK with a partial count.
@Suite struct MTAQueueChildFaultTests {
    /// Writes `body` as an executable script in a fresh directory; returns its path.
    static func fake(_ body: String, name: String = "postqueue") throws -> String {
        let dir = NSTemporaryDirectory() + "mtaq-fault-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/" + name
        try writeExecutable("#!/bin/sh\n" + body + "\n", to: path)
        return path
    }

    static func remove(_ fake: String) {
        try? FileManager.default.removeItem(atPath: (fake as NSString).deletingLastPathComponent)
    }

    static func postfix(_ fake: String, _ arguments: [String] = []) throws -> PluginRun {
        let run = try Plugin.run("check_mta_queue", ["--postqueue", fake] + arguments)
        expectWellFormed(run)
        return run
    }

    /// Processes whose command line mentions `text` (the fake's unique path).
    static func processes(mentioning text: String) -> [String] {
        let run = try? Plugin.exec("/bin/ps", ["-eo", "pid,stat,args"])
        return (run?.stdout ?? "").split(separator: "\n").map(String.init)
            .filter { $0.contains(text) && !$0.contains(" Z ") && !$0.contains(" Z+ ") }
    }

    static let record = #"{"queue_name": "deferred", "queue_id": "A1", "arrival_time": 4102444800, "message_size": 100, "recipients": [{"address": "u@x.example", "delay_reason": "refused"}]}"#

    @Test func hangingListingIsUnknownNamingTheCommandAndTheTimeout() throws {
        // It ignores SIGTERM and leaves a child of its own holding the pipe.
        let fake = try Self.fake("trap '' TERM INT HUP\necho '\(Self.record)'\nsleep 30 &\nwait\nsleep 30")
        defer { Self.remove(fake) }
        let run = try Self.postfix(fake, ["-t", "1"])
        #expect(run.code == 3, "\(run)")
        #expect(run.status == "MTA_QUEUE UNKNOWN - timed out after 1 s waiting for \(fake)", "\(run)")
        #expect(run.seconds < 1 + Plugin.lateness, "within -t plus Plugin.lateness: \(run.seconds) s")
        #expect(run.seconds >= 0.9)
        // The whole process group is gone, the stray sleep included.
        var left = Self.processes(mentioning: fake)
        for _ in 0..<20 where !left.isEmpty { usleep(50_000); left = Self.processes(mentioning: fake) }
        #expect(left.isEmpty, "\(left)")
    }

    @Test func stderrFloodIsSummarisedInBoundedMemory() throws {
        let fake = try Self.fake("yes 'postqueue: warning: noise' | head -n 2000000 >&2\necho 'postqueue: fatal: the real cause' >&2\nexit 75")
        defer { Self.remove(fake) }
        let rss = NSTemporaryDirectory() + "rss-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: rss) }
        let run = try Plugin.exec("/usr/bin/time", ["-o", rss, "-f", "%M", Plugin.binDir + "/check_mta_queue", "--postqueue", fake, "-v"])
        expectWellFormed(run)
        #expect(run.code == 3, "\(run)")
        #expect(run.status == "MTA_QUEUE UNKNOWN - postqueue -j failed (exit 75): postqueue: fatal: the real cause")
        let kib = peakKiB(rss)
        #expect(kib < 64 * 1024, "peak RSS \(kib) KiB for 50 MB of stderr")
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count < 30, "long output is a summary: \(lines.count) lines")
        #expect(run.stdout.contains(" bytes of stderr not shown]\n"), "\(run)")
        #expect(run.stdout.hasSuffix("\npostqueue: fatal: the real cause\n"), "\(run)")
    }

    @Test func stderrFloodBesideAGoodListingKeepsTheCountAndABoundedReport() throws {
        let fake = try Self.fake("echo '\(Self.record)'\nyes 'postqueue: warning: noise' | head -n 200000 >&2")
        defer { Self.remove(fake) }
        let run = try Self.postfix(fake, ["-v"])
        #expect(run.code == 0, "\(run)")
        #expect(run.metric("messages") == 1)
        #expect(run.stdout.split(separator: "\n").count < 40, "\(run.stdout.split(separator: "\n").count) lines")
    }

    @Test(arguments: [(9, "SIGKILL"), (11, "SIGSEGV"), (15, "SIGTERM")])
    func listingKilledBySignalIsUnknown(signal: Int, name: String) throws {
        // Whole records first, then half of one: what was read must not become a count.
        let fake = try Self.fake("echo '\(Self.record)'\nprintf '%s' '{\"queue_name\": \"deferred\", \"arrival_ti'\nkill -\(signal) $$")
        defer { Self.remove(fake) }
        let run = try Self.postfix(fake)
        #expect(run.code == 3, "\(run)")
        #expect(run.status == "MTA_QUEUE UNKNOWN - postqueue killed by signal \(signal) (\(name))", "\(run)")
    }

    @Test func partialRecordThenExitZeroIsUnknown() throws {
        let fake = try Self.fake("echo '\(Self.record)'\nprintf '%s' '{\"queue_name\": \"deferred\", \"arrival_ti'\nexit 0")
        defer { Self.remove(fake) }
        let run = try Self.postfix(fake)
        #expect(run.code == 3, "\(run)")
        #expect(run.status == "MTA_QUEUE UNKNOWN - unparseable postqueue -j output: line 2: the output ends inside a JSON value", "\(run)")
    }

    @Test func wholeRecordsThenFailureWithoutAWordIsUnknown() throws {
        let fake = try Self.fake("echo '\(Self.record)'\necho '\(Self.record)'\nexit 1")
        defer { Self.remove(fake) }
        let run = try Self.postfix(fake)
        #expect(run.code == 3, "\(run)")
        #expect(run.status == "MTA_QUEUE UNKNOWN - postqueue -j failed (exit 1)", "\(run)")
    }

    @Test func eximKilledInTheMiddleOfAMessageIsUnknown() throws {
        let fake = try Self.fake("printf '25m  2.9K 1xWCp2-000342-1u <a@example.org>\\n          rcpt@dead.example\\n 3h  1.2K 1xWC'\nkill -9 $$", name: "exim4")
        defer { Self.remove(fake) }
        let run = try Plugin.run("check_mta_queue", ["--exim-binary", fake])
        expectWellFormed(run)
        #expect(run.code == 3, "\(run)")
        #expect(run.status == "MTA_QUEUE UNKNOWN - exim4 killed by signal 9 (SIGKILL)", "\(run)")
    }
}
