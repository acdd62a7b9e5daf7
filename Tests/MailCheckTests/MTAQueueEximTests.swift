import Foundation
import Testing

/// check_mta_queue against a real Exim (Debian's 4.96, unpacked privately by
/// scripts/stacks/mta-queue-exim.sh: installing it would remove Postfix).
@Suite(.serialized) struct MTAQueueEximTests {
    /// EXIM_BINARY and EXIM_CONFIG of the private Exim, set up once.
    static let exim: [String: String] = {
        let setup = MTAQueueLab.script("mta-queue-exim.sh", ["setup"])
        var out = ["SETUP": setup.code == 0 ? "" : setup.output]
        for line in MTAQueueLab.script("mta-queue-exim.sh", ["env"]).output.split(separator: "\n") {
            let pair = line.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { out[String(pair[0])] = String(pair[1]) }
        }
        return out
    }()

    func exim(_ verb: String, _ arguments: String...) {
        let (code, output) = MTAQueueLab.script("mta-queue-exim.sh", [verb] + arguments)
        #expect(code == 0, "mta-queue-exim.sh \(verb): \(output)")
    }

    func check(_ arguments: [String]) throws -> PluginRun {
        #expect(Self.exim["SETUP"] == "", "setting up Exim failed")
        let run = try Plugin.run("check_mta_queue", ["--exim-binary", Self.exim["EXIM_BINARY"] ?? "", "--config", Self.exim["EXIM_CONFIG"] ?? ""] + arguments)
        expectWellFormed(run)
        return run
    }

    @Test func emptyQueueIsOK() throws {
        exim("empty")
        let run = try check([])
        #expect(run.code == 0)
        #expect(run.stdout == "MTA_QUEUE OK - Exim: queues empty | messages=0;;;0 queued=0;;;0 frozen=0;;;0 oldest_age=0s;;;0 bytes=0B;;;0 recipients=0;;;0\n")
    }

    @Test func queuedDeferredAndFrozenMessages() throws {
        exim("empty")
        exim("queue", "4")
        exim("queue", "2", "someone@other.example")
        exim("retry")
        exim("freeze")
        let run = try check(["-v"])
        #expect(run.code == 0, "\(run)")
        #expect(run.status.hasPrefix("MTA_QUEUE OK - Exim: 6 messages queued (5 queued, 1 frozen), oldest "))
        #expect(run.metric("messages") == 6)
        #expect(run.metric("frozen") == 1)
        #expect(run.metric("recipients") == 6)
        #expect(run.stdout.contains("\nrecipient domains with most deferred mail:\n  4 x deferred.test\n  2 x other.example\n"), "\(run)")
        let frozen = try check(["--queue", "frozen", "-w", "0", "-c", "5"])
        #expect(frozen.code == 1)
        #expect(frozen.status == "MTA_QUEUE WARNING - 1 frozen message")
        #expect(frozen.perfdata.contains(" frozen=1;0;5;0 "))
        let young = try check(["--age-critical", "~:600"])
        #expect(young.code == 0)
    }

    /// Without its configuration Exim also fails to open its logs: the first line must name
    /// the missing file, not a permission problem.
    @Test func missingConfigurationIsNamedOnTheFirstLine() throws {
        #expect(Self.exim["SETUP"] == "")
        let missing = NSTemporaryDirectory() + "no-such-exim-\(UUID().uuidString.prefix(8)).conf"
        let run = try Plugin.run("check_mta_queue", ["--exim-binary", Self.exim["EXIM_BINARY"] ?? "", "--config", missing])
        expectWellFormed(run)
        #expect(run.code == 3)
        #expect(run.status == "MTA_QUEUE UNKNOWN - exim4: configuration file \(missing) not found (--config)", "\(run)")
    }

    /// Exim lists its queue only to admin users; as nobody the check must say so.
    @Test func permissionDeniedForOrdinaryUsers() throws {
        #expect(Self.exim["SETUP"] == "")
        // A copy nobody can run wherever the build directory lives.
        let dir = NSTemporaryDirectory() + "mtaq-nobody-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let binary = dir + "/mailcheck"
        // Copied by cp, not in this process: a copy written here leaves a writable descriptor
        // that a child forked meanwhile by another test inherits, and exec then fails with
        // "Text file busy".
        let copy = try Plugin.exec("/bin/cp", [Plugin.buildDir + "/mailcheck", binary])
        #expect(copy.code == 0, "\(copy)")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary)
        let run = try Plugin.exec("/usr/bin/setpriv", ["--reuid", "nobody", "--regid", "nogroup", "--clear-groups", "--",
                                                       binary, "check_mta_queue", "--exim-binary", Self.exim["EXIM_BINARY"] ?? "",
                                                       "--config", Self.exim["EXIM_CONFIG"] ?? ""])
        expectWellFormed(run)
        #expect(run.code == 3)
        #expect(run.status == "MTA_QUEUE UNKNOWN - exim4 -bp: permission denied for nobody (Exim lists its queue to root, its exim user and group, Debian-exim on Debian, and admin_groups)", "\(run)")
    }
}
