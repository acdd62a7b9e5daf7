import Foundation
import Testing
@testable import CheckKit

/// check_disk_growth's history as a real process sees it: overlapping runs, a corrupt or
/// foreign state file, an unusable state directory, a clock that jumps back, bad options.
/// These watch a temporary directory, so they need no mount and no root.
@Suite struct DiskGrowthStateTests {
    static func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "disk-growth-state-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The one history file the check keeps in `dir`.
    static func stateFile(_ dir: String) throws -> String {
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".state") }
        #expect(files.count == 1, "\(files)")
        return dir + "/" + (files.first ?? "missing.state")
    }

    @Test func twelveOverlappingRunsKeepEverySample() async throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["-p", dir, "--state-dir", dir]
        try await withThrowingTaskGroup(of: PluginRun.self) { group in
            for _ in 0..<12 { group.addTask { try diskGrowth(args) } }
            for try await run in group {
                #expect(run.code == 0, "\(run)")
                #expect(run.status.hasPrefix("DISK_GROWTH OK - \(dir) "), "\(run)")
                #expect(!run.stdout.contains("clock went back") && !run.stdout.contains("set aside"), "\(run)")
            }
        }
        let final = try diskGrowth(args + ["-v"])
        #expect(final.code == 0)
        #expect(final.stdout.contains("\(dir) bytes: collecting samples: 13 over "), "\(final)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp.") || $0.contains("corrupt") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func corruptStateFileIsSetAsideAndReportedOnce() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["-p", dir, "--state-dir", dir]
        _ = try diskGrowth(args, now: diskGrowthEpoch)
        let file = try Self.stateFile(dir)
        try "mailcheck-state 1 garbage\n1800000000 x y\n".write(toFile: file, atomically: true, encoding: .utf8)
        let run = try diskGrowth(args, now: diskGrowthEpoch + 60)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.hasPrefix("DISK_GROWTH OK - \(dir) "))
        #expect(run.status.contains(" used, collecting samples (1 of 3); corrupt history set aside as \(file).corrupt-"), "\(run)")
        let next = try diskGrowth(args, now: diskGrowthEpoch + 120)
        #expect(next.status.hasSuffix(" used, collecting samples (2 of 3)"), "\(next)")
    }

    /// A history written by another version (a downgrade) is kept for that version, not overwritten.
    @Test func historyOfAnotherVersionIsSetAsideAndSaidSo() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A well-formed state file whose payload is not a disk_growth 1 history.
        let store = StateStore(directory: dir)
        try store.update("disk_growth " + dir, deadline: Deadline(seconds: 5, expiryStatus: .unknown)) { (record: inout StateRecord) throws(CheckError) in
            record.lines = ["disk_growth 2", "1800000000 nan inf -1 0 fsid:1"]
        }
        let file = try Self.stateFile(dir)
        let before = FileManager.default.contents(atPath: file)
        let run = try diskGrowth(["-p", dir, "--state-dir", dir], now: diskGrowthEpoch)
        #expect(run.code == 0)
        #expect(run.status.contains(" used, collecting samples (1 of 3); history of another version (disk_growth 2) set aside as \(file).version-"), "\(run)")
        let aside = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".state.version-") }
        #expect(aside.count == 1)
        #expect(FileManager.default.contents(atPath: dir + "/" + (aside.first ?? "")) == before, "kept byte for byte")
    }

    @Test func stateDirectoryUnderARegularFileIsUnknownNamingIt() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = FileManager.default.createFile(atPath: dir + "/file", contents: Data("x".utf8))
        let run = try diskGrowth(["-p", dir, "--state-dir", dir + "/file/state"])
        #expect(run.code == 3)
        #expect(run.status == "DISK_GROWTH UNKNOWN - state directory \(dir)/file/state cannot be created: not a directory (set --state-dir or MAILCHECK_STATE_DIR)")
        // Several paths fail alike; the reason is said once.
        let two = try diskGrowth(["-p", dir, "-p", "/", "--state-dir", dir + "/file/state"])
        #expect(two.status == run.status)
    }

    @Test func stateDirectoryFromTheEnvironment() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Plugin.run("check_disk_growth", ["-p", dir], environment: ["MAILCHECK_STATE_DIR": dir + "/env"])
        #expect(run.code == 0, "\(run)")
        #expect(try Self.stateFile(dir + "/env").hasSuffix(".state"))
    }

    /// Every stored sample is later than now (the clock was stepped back by days): all are
    /// dropped, so no rate or forecast is made from them, let alone a negative one.
    @Test func historyWhollyFromTheFutureIsDroppedWithoutARate() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["-p", dir, "--state-dir", dir, "--min-samples", "2", "--min-span", "1s"]
        for day in 1...3 { _ = try diskGrowth(args, now: diskGrowthEpoch + Double(day) * 86400) }
        let run = try diskGrowth(args, now: diskGrowthEpoch)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.hasSuffix(" used, collecting samples (1 of 2); clock went back 3d, dropped 3 newer samples"), "\(run)")
        #expect(run.metric("growth") == nil && run.metric("time_to_full") == nil, "\(run)")
    }

    @Test func clockGoingBackDropsTheNewerSamplesAndSaysSo() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let args = ["-p", dir, "--state-dir", dir]
        _ = try diskGrowth(args, now: diskGrowthEpoch)
        _ = try diskGrowth(args, now: diskGrowthEpoch + 3600)
        _ = try diskGrowth(args, now: diskGrowthEpoch + 7200)
        let run = try diskGrowth(args, now: diskGrowthEpoch + 1800)
        #expect(run.code == 0)
        #expect(run.status.hasSuffix(" used, collecting samples (2 of 3); clock went back 1.5h, dropped 2 newer samples"), "\(run)")
        let next = try diskGrowth(args, now: diskGrowthEpoch + 1900)
        #expect(!next.stdout.contains("clock went back"), "reported once: \(next)")
    }

    @Test(arguments: [
        ([], "missing -p/--path: name at least one file or directory to watch"),
        (["-p", "/", "-p", "//"], "path '/' is given twice in -p/--path"),
        (["-p", "/a/", "-p", "/a"], "path '/a' is given twice in -p/--path"),
        (["-p", "/", "--window", "7"], "--min-span (1m) is longer than --window (7s)"),
        (["-p", "/", "--window", "7x"], "invalid value '7x' for --window: expected a duration such as 90s, 30m, 12h or 7d (at most 3650d)"),
        (["-p", "/", "--window", "0d"], "invalid value '0d' for --window: must be longer than 0"),
        (["-p", "/", "--window", "nand"], "invalid value 'nand' for --window: expected a duration such as 90s, 30m, 12h or 7d (at most 3650d)"),
        (["-p", "/", "--min-span", "-1m"], "invalid value '-1m' for --min-span: expected a duration such as 90s, 30m, 12h or 7d (at most 3650d)"),
        (["-p", "/", "--min-samples", "1"], "invalid value '1' for --min-samples: expected a whole number from 2 to 32"),
        (["-p", "/", "--days-warning", "7", "--days-critical", "30"], "--days-critical (30) is more than --days-warning (7): critical must come closer to full"),
        (["-p", "/", "--days-warning", "1e3"], "invalid value '1e3' for --days-warning: expected a number from 0 to 36500"),
        (["-p", "/", "-w", "80x"], "invalid range '80x' for -w/--warning: '80x' is not a number"),
        (["-p", "/", "--rate-critical", "5X"], "invalid range '5X' for --rate-critical: expected [@]START:END in bytes per day, K/M/G/T allowed"),
        (["-p", "/", "--rate-warning", "xG"], "invalid range 'xG' for --rate-warning: 'xG' is not a number of bytes"),
        (["-p", "/", "--rate-warning", "2G:1G"], "invalid range '2G:1G' for --rate-warning: expected [@]START:END in bytes per day, K/M/G/T allowed"),
    ])
    func badOptionsAreUnknownNamingTheOption(arguments: [String], message: String) throws {
        let run = try diskGrowth(arguments)
        #expect(run.code == 3)
        #expect(run.status == "DISK_GROWTH UNKNOWN - \(message)", "\(run)")
    }

    @Test func badClockVariableIsUnknownNamingIt() throws {
        let run = try Plugin.run("check_disk_growth", ["-p", "/", "--state-dir", NSTemporaryDirectory()], environment: ["MAILCHECK_NOW": "soon"])
        expectWellFormed(run)
        #expect(run.code == 3)
        #expect(run.status == "DISK_GROWTH UNKNOWN - invalid value 'soon' in environment variable MAILCHECK_NOW: expected seconds since the epoch")
    }

    @Test func missingPathIsUnknown() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try diskGrowth(["-p", "/nonexistent/mail", "--state-dir", dir])
        #expect(run.code == 3)
        #expect(run.stdout == "DISK_GROWTH UNKNOWN - cannot read the filesystem of /nonexistent/mail: no such file or directory\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".state") }.isEmpty)
    }

    @Test func pseudoFilesystemWithoutSizeIsUnknown() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try diskGrowth(["-p", "/proc", "--state-dir", dir])
        #expect(run.code == 3)
        #expect(run.status == "DISK_GROWTH UNKNOWN - /proc is on a filesystem that reports no size (not a disk filesystem?)")
    }

    @Test func jsonOutputCarriesTheMetrics() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try diskGrowth(["-p", dir, "--state-dir", dir, "--output-format", "json"])
        #expect(run.code == 0)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(object?["state"] as? String == "OK")
        let labels = (object?["metrics"] as? [[String: Any]])?.compactMap { $0["label"] as? String } ?? []
        #expect(labels.starts(with: ["used", "free", "used_pct"]), "\(labels)")
    }
}
