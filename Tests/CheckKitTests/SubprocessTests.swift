import Foundation
import Testing
@testable import CheckKit

struct SubprocessTests {
    static func deadline(_ seconds: Double = 30) -> Deadline { Deadline(seconds: seconds, expiryStatus: .critical) }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test("stdout and stderr are captured separately, with the exit code")
    func captures() throws {
        let result = try Subprocess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"], deadline: Self.deadline())
        #expect(Self.text(result.stdout) == "out\n")
        #expect(Self.text(result.stderr) == "err\n")
        #expect(result.stderrText == "err")
        #expect(result.exitCode == 3)
        #expect(result.signal == nil)
    }

    @Test("exit codes pass through", arguments: [0, 1, 2, 42, 255] as [Int32])
    func exitCodes(code: Int32) throws {
        let result = try Subprocess.run("/bin/sh", ["-c", "exit \(code)"], deadline: Self.deadline())
        #expect(result.exitCode == code)
        #expect(result.signal == nil)
    }

    @Test("a child killed by a signal reports the signal", arguments: [SIGKILL, SIGTERM, SIGSEGV])
    func killedBySignal(signal: Int32) throws {
        let result = try Subprocess.run("/bin/sh", ["-c", "echo before; kill -\(signal) $$; echo after"], deadline: Self.deadline())
        #expect(result.exitCode == nil)
        #expect(result.signal == signal)
        #expect(Self.text(result.stdout) == "before\n")
    }

    @Test("a missing binary is UNKNOWN not found", arguments: ["/nonexistent/bin/postqueue", "no-such-command-mailcheck-test"])
    func missingBinary(path: String) {
        let error = checkError { () throws(CheckError) in try Subprocess.run(path, [], deadline: Self.deadline()) }
        #expect(error?.status == .unknown)
        #expect(error?.message == "cannot run \(path): not found")
    }

    @Test("arguments are passed verbatim, PATH is searched for bare names")
    func arguments() throws {
        let result = try Subprocess.run("printf", ["%s|", "a b", "", "$HOME", "'q'", "ü"], deadline: Self.deadline())
        #expect(Self.text(result.stdout) == "a b||$HOME|'q'|ü|")
        #expect(result.exitCode == 0)
    }

    @Test("stdin is /dev/null")
    func stdinIsNull() throws {
        let result = try Subprocess.run("/bin/cat", [], deadline: Self.deadline(5))
        #expect(result.stdout.isEmpty)
        #expect(result.exitCode == 0)
    }

