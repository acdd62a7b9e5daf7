import Foundation
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

    /// A directory of `check_*` symlinks to the multi-call binary, made once.
    static let binDir: String = {
        let dir = NSTemporaryDirectory() + "mailcheck-bin-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in ["check_smtp", "check_imap_login", "check_pop3_login", "check_mta_queue",
                     "check_disk_growth", "check_delivery_latency", "check_nonexistent"] {
            try? FileManager.default.createSymbolicLink(atPath: "\(dir)/\(name)", withDestinationPath: buildDir + "/mailcheck")
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

    static func exec(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> PluginRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["MAILCHECK_DEBUG"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        // Files, not pipes: nothing can block on a full pipe, and stderr is read exactly.
        let dir = NSTemporaryDirectory()
        let token = UUID().uuidString
        let outPath = dir + "out-\(token)", errPath = dir + "err-\(token)"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outPath); try? FileManager.default.removeItem(atPath: errPath) }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        let start = Date()
        try process.run()
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return PluginRun(code: process.terminationStatus, stdout: out, stderr: err, seconds: seconds)
    }
}

/// The contract every run must keep, whatever happened: exit 0-3, one first line, no stderr.
func expectWellFormed(_ run: PluginRun, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect((0...3).contains(run.code), "exit code out of range: \(run)", sourceLocation: sourceLocation)
    #expect(run.stderr.isEmpty, "stderr must stay empty: \(run)", sourceLocation: sourceLocation)
    #expect(!run.stdout.isEmpty && run.stdout.hasSuffix("\n"), "no output line: \(run)", sourceLocation: sourceLocation)
}
