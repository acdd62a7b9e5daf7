import Foundation
import Testing

/// check_mta_queue end to end with a stand-in for the MTA's listing program
/// (Fixtures/mta_queue/fake-mta.sh): every way the child can fail, every option error,
/// the threshold range forms on ages, and the other backends' listings.
@Suite struct MTAQueueCheckTests {
    static let fixtures = Plugin.root + "/Tests/MailCheckTests/Fixtures/mta_queue/"
    static let fake = fixtures + "fake-mta.sh"
    /// Listings written by the tests: a directory of this test process's own, so neither an
    /// earlier run nor another user's leaves anything in the way.
    static let scratch: String = {
        let dir = NSTemporaryDirectory() + "mailcheck-mtaq-tests-\(getuid())-\(getpid())-\(UUID().uuidString.prefix(8))/"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()
    /// The user the checks run as: the messages name it (root in CI, anyone with test-fast.sh).
    static let user = getpwuid(geteuid()).map { String(cString: $0.pointee.pw_name) } ?? "?"

    /// Writes `lines` of `postqueue -j` JSON to a temporary file and returns its path.
    static func jsonFile(_ records: [(queue: String, arrival: Int, size: Int, reason: String?)]) throws -> String {
        let path = Self.scratch + "\(UUID().uuidString).jsonl"
        let text = records.enumerated().map { i, r in
            let rcpt = r.reason.map { "{\"address\": \"u\(i)@dead.example\", \"delay_reason\": \"\($0)\"}" } ?? "{\"address\": \"u\(i)@ok.example\"}"
            return "{\"queue_name\": \"\(r.queue)\", \"queue_id\": \"ID\(i)\", \"arrival_time\": \(r.arrival), \"message_size\": \(r.size), \"forced_expire\": false, \"sender\": \"s@example.net\", \"recipients\": [\(rcpt)]}"
        }.joined(separator: "\n") + (records.isEmpty ? "" : "\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let future = 4_102_444_800   // 2100-01-01: ages clamp to 0, so lines are exact

    static func postfix(_ arguments: [String], stdout: String? = nil, stderr: String? = nil, exit: Int = 0,
                        extra: [String: String] = [:]) throws -> PluginRun {
        var env = ["FAKE_MTA_EXIT": String(exit)]
        if let stdout { env["FAKE_MTA_STDOUT"] = stdout }
        if let stderr { env["FAKE_MTA_STDERR"] = stderr }
        for (k, v) in extra { env[k] = v }
        let run = try Plugin.run("check_mta_queue", ["--postqueue", fake] + arguments, environment: env)
        expectWellFormed(run)
        return run
    }

    @Test func okLineIsExact() throws {
        let file = try Self.jsonFile([("deferred", Self.future, 1000, "connect to mx.dead.example[192.0.2.1]:25: Connection timed out"),
                                      ("deferred", Self.future, 2000, "connect to mx.dead.example[192.0.2.2]:25: Connection timed out"),
                                      ("active", Self.future, 48, nil)])
        let run = try Self.postfix(["-w", "10", "-c", "20"], stdout: file)
        #expect(run.code == 0)
        #expect(run.stdout.split(separator: "\n").first == "MTA_QUEUE OK - Postfix: 3 messages queued (2 deferred, 1 active), oldest 0 s, 3 KiB | messages=3;10;20;0 active=1;;;0 deferred=2;;;0 hold=0;;;0 incoming=0;;;0 maildrop=0;;;0 oldest_age=0s;;;0 bytes=3048B;;;0 recipients=3;;;0")
        let verbose = try Self.postfix(["-v"], stdout: file)
        #expect(verbose.stdout.contains("\n  2 x connect to mx.dead.example[...]:25: Connection timed out\n"))
        #expect(verbose.stdout.contains("\n  2 x dead.example\n"))
    }

    @Test func emptyQueueIsOK() throws {
        let run = try Self.postfix([], stdout: "/dev/null")
        #expect(run.code == 0)
        #expect(run.stdout == "MTA_QUEUE OK - Postfix: queues empty | messages=0;;;0 active=0;;;0 deferred=0;;;0 hold=0;;;0 incoming=0;;;0 maildrop=0;;;0 oldest_age=0s;;;0 bytes=0B;;;0 recipients=0;;;0\n")
    }

    /// What non-root postqueue says when Postfix is stopped.
    @Test func mailSystemDownIsCritical() throws {
        let run = try Self.postfix([], stderr: "postqueue: fatal: Queue report unavailable - mail system is down (Connect to the Postfix showq service: No such file or directory)", exit: 69)
        #expect(run.code == 2)
        #expect(run.status == "MTA_QUEUE CRITICAL - Postfix is down: mail system is down (postqueue: queue report unavailable)")
        #expect(run.stdout.contains("\npostqueue: fatal: Queue report unavailable"))
    }

    /// As root postqueue reads the queue files itself and exits 0: counted, and still CRITICAL.
    @Test func mailSystemDownWithDirectReadIsCriticalWithCounts() throws {
        let file = try Self.jsonFile([("deferred", Self.future, 10, "x")])
        let run = try Self.postfix([], stdout: file, stderr: "postqueue: warning: Mail system is down -- accessing queue directly (Connect to the Postfix showq service: Connection refused)")
        #expect(run.code == 2)
        #expect(run.status == "MTA_QUEUE CRITICAL - Postfix is down (mail system is down; postqueue read the queue files directly)")
        #expect(run.metric("deferred") == 1)
    }

    static let failureCases: [(String, Int, String)] = [
        ("postqueue: fatal: User nagios(117) is not allowed to view the mail queue", 69,
         "MTA_QUEUE UNKNOWN - postqueue: \(user) may not view the mail queue (add it to authorized_mailq_users in /etc/postfix/main.cf)"),
        ("postqueue: error: unauthorized configuration directory name: /etc/postfix-out\npostqueue: fatal: specify \"alternate_config_directories = /etc/postfix-out\" in /etc/postfix/main.cf", 1,
         "MTA_QUEUE UNKNOWN - postqueue -c /etc/postfix: not allowed for \(user) (run as root, or list the directory in alternate_config_directories of /etc/postfix/main.cf)"),
        ("postqueue: invalid option -- 'j'\npostqueue: fatal: usage: postqueue -f | postqueue -p | postqueue -s site", 64,
         "MTA_QUEUE UNKNOWN - postqueue does not know -j (Postfix 3.1 or later is needed)"),
        ("postqueue: fatal: open /etc/postfix/main.cf: Permission denied", 75,
         "MTA_QUEUE UNKNOWN - postqueue: permission denied for \(user) (postqueue must be setgid postdrop; postqueue: fatal: open /etc/postfix/main.cf: Permission denied)"),
        ("something else went wrong", 5, "MTA_QUEUE UNKNOWN - postqueue -j failed (exit 5): something else went wrong"),
    ]

    @Test(arguments: failureCases)
    func postqueueFailuresAreUnknownAndSpecific(stderr: String, exit: Int, line: String) throws {
        let run = try Self.postfix([], stderr: stderr, exit: exit)
        #expect(run.code == 3)
        #expect(run.status == line)
    }

    @Test func unparseableOutputIsUnknown() throws {
        let file = Self.scratch + "\(UUID().uuidString).txt"
        try "Mail queue is empty\n".write(toFile: file, atomically: true, encoding: .utf8)
        let run = try Self.postfix([], stdout: file)
        #expect(run.code == 3)
        #expect(run.status == "MTA_QUEUE UNKNOWN - unparseable postqueue -j output: line 1: expected '{' at the start of a record, found 'M'")
    }

    /// Whatever the child prints (absurd numbers, binary junk), the plugin's output keeps its form.
    @Test func absurdOrBinaryOutputStaysWellFormed() throws {
        let absurd = Self.scratch + "\(UUID().uuidString).jsonl"
        try (#"{"queue_name":"deferred","arrival_time":-99999999999999999999999,"message_size":1e300,"recipients":[{"address":"@","delay_reason":"\u0000|x\n"}]}"# + "\n")
            .write(toFile: absurd, atomically: true, encoding: .utf8)
        let run = try Self.postfix(["--age-critical", "1", "-v"], stdout: absurd)
        #expect(run.code == 2)
        #expect(run.perfdata.contains("oldest_age=9223372036854776000s;;1;0"))
        #expect(!run.stdout.contains("nan") && !run.stdout.contains("inf"))
        let junk = Self.scratch + "\(UUID().uuidString).bin"
        var bytes = [UInt8](repeating: 0, count: 4096)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 7919 &+ 13) }
        try Data(bytes).write(to: URL(fileURLWithPath: junk))
        for option in ["--postqueue", "--exim-binary", "--sendmail-binary", "--smtpctl"] {
            let garbled = try Plugin.run("check_mta_queue", [option, Self.fake], environment: ["FAKE_MTA_STDOUT": junk])
            expectWellFormed(garbled)
            #expect(garbled.code == 3, "\(option): \(garbled)")
            #expect(garbled.status.hasPrefix("MTA_QUEUE UNKNOWN - unparseable "), "\(option): \(garbled)")
        }
    }

    @Test func missingProgramIsUnknown() throws {
        let run = try Plugin.run("check_mta_queue", ["--postqueue", "/nonexistent/postqueue"])
        expectWellFormed(run)
        #expect(run.code == 3)
        #expect(run.status == "MTA_QUEUE UNKNOWN - /nonexistent/postqueue (--postqueue): not found")
    }

    @Test func timeoutIsUnknownForThisLocalCheck() throws {
        let run = try Self.postfix(["-t", "1"], extra: ["FAKE_MTA_SLEEP": "5"])
        #expect(run.code == 3)
        #expect(run.status.hasPrefix("MTA_QUEUE UNKNOWN - timed out after 1 s"))
        #expect(run.seconds < 3)
        let critical = try Self.postfix(["-t", "1:critical"], extra: ["FAKE_MTA_SLEEP": "5"])
        #expect(critical.code == 2)
    }

    static let optionCases: [([String], String)] = [
        (["--queue", "bogus"], "MTA_QUEUE UNKNOWN - invalid value 'bogus' for --queue: expected one of active, deferred, hold, incoming, maildrop, queued, frozen"),
        (["--mta", "exim", "--queue", "deferred"], "MTA_QUEUE UNKNOWN - invalid value 'deferred' for --queue: Exim has the queues queued, frozen"),
        (["-w", "10x"], "MTA_QUEUE UNKNOWN - invalid range '10x' for -w/--warning: '10x' is not a number"),
        (["--age-critical", "5:1"], "MTA_QUEUE UNKNOWN - invalid range '5:1' for --age-critical: start is greater than end"),
        (["--size-warning", ""], "MTA_QUEUE UNKNOWN - invalid range '' for --size-warning: empty range"),
        (["--mta", "qmail"], "MTA_QUEUE UNKNOWN - invalid value 'qmail' for --mta: expected one of postfix, exim, sendmail, opensmtpd"),
        (["--mta", "postfix", "--exim-binary", "/usr/sbin/exim4"], "MTA_QUEUE UNKNOWN - --exim-binary applies only to --mta exim, not postfix"),
        (["--top", "99"], "MTA_QUEUE UNKNOWN - invalid value '99' for --top: expected a whole number from 0 to 50"),
        (["stray"], "MTA_QUEUE UNKNOWN - unexpected argument 'stray'"),
    ]

    @Test(arguments: optionCases)
    func badOptionsNameTheOption(arguments: [String], line: String) throws {
        let run = try Plugin.run("check_mta_queue", arguments)
        expectWellFormed(run)
        #expect(run.code == 3)
        #expect(run.status == line)
    }

    /// The age of the oldest message (an hour) against every range form.
    static let ageCases: [([String], Int32)] = [
        (["--age-warning", "1800"], 1), (["--age-warning", "7200"], 0),
        (["--age-critical", "7200:"], 2), (["--age-critical", "1800:"], 0),
        (["--age-critical", "~:1800"], 2), (["--age-critical", "~:7200"], 0),
        (["--age-warning", "3700:7200"], 1), (["--age-warning", "1800:7200"], 0),
        (["--age-critical", "@1800:7200"], 2), (["--age-critical", "@0:1800"], 0),
        (["--age-warning", "1800", "--age-critical", "3000"], 2), (["--age-warning", "1800", "--age-critical", "7200"], 1),
    ]

    @Test(arguments: ageCases)
    func ageRangeForms(arguments: [String], code: Int32) throws {
        let now = Int(Date().timeIntervalSince1970)
        let file = try Self.jsonFile([("deferred", now - 3600, 100, "r"), ("active", now - 60, 100, nil)])
        let run = try Self.postfix(arguments, stdout: file)
        #expect(run.code == code, "\(arguments): \(run)")
        if code != 0 { #expect(run.status.contains(" - oldest message 60 min old"), "\(run)") }
        #expect(run.perfdata.contains("oldest_age=3600s;") || run.perfdata.contains("oldest_age=3601s;"))
    }

    @Test func queueScopesAllThresholds() throws {
        let now = Int(Date().timeIntervalSince1970)
        let file = try Self.jsonFile([("hold", now - 86400 * 3, 5000, nil), ("deferred", now - 600, 100, "r"), ("deferred", now - 300, 100, "r")])
        let run = try Self.postfix(["--queue", "deferred", "-w", "1", "-c", "5", "--age-warning", "3600", "--size-critical", "150"], stdout: file)
        #expect(run.code == 2)
        #expect(run.status == "MTA_QUEUE CRITICAL - 200 B in the deferred queue, 2 deferred messages")
        #expect(run.perfdata.contains("messages=3;;;0 active=0;;;0 deferred=2;1;5;0 hold=1;;;0"))
        #expect(run.perfdata.contains("deferred_oldest_age=600s;3600;;0") || run.perfdata.contains("deferred_oldest_age=601s;3600;;0"))
        #expect(run.perfdata.hasSuffix("deferred_bytes=200B;;150;0"))
        // The three-day-old held message would break the age threshold on all queues.
        let all = try Self.postfix(["--age-warning", "3600"], stdout: file)
        #expect(all.code == 1)
        #expect(all.status == "MTA_QUEUE WARNING - oldest message 3 d 0 h old")
    }

    @Test func jsonOutputCarriesStateAndMetrics() throws {
        let file = try Self.jsonFile([("deferred", Self.future, 10, "r")])
        let run = try Self.postfix(["--output-format", "json", "-c", "0"], stdout: file)
        #expect(run.code == 2)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(object?["state"] as? String == "CRITICAL")
        let metrics = object?["metrics"] as? [[String: Any]] ?? []
        #expect(metrics.first { $0["label"] as? String == "messages" }?["critical"] as? String == "0")
    }

    // MARK: the other backends through the same stand-in

    @Test func eximListingAndArguments() throws {
        let args = Self.scratch + "args-\(UUID().uuidString)"
        let run = try Plugin.run("check_mta_queue", ["--exim-binary", Self.fake, "--config", "/etc/exim4/other.conf", "--queue", "frozen", "-c", "0"],
                                 environment: ["FAKE_MTA_STDOUT": Self.fixtures + "exim-4.97-bpr.txt", "FAKE_MTA_ARGS_FILE": args])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "MTA_QUEUE CRITICAL - 1 frozen message")
        #expect(try String(contentsOfFile: args, encoding: .utf8) == "-C /etc/exim4/other.conf -bpr\n")
    }

    @Test func eximPermissionDeniedSaysWhoMay() throws {
        let run = try Plugin.run("check_mta_queue", ["--exim-binary", Self.fake],
                                 environment: ["FAKE_MTA_STDERR": "exim: permission denied", "FAKE_MTA_EXIT": "1"])
        expectWellFormed(run)
        #expect(run.code == 3)
        #expect(run.status == "MTA_QUEUE UNKNOWN - fake-mta.sh -bp: permission denied for \(Self.user) (Exim lists its queue to root, its exim user and group, Debian-exim on Debian, and admin_groups)")
    }

    @Test func sendmailQueuesIncludingTheClientQueue() throws {
        let run = try Plugin.run("check_mta_queue", ["--sendmail-binary", Self.fake, "-v"],
                                 environment: ["FAKE_MTA_STDOUT": Self.fixtures + "sendmail-bp.txt",
                                               "FAKE_MTA_STDOUT_CLIENT": Self.fixtures + "sendmail-bp-client.txt"])
        expectWellFormed(run)
        #expect(run.code == 0)
        #expect(run.status.hasPrefix("MTA_QUEUE OK - Sendmail: 5 messages queued (2 deferred, 1 active)"))
        #expect(run.perfdata.hasPrefix("messages=5;;;0 active=1;;;0 deferred=2;;;0 hold=1;;;0 maildrop=1;;;0 "))
        #expect(run.stdout.contains("\n  2 x Connection timed out with mailer.example.net.\n"))
    }

    @Test func openSMTPDHasNoSizes() throws {
        let plain = try Plugin.run("check_mta_queue", ["--smtpctl", Self.fake], environment: ["FAKE_MTA_STDOUT": Self.fixtures + "opensmtpd-show-queue.txt"])
        expectWellFormed(plain)
        #expect(plain.code == 0)
        #expect(plain.metric("bytes") == nil)
        #expect(plain.metric("messages") == 3)
        let sized = try Plugin.run("check_mta_queue", ["--smtpctl", Self.fake, "--size-warning", "1000"], environment: ["FAKE_MTA_STDOUT": Self.fixtures + "opensmtpd-show-queue.txt"])
        expectWellFormed(sized)
        #expect(sized.code == 3)
        #expect(sized.status == "MTA_QUEUE UNKNOWN - OpenSMTPD does not list message sizes (--size-warning/--size-critical)")
    }
}
