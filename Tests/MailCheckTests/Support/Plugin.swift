import Foundation
import CheckKit
import Testing

/// What one run of a built plugin left: exit code, stdout, stderr and wall time.
struct PluginRun: CustomStringConvertible {
    let code: Int32
    let stdout: String
    let stderr: String
    let seconds: Double

    /// The first line without its perfdata.
    var status: String {
        let first = stdout.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        return first.components(separatedBy: " | ").first ?? first
    }
    /// The perfdata of the first line (empty when none).
    var perfdata: String {
        let first = stdout.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let parts = first.components(separatedBy: " | ")
        return parts.count > 1 ? parts[1] : ""
    }
    /// The value of one perfdata label, without its unit.
    func metric(_ label: String) -> Double? {
        for item in perfdata.split(separator: " ") {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0] == Substring(label) else { continue }
            let value = pair[1].split(separator: ";").first ?? ""
            return Double(value.prefix(while: { "0123456789.-".contains($0) }))
        }
        return nil
    }
    var description: String { "exit \(code) in \(seconds)s\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// Runs the built binaries the way a scheduler does: by their `check_*` names.
enum Plugin {
    /// How late a run may end after its -t, measured from this process (spawn to exit), while
    /// the whole suite loads a 2-core machine (seen: 0.92 s late). Such a bound proves that the
    /// deadline ends the run, instead of the default -t or never; not how precisely.
    static let lateness = 1.5

    /// The package root, from this file's path.
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The directory of the built executables (`MAILCHECK_BUILD_DIR` overrides).
    static let buildDir: String = {
        if let dir = ProcessInfo.processInfo.environment["MAILCHECK_BUILD_DIR"] { return dir }
        return root + "/.build/debug"
    }()

    /// A directory of `check_*` symlinks to the multi-call binary, made once per test process.
    /// Its name is unique (a reused pid must never find another build's links), and every
    /// link is made anew.
    static let binDir: String = {
        // Link directories of earlier test runs are removed once they are an hour old.
        let temp = NSTemporaryDirectory()
        for old in (try? FileManager.default.contentsOfDirectory(atPath: temp)) ?? [] where old.hasPrefix("mailcheck-bin-") {
            let path = temp + old
            if let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
               Date().timeIntervalSince(modified) > 3600 {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        let dir = temp + "mailcheck-bin-\(getpid())-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // The binary's own list, plus one name it does not know (for the unknown-name test).
        let checks = (try? Scheduler.checks()) ?? []
        for name in checks + ["check_nonexistent"] {
            unlink("\(dir)/\(name)")
            _ = symlink(buildDir + "/mailcheck", "\(dir)/\(name)")
        }
        return dir
    }()

    /// Runs `check_NAME args...` with an optional extra environment and stdin closed.
    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> PluginRun {
        let path = name.hasPrefix("/") ? name : "\(binDir)/\(name)"
        return try exec(path, arguments, environment: environment)
    }

    /// Runs the test-only plugins of `mailcheck-testkit`.
    static func testkit(_ name: String, _ arguments: [String]) throws -> PluginRun {
        try exec(buildDir + "/mailcheck-testkit", [name] + arguments)
    }

    /// Runs a program as a scheduler would: posix_spawn with a clean signal mask (Swift
    /// Testing's threads block signals, and Foundation's Process would pass that on and can
    /// deadlock in waitUntilExit under parallel tests), stdout and stderr to files, stdin
    /// from /dev/null, reaped with waitpid. A child still running after `limit` seconds is killed.
    static func exec(_ path: String, _ arguments: [String], environment: [String: String] = [:],
                     limit: Double = 120) throws -> PluginRun {
        var env = ProcessInfo.processInfo.environment
        env["MAILCHECK_DEBUG"] = nil
        for (k, v) in environment { env[k] = v }
        let dir = NSTemporaryDirectory()
        let token = UUID().uuidString
        let outPath = dir + "out-\(token)", errPath = dir + "err-\(token)"
        defer { unlink(outPath); unlink(errPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let start = Date()
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .ENOENT) }
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid || (reaped < 0 && errno != EINTR) { break }
            if Date().timeIntervalSince(start) > limit { kill(pid, SIGKILL) }
            usleep(1000)
        }
        let seconds = Date().timeIntervalSince(start)
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return PluginRun(code: code, stdout: out, stderr: err, seconds: seconds)
    }
}

/// The contract every run must keep, whatever happened: exit 0-3, one first line, no stderr.
func expectWellFormed(_ run: PluginRun, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect((0...3).contains(run.code), "exit code out of range: \(run)", sourceLocation: sourceLocation)
    #expect(run.stderr.isEmpty, "stderr must stay empty: \(run)", sourceLocation: sourceLocation)
    #expect(!run.stdout.isEmpty && run.stdout.hasSuffix("\n"), "no output line: \(run)", sourceLocation: sourceLocation)
    // Every run of every test also proves the output contract: nothing a terminal or a web
    // front end would act on, and no invalid byte hidden behind U+FFFD.
    let unsafe = run.stdout.unicodeScalars.filter { ($0 != "\n" && SafeText.isUnsafe($0)) || $0 == "\u{FFFD}" }
    #expect(unsafe.isEmpty, "unescaped code points \(unsafe.map { "U+" + String($0.value, radix: 16) }): \(run)", sourceLocation: sourceLocation)
}

/// Writes a script that a test then runs. The file is opened close-on-exec: a descriptor open
/// for writing that a child forked meanwhile by a parallel test inherits would make running the
/// script fail with "Text file busy" (ETXTBSY) for as long as that child lives.
func writeExecutable(_ text: String, to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
    guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    guard written == bytes.count else { throw POSIXError(.EIO) }
    fchmod(fd, 0o755)
}
