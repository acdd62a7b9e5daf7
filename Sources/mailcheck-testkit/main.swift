// Test-only plugins that exercise the core from a real process: a system call that blocks
// past the deadline, a state counter for concurrent and killed writers, a child process.
import CheckKit
#if canImport(Glibc)
import Glibc
#endif

/// Blocks in read(2) on a pipe nobody writes to; only the watchdog can end it.
struct BlockCheck: MonitoringCheck {
    static let programName = "check_block"
    static let summary = "Blocks in a system call until the deadline."
    static let synopsis = "[-t SECONDS[:STATE]] [--local]"
    static let kind = CheckKind.network
    static var options: [OptionSpec] { [OptionSpec("activity", value: "TEXT", help: "What the timeout line names.")] }
    let activity: String
    init(options: ParsedOptions, context _: RunContext) throws(UsageError) { activity = options.string("activity") ?? "" }
    func run(_ context: RunContext) throws(CheckError) -> CheckReport {
        if !activity.isEmpty { context.activity(activity) }
        var fds: [Int32] = [0, 0]
        _ = pipe(&fds)
        var byte: UInt8 = 0
        _ = read(fds[0], &byte, 1)
        return CheckReport(name: "BLOCK", results: [CheckResult(.ok, "unblocked")])
    }
}

/// Adds one line to a state file; `--hold` keeps the lock a while, `--lines` writes many.
struct StateCounterCheck: MonitoringCheck {
    static let programName = "check_state_counter"
    static let summary = "Appends a line to a state file under the store's lock."
    static let synopsis = "--state-dir DIR [--hold SECONDS] [--lines N]"
    static let kind = CheckKind.local
    static var options: [OptionSpec] {
        [OptionSpec("state-dir", value: "DIR", help: "State directory."),
         OptionSpec("hold", value: "SECONDS", help: "Sleep while holding the lock."),
         OptionSpec("lines", value: "N", help: "Lines to append."),
         OptionSpec("max-bytes", value: "N", help: "Size bound of the file.")]
    }
    let dir: String
    let hold: Double
    let lines: Int
    let maxBytes: Int
    init(options: ParsedOptions, context _: RunContext) throws(UsageError) {
        dir = StateStore.directory(option: options.string("state-dir"))
        hold = try options.double("hold", in: 0...60) ?? 0
        lines = try options.int("lines", default: 1, in: 1...1_000_000)
        maxBytes = try options.int("max-bytes", default: 256 << 10, in: 64...(64 << 20))
    }
    func run(_ context: RunContext) throws(CheckError) -> CheckReport {
        let store = StateStore(directory: dir, maxBytes: maxBytes)
        let (count, setAside) = try store.update("counter", deadline: context.deadline) { (record: inout StateRecord) throws(CheckError) in
            for i in 0..<lines { record.lines.append("pid \(getpid()) line \(i) " + String(repeating: "x", count: 40)) }
            if hold > 0 { usleep(UInt32(hold * 1e6)) }
            return (record.lines.count, record.setAsidePath)
        }
        var results = [CheckResult.measure("lines", Double(count), message: "\(count) lines")]
        if let setAside { results.append(CheckResult(.ok, "corrupt state set aside as \(setAside)")) }
        return CheckReport(name: "STATE_COUNTER", results: results)
    }
}

/// Runs a command through Subprocess and reports its exit code and output sizes.
struct SubprocessCheck: MonitoringCheck {
    static let programName = "check_subprocess"
    static let summary = "Runs a command within the deadline."
    static let synopsis = "--command PATH [--arg ARG]..."
    static let kind = CheckKind.local
    static var options: [OptionSpec] {
        [OptionSpec("command", value: "PATH", help: "Program to run."),
         OptionSpec("arg", value: "ARG", help: "Argument; repeatable.")]
    }
    let command: String
    let arguments: [String]
    init(options: ParsedOptions, context _: RunContext) throws(UsageError) {
        guard let command = options.string("command") else { throw UsageError("missing --command") }
        self.command = command
        arguments = options.strings("arg")
    }
    func run(_ context: RunContext) throws(CheckError) -> CheckReport {
        var bytes = 0
        let result = try Subprocess.run(command, arguments, deadline: context.deadline) { (chunk: UnsafeRawBufferPointer) throws(CheckError) in
            bytes += chunk.count
        }
        return CheckReport(name: "SUBPROCESS", results: [
            CheckResult(.ok, "exit \(result.exitCode.map(String.init) ?? "signal"), \(bytes) bytes out, stderr '\(result.stderrText)'")])
    }
}

let checks: [any MonitoringCheck.Type] = [BlockCheck.self, StateCounterCheck.self, SubprocessCheck.self]
let name = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : ""
var chosen: (any MonitoringCheck.Type)? = nil
for check in checks where check.programName == name { chosen = check }
guard let chosen else {
    print("usage: mailcheck-testkit check_block|check_state_counter|check_subprocess [options]")
    exit(3)
}
exit(PluginRunner.main(chosen, arguments: Array(CommandLine.arguments.dropFirst(2))))
