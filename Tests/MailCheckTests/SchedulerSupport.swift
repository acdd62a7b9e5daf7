import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Runs the scheduler scripts (scripts/nagios-*.sh, monit-*.sh, icinga2-*.sh) and reads what
/// the schedulers leave behind, for the Scheduler* suites.
enum Scheduler {
    /// The built multi-call binary the private schedulers run as their plugins.
    static var binary: String { Plugin.buildDir + "/mailcheck" }

    /// Runs `scripts/NAME args...` (NAME may be `stacks/nagios-private.sh`) with the built binary named, stdin closed, bounded in time.
    static func script(_ name: String, _ arguments: [String], limit: Double = 60) throws -> PluginRun {
        try Plugin.exec("/bin/bash", [Plugin.root + "/scripts/" + name] + arguments,
                        environment: ["MAILCHECK_BIN": binary], limit: limit)
    }

    /// A new empty directory of its own under /tmp (mode 700), for one scheduler instance.
    static func tempDir(_ tag: String) throws -> String {
        var template = Array("/tmp/mailcheck-\(tag).XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        return String(cString: made)
    }

    /// Removes a directory tree, ignoring what is already gone.
    static func remove(_ dir: String) {
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// The checks the built binary knows (`mailcheck --list`): the suite's one list of checks.
    static func checks() throws -> [String] {
        let run = try Plugin.exec(binary, ["--list"])
        guard run.code == 0 else { return [] }
        return run.stdout.split(separator: "\n").map(String.init)
    }

    /// Polls `condition` every 0.2 s until it holds or `seconds` pass; true when it held.
    static func wait(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try condition() { return true }
            usleep(200_000)
        }
        return try condition()
    }

    /// KEY=value lines of a script's output.
    static func keyValues(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let pair = line.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { out[String(pair[0])] = String(pair[1]) }
        }
        return out
    }
}

/// One service as Nagios 4 records it in status.dat.
struct NagiosService: CustomStringConvertible {
    var host = ""
    var service = ""
    var checked = false
    var state = -1
    var output = ""
    var longOutput = ""
    var perfdata = ""
    var lastCheck = 0

    var name: String { "\(host)/\(service)" }
    var description: String { "\(name): state \(state), output '\(output)', perfdata '\(perfdata)'" }

    /// The value of one perfdata item (`label=value;warn;crit;min;max`) as written.
    func perfItem(_ label: String) -> String? {
        perfdata.split(separator: " ").first { $0.hasPrefix(label + "=") }.map(String.init)
    }

    /// Reads every `servicestatus` block of a status.dat file.
    static func read(_ path: String) -> [NagiosService] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var services: [NagiosService] = []
        var current: NagiosService?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line == "servicestatus {" { current = NagiosService(); continue }
            guard var item = current else { continue }
            if line == "}" { services.append(item); current = nil; continue }
            let pair = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            let value = String(pair[1])
            switch pair[0] {
            case "host_name": item.host = value
            case "service_description": item.service = value
            case "has_been_checked": item.checked = value == "1"
            case "current_state": item.state = Int(value) ?? -1
            case "plugin_output": item.output = value
            case "long_plugin_output": item.longOutput = value
            case "performance_data": item.perfdata = value
            case "last_check": item.lastCheck = Int(value) ?? 0
            default: break
            }
            current = item
        }
        return services
    }
}

/// The state word of a first line (`SMTP_SESSION OK - ...`) as a Nagios state number.
func stateNumber(ofOutput output: String) -> Int? {
    let words = ["OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3]
    let parts = output.split(separator: " ")
    guard parts.count > 1 else { return nil }
    return words[String(parts[1])]
}
