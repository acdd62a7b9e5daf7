import Foundation
import Testing

/// The core's promises that only a real process can prove: the watchdog ends a run blocked
/// in a system call, state files survive overlapping and killed writers, children are bounded.
@Suite struct CoreProcessTests {
    @Test(arguments: [
        (["-t", "1"], Int32(2), "BLOCK CRITICAL - timed out after 1 s"),
        (["-t", "0.5:unknown"], Int32(3), "BLOCK UNKNOWN - timed out after 0.5 s"),
        (["-t", "1:ok", "--activity", "reading the queue"], Int32(0), "BLOCK OK - timed out after 1 s (reading the queue)"),
        (["-t", "1:WARNING"], Int32(1), "BLOCK WARNING - timed out after 1 s"),
    ])
    func watchdogEndsABlockedSystemCall(arguments: [String], code: Int32, line: String) throws {
        let run = try Plugin.testkit("check_block", arguments)
        expectWellFormed(run)
        #expect(run.code == code)
        #expect(run.stdout == line + "\n")
        let limit = Double(arguments[1].split(separator: ":")[0]) ?? 1
        #expect(run.seconds < limit + Plugin.lateness, "ended \(run.seconds) s after start")
    }

    @Test func subprocessIsKilledAtTheDeadline() throws {
        let run = try Plugin.testkit("check_subprocess", ["--command", "/bin/sh", "--arg", "-c", "--arg", "sleep 30 & sleep 30", "-t", "1"])
        expectWellFormed(run)
        #expect(run.code == 3)
        #expect(run.stdout == "SUBPROCESS UNKNOWN - timed out after 1 s waiting for /bin/sh\n")
        #expect(run.seconds < 1 + Plugin.lateness)
    }

    @Test func subprocessOutputIsCapturedAndStderrNeverLeaks() throws {
        let run = try Plugin.testkit("check_subprocess", ["--command", "/bin/sh", "--arg", "-c", "--arg", "seq 1 100000; echo oops >&2; exit 4"])
        expectWellFormed(run)
        #expect(run.stdout == "SUBPROCESS OK - exit 4, 588895 bytes out, stderr 'oops'\n")
    }

    @Test func missingProgramIsUnknown() throws {
        let run = try Plugin.testkit("check_subprocess", ["--command", "/nonexistent/postqueue"])
        expectWellFormed(run)
        #expect(run.code == 3)
        #expect(run.stdout == "SUBPROCESS UNKNOWN - cannot run /nonexistent/postqueue: not found\n")
    }

    static func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "state-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func twelveOverlappingWritersLoseNothing() async throws {
        let dir = try Self.tempDir()
        try await withThrowingTaskGroup(of: PluginRun.self) { group in
            for _ in 0..<12 {
                group.addTask { try Plugin.testkit("check_state_counter", ["--state-dir", dir, "--hold", "0.02"]) }
            }
            for try await run in group {
                expectWellFormed(run)
                #expect(run.code == 0, "\(run)")
            }
        }
        let final = try Plugin.testkit("check_state_counter", ["--state-dir", dir])
        #expect(final.stdout.hasPrefix("STATE_COUNTER OK - 13 lines"), "\(final)")
    }

    @Test func killedWriterNeverCorruptsTheFile() throws {
        let dir = try Self.tempDir()
        _ = try Plugin.testkit("check_state_counter", ["--state-dir", dir, "--lines", "10"])
        // Kill writers at random moments while they build and write a large file.
        for attempt in 0..<8 {
            let path = Plugin.buildDir + "/mailcheck-testkit"
            let words: [String] = [path, "check_state_counter", "--state-dir", dir, "--lines", "20000", "--max-bytes", "8000000"]
            let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            var pid: pid_t = 0
            #expect(posix_spawn(&pid, path, nil, nil, argv, environ) == 0)
            usleep(UInt32(2000 + attempt * 7000))
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        let run = try Plugin.testkit("check_state_counter", ["--state-dir", dir, "--max-bytes", "8000000"])
        expectWellFormed(run)
        #expect(run.code == 0)
        #expect(!run.stdout.contains("set aside"), "a killed writer corrupted the file: \(run)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp.") }
        #expect(leftovers.isEmpty, "stale temporary files: \(leftovers)")
    }

    @Test func corruptFileIsSetAsideAndReportedOnce() throws {
        let dir = try Self.tempDir()
        try "garbage that is not a state file\n".write(toFile: dir + "/counter.state", atomically: true, encoding: .utf8)
        let first = try Plugin.testkit("check_state_counter", ["--state-dir", dir])
        expectWellFormed(first)
        #expect(first.code == 0)
        #expect(first.stdout.contains("corrupt state set aside as \(dir)/counter.state.corrupt-"))
        let second = try Plugin.testkit("check_state_counter", ["--state-dir", dir])
        #expect(second.stdout == "STATE_COUNTER OK - 2 lines | lines=2\n")
    }

    @Test func unwritableStateDirectoryIsUnknownNamingIt() throws {
        let run = try Plugin.testkit("check_state_counter", ["--state-dir", "/proc/version/state"])
        expectWellFormed(run)
        #expect(run.code == 3)
        #expect(run.stdout.hasPrefix("STATE_COUNTER UNKNOWN - state directory /proc/version/state "), "\(run)")
    }

    @Test func stateDirectoryFromTheEnvironment() throws {
        let dir = try Self.tempDir()
        let run = try Plugin.exec(Plugin.buildDir + "/mailcheck-testkit", ["check_state_counter"], environment: ["MAILCHECK_STATE_DIR": dir])
        #expect(run.code == 0, "\(run)")
        #expect(FileManager.default.fileExists(atPath: dir + "/counter.state"))
    }
}
