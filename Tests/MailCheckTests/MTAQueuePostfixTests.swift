import Foundation
import Testing

/// Runs scripts/stacks/mta-queue-postfix.sh and scripts/stacks/mta-queue-exim.sh: private MTAs whose queues
/// these tests fill, hold and empty without touching the shared test stack.
enum MTAQueueLab {
    @discardableResult
    static func script(_ name: String, _ arguments: [String]) -> (code: Int32, output: String) {
        // posix_spawn + waitpid (Plugin.exec): Foundation's Process can hang in waitUntilExit.
        guard let run = try? Plugin.exec("/bin/bash", [Plugin.root + "/scripts/stacks/" + name] + arguments, limit: 300) else {
            return (-1, "cannot run \(name)")
        }
        return (run.code, run.stdout + run.stderr)
    }

    /// `mta-queue-postfix.sh VERB ARGS...`, recording a test issue when it fails.
    static func postfix(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        let (code, output) = script("mta-queue-postfix.sh", arguments)
        #expect(code == 0, "mta-queue-postfix.sh \(arguments.joined(separator: " ")): \(output)", sourceLocation: sourceLocation)
    }

    /// The configuration directory of a private Postfix instance.
    static func configDir(_ instance: String) -> String {
        let env = script("mta-queue-postfix.sh", ["env", instance]).output
        for line in env.split(separator: "\n") where line.hasPrefix("MTAQ_CONFIG_DIR=") {
            return String(line.dropFirst("MTAQ_CONFIG_DIR=".count))
        }
        return "/nonexistent"
    }

    /// Runs `body` with instance `instance` running and exactly `deferred` messages in its
    /// deferred queue (to user@deferred.test, refused) plus `gone` to a missing transport;
    /// the instance is stopped afterwards, so that no test leaves a Postfix behind.
    static func withPostfix(_ instance: String, deferred: Int, gone: Int = 0, sourceLocation: SourceLocation = #_sourceLocation,
                            _ body: (String) throws -> Void) rethrows {
        // Emptied while stopped: a just-started queue manager moves an old deferred message
        // between queues while postsuper walks them, and postsuper then misses it (seen: a
        // message left by an earlier run survived "empty" and failed the empty-queue test).
        postfix("stop", instance, sourceLocation: sourceLocation)
        postfix("empty", instance, sourceLocation: sourceLocation)
        postfix("start", instance, sourceLocation: sourceLocation)
        defer {
            postfix("stop", instance, sourceLocation: sourceLocation)
            postfix("empty", instance, sourceLocation: sourceLocation)
        }
        if deferred > 0 { postfix("fill", instance, String(deferred), sourceLocation: sourceLocation) }
        if gone > 0 { postfix("fill", instance, String(gone), "user@gone.test", sourceLocation: sourceLocation) }
        try body(configDir(instance))
    }
}

/// check_mta_queue against real Postfix instances of its own (the queue contents matter, and
/// other suites put mail through the shared stack), plus one read of the shared stack.
@Suite(.serialized) struct MTAQueuePostfixTests {
    static let empty = "MTA_QUEUE OK - Postfix: queues empty | messages=0;;;0 active=0;;;0 deferred=0;;;0 hold=0;;;0 incoming=0;;;0 maildrop=0;;;0 oldest_age=0s;;;0 bytes=0B;;;0 recipients=0;;;0\n"

    func check(_ arguments: [String]) throws -> PluginRun {
        let run = try Plugin.run("check_mta_queue", arguments)
        expectWellFormed(run)
        return run
    }

    @Test func emptyQueueIsOK() throws {
        try MTAQueueLab.withPostfix("a", deferred: 0) { dir in
            let run = try check(["--config-dir", dir, "-w", "0", "-c", "0"])
            #expect(run.code == 0)
            #expect(run.stdout == Self.empty.replacingOccurrences(of: "messages=0;;;0", with: "messages=0;0;0;0"))
        }
    }

    @Test func deferredMessagesWithReasonsAndDomains() throws {
        try MTAQueueLab.withPostfix("a", deferred: 12, gone: 3) { dir in
            let run = try check(["--config-dir", dir, "-v"])
            #expect(run.code == 0)
            #expect(run.status.hasPrefix("MTA_QUEUE OK - Postfix: 15 messages queued (15 deferred), oldest "))
            #expect(run.metric("messages") == 15)
            #expect(run.metric("deferred") == 15)
            #expect(run.metric("recipients") == 15)
            #expect((run.metric("bytes") ?? 0) > 15 * 300)
            #expect((run.metric("oldest_age") ?? -1) >= 0)
            #expect(run.stdout.contains("\ndeferral reasons (recipients per reason):\n  12 x connect to 127.0.0.1[...]:1: Connection refused\n  3 x mail transport unavailable\n"), "\(run)")
            #expect(run.stdout.contains("\nrecipient domains with most deferred mail:\n  12 x deferred.test\n  3 x gone.test\n"), "\(run)")
        }
    }

