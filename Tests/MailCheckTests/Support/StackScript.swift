import Foundation

/// A private server stack's script (scripts/mailstack.sh, scripts/stacks/*-private.sh, ...):
/// `start` is idempotent and `env` prints the stack's facts as KEY=value lines.
enum StackScript {
    /// Starts the stack once and returns its facts (empty when it could not start, so the tests
    /// that need it fail visibly).
    static func startAndDescribe(_ script: String) -> [String: String] {
        _ = run(script, ["start"])
        var out: [String: String] = [:]
        for line in run(script, ["env"]).split(separator: "\n") {
            let pair = line.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { out[String(pair[0])] = String(pair[1]) }
        }
        return out
    }

    /// Runs `script` (a path relative to the repository) with `arguments`; its stdout.
    @discardableResult
    static func run(_ script: String, _ arguments: [String]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Plugin.root + "/" + script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