    @Test("deadline expiry kills a hanging child within the deadline")
    func deadlineKills() throws {
        let start = Date()
        let error = checkError { () throws(CheckError) in
            try Subprocess.run("/bin/sleep", ["30"], deadline: Deadline(seconds: 0.5, expiryStatus: .warning))
        }
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 2, "took \(elapsed) s")
        #expect(elapsed >= 0.4)
        #expect(error?.status == .warning)
        #expect(error?.message.contains("timed out after 0.5 s") == true, "\(error?.message ?? "no error")")
        #expect(error?.message.contains("/bin/sleep") == true)
    }

    @Test("deadline expiry kills the child's whole process group")
    func deadlineKillsGroup() throws {
        let dir = try TemporaryDirectory()
        let pidFile = "\(dir.path)/pid"
        let start = Date()
        let error = checkError { () throws(CheckError) in
            try Subprocess.run("/bin/sh", ["-c", "sleep 30 & echo $! > \(pidFile); wait"], deadline: Self.deadline(0.5))
        }
        #expect(Date().timeIntervalSince(start) < 2)
        #expect(error?.status == .critical)
        let pidText = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(Int32(pidText))
        // Give the kernel a moment, then the grandchild must be gone (or a zombie awaiting its reaper).
        var gone = false
        for _ in 0..<100 {
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ").dropFirst(2).first
            if state == nil || state == "Z" { gone = true; break }
            usleep(20_000)
        }
        #expect(gone, "grandchild \(pid) still running")
    }

    @Test("a grandchild holding the pipes open cannot outlive the deadline")
    func grandchildHoldsPipes() throws {
        let start = Date()
        let error = checkError { () throws(CheckError) in
            try Subprocess.run("/bin/sh", ["-c", "sleep 30 &"], deadline: Self.deadline(0.5))
        }
        #expect(Date().timeIntervalSince(start) < 2)
        #expect(error?.status == .critical)
    }

    @Test("a child that closes its pipes and keeps running cannot outlive the deadline")
    func closedPipes() throws {
        let start = Date()
        let error = checkError { () throws(CheckError) in
            try Subprocess.run("/bin/sh", ["-c", "exec >/dev/null 2>&1; sleep 4"], deadline: Self.deadline(0.5))
        }
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 2, "took \(elapsed) s with a 0.5 s deadline")
        #expect(error?.status == .critical)
    }

    @Test("streaming onStdout receives every byte of a large output")
    func streaming() throws {
        var total = 0
        var chunks = 0
        var newlines = 0
        var last: UInt8 = 0
        let result = try Subprocess.run("seq", ["1", "200000"], deadline: Self.deadline()) { (chunk: UnsafeRawBufferPointer) throws(CheckError) in
            total += chunk.count
            chunks += 1
            newlines += chunk.reduce(0) { $0 + ($1 == 0x0a ? 1 : 0) }
            if let byte = chunk.last { last = byte }
        }
        // 9*2 + 90*3 + 900*4 + 9000*5 + 90000*6 + 100001*7
        #expect(total == 1_288_895)
        #expect(newlines == 200_000)
        #expect(last == 0x0a)
        #expect(chunks > 1)
        #expect(result.stdout.isEmpty, "streamed output is not also collected")
        #expect(result.exitCode == 0)
    }

    @Test("an error thrown by onStdout stops the child and is rethrown")
    func streamingError() throws {
        let start = Date()
        let error = checkError { () throws(CheckError) in
            try Subprocess.run("yes", [], deadline: Self.deadline()) { (_: UnsafeRawBufferPointer) throws(CheckError) in
                throw CheckError.unknown("parser gave up")
            }
        }
        #expect(error == .unknown("parser gave up"))
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test("stdout and stderr are bounded but drained")
    func limits() throws {
        let result = try Subprocess.run("/bin/sh", ["-c", "seq 1 100000; seq 1 100000 >&2; exit 4"], deadline: Self.deadline(),
                                        stdoutLimit: 10, stderrLimit: 7)
        #expect(Self.text(result.stdout) == "1\n2\n3\n4\n5\n")
        // stderr keeps its first and its last half of the limit: a fatal error comes last.
        #expect(Self.text(result.stderr) == "1\n200\n")
        #expect(result.stderrOmitted == 588895 - 6)
        #expect(result.stderrText == "1\n2\n[588889 bytes of stderr not shown]\n00")
        #expect(result.exitCode == 4)
    }

    @Test("a flood on stderr costs bounded memory and keeps its beginning and its end")
    func stderrFlood() throws {
        let script = "yes 'warning: noise' | head -c 30000000 >&2; echo 'fatal: the real cause' >&2; exit 75"
        let result = try Subprocess.run("/bin/sh", ["-c", script], deadline: Self.deadline(), stderrLimit: 4096)
        #expect(result.stderr.count == 4096)
        #expect(result.stderrOmitted == 30000000 + 22 - 4096)
        #expect(result.stderrText.hasPrefix("warning: noise\nwarning: noise\n"))
        #expect(result.stderrText.hasSuffix("\nwarning: noise\nfatal: the real cause"))
        #expect(result.stderrText.contains("\n[\(30000000 + 22 - 4096) bytes of stderr not shown]\n"))
        #expect(result.exitCode == 75)
    }

    @Test("the child runs with LC_ALL=C and no other locale")
    func cLocale() throws {
        let result = try Subprocess.run("/usr/bin/env", [], deadline: Self.deadline())
        let lines = Self.text(result.stdout).split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("LC_ALL=") } == ["LC_ALL=C"])
        #expect(!lines.contains { $0.hasPrefix("LANG=") || $0.hasPrefix("LANGUAGE=") })
        #expect(Subprocess.childEnvironment().filter { $0.hasPrefix("LC_ALL=") } == ["LC_ALL=C"])
        let printf = try Subprocess.run("/bin/sh", ["-c", "printf '%s' \"$LC_ALL\""], deadline: Self.deadline())
        #expect(Self.text(printf.stdout) == "C")
    }

    @Test("the rest of the environment is inherited")
    func inheritsEnvironment() throws {
        let result = try Subprocess.run("/bin/sh", ["-c", "printf '%s' \"$PATH\""], deadline: Self.deadline())
        #expect(Self.text(result.stdout) == (ProcessInfo.processInfo.environment["PATH"] ?? ""))
    }

    @Test("the child gets stdin, stdout and stderr")
    func standardDescriptors() throws {
        let result = try Subprocess.run("/bin/sh", ["-c", "ls /proc/$$/fd"], deadline: Self.deadline())
        let fds = Self.text(result.stdout).split(separator: "\n").compactMap { Int($0) }
        #expect(fds.contains(0) && fds.contains(1) && fds.contains(2))
    }

    @Test("stderrText trims blanks and line breaks", arguments: [
        ("  err  \n", "err"), ("err\r\n", "err"), ("\n\nmulti\nline\n", "multi\nline"), ("", ""), (" \r\n\t", ""),
    ] as [(String, String)])
    func stderrText(raw: String, expected: String) {
        let result = SubprocessResult(exitCode: 0, signal: nil, stdout: [], stderr: Array(raw.utf8))
        #expect(result.stderrText == expected, "\(result.stderrText.debugDescription)")
    }
}