    /// Five deferred messages against every range form of -w/-c (different warning and
    /// critical values, so a swap would show).
    static let countCases: [([String], Int32)] = [
        (["-w", "4"], 1), (["-w", "5"], 0), (["-w", "4", "-c", "10"], 1), (["-w", "2", "-c", "4"], 2),
        (["-w", "10:"], 1), (["-c", "5:"], 0), (["-c", "~:4"], 2), (["-w", "~:5"], 0),
        (["-w", "6:10"], 1), (["-c", "1:10"], 0), (["-w", "@5:10"], 1), (["-c", "@6:10"], 0),
    ]

    @Test func countRangeForms() throws {
        try MTAQueueLab.withPostfix("a", deferred: 5) { dir in
            for (arguments, code) in Self.countCases {
                let run = try check(["--config-dir", dir] + arguments)
                #expect(run.code == code, "\(arguments): \(run)")
                if code != 0 { #expect(run.status.hasSuffix(" - 5 messages queued"), "\(arguments): \(run)") }
            }
        }
    }

    @Test func heldMessagesAndQueueSelection() throws {
        try MTAQueueLab.withPostfix("a", deferred: 4) { dir in
            MTAQueueLab.postfix("hold", "a")
            let all = try check(["--config-dir", dir])
            #expect(all.metric("hold") == 4)
            #expect(all.metric("deferred") == 0)
            let held = try check(["--config-dir", dir, "--queue", "hold", "-w", "3", "-c", "10"])
            #expect(held.code == 1)
            #expect(held.status == "MTA_QUEUE WARNING - 4 hold messages")
            #expect(held.perfdata.contains(" hold=4;3;10;0 "))
            let deferred = try check(["--config-dir", dir, "--queue", "deferred", "-w", "3", "-c", "10"])
            #expect(deferred.code == 0)
            #expect(deferred.status.hasPrefix("MTA_QUEUE OK - Postfix: 4 messages queued, 0 deferred, "))
        }
    }

    @Test func ageOfRealMessages() throws {
        try MTAQueueLab.withPostfix("a", deferred: 2) { dir in
            let young = try check(["--config-dir", dir, "--age-warning", "~:3600", "--age-critical", "~:7200"])
            #expect(young.code == 0)
            let alerted = try check(["--config-dir", dir, "--age-critical", "@0:3600"])
            #expect(alerted.code == 2)
            #expect(alerted.status.hasPrefix("MTA_QUEUE CRITICAL - oldest message "))
        }
    }

    /// The same queue through monitoring-plugins' check_mailq (which runs `mailq -C DIR`).
    @Test func totalsEqualCheckMailq() throws {
        try MTAQueueLab.withPostfix("a", deferred: 7, gone: 2) { dir in
            let ours = try check(["--config-dir", dir])
            let theirs = try Plugin.run("/usr/lib/nagios/plugins/check_mailq", ["-M", "postfix", "-d", dir, "-w", "100", "-c", "200"])
            #expect(theirs.status.contains("(9)") || theirs.stdout.contains("unsent=9;"), "\(theirs)")
            #expect(ours.metric("messages") == 9)
        }
    }

    @Test func stoppedPostfixIsCritical() throws {
        try MTAQueueLab.withPostfix("b", deferred: 2) { dir in
            MTAQueueLab.postfix("stop", "b")
            let run = try check(["--config-dir", dir])
            #expect(run.code == 2)
            #expect(run.status == "MTA_QUEUE CRITICAL - Postfix is down (mail system is down; postqueue read the queue files directly)")
            #expect(run.metric("deferred") == 2)
        }
    }

    @Test func secondInstanceThroughConfigDir() throws {
        try MTAQueueLab.withPostfix("a", deferred: 3) { a in
            try MTAQueueLab.withPostfix("b", deferred: 6) { b in
                let first = try check(["--config-dir", a])
                let second = try check(["--config-dir", b])
                #expect(first.metric("messages") == 3)
                #expect(second.metric("messages") == 6)
            }
        }
    }

    @Test func sharedStackPostfixIsReadable() throws {
        let run = try check(["--config-dir", MailStack["POSTFIX_CONFIG_DIR"]])
        #expect(run.code == 0, "\(run)")
        #expect(run.status.hasPrefix("MTA_QUEUE OK - Postfix: "))
    }
}
