import Foundation

/// A private server stack's script (scripts/stacks/mailstack.sh, scripts/stacks/*-private.sh, ...):
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
    /// Through Plugin.exec (posix_spawn + waitpid), never Foundation's Process, whose
    /// waitUntilExit can miss a child's exit under parallel tests and hang the whole run.
    @discardableResult
    static func run(_ script: String, _ arguments: [String]) -> String {
        (try? Plugin.exec("/bin/bash", [Plugin.root + "/" + script] + arguments, limit: 600))?.stdout ?? ""
    }
}
