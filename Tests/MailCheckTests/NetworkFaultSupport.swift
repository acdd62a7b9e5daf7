import Foundation
import Testing

/// One broken server and the check that meets it.
struct NetworkFault: Sendable, CustomTestStringConvertible {
    /// `check_smtp_session`, `check_imap_login` or `check_pop3_login`.
    let check: String
    let what: String
    let script: FaultScript
    var extra: [String] = []
    /// Words the first line must hold (the step or the cause), besides the state.
    var says: [String] = []
    var testDescription: String { "\(check): \(what)" }
}

/// Runs checks against broken servers and holds them to the contract: exit 1-3, one clear first
/// line, nothing on stderr, done within -t plus 0.5 s, bounded peak RSS.
enum NetworkFaultRun {
    static let timeout = 2.0
    /// Peak RSS allowed, in KiB: a debug build idles at about 20 MiB; a 100 MB line kept whole would exceed it.
    static let rssLimitKiB = 64 * 1024
    /// TLS alert record: fatal (2), handshake_failure (40).
    static let alert: [UInt8] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]

    /// The arguments every run of `check` gets against `port`.
    static func arguments(_ check: String, port: Int, timeout: Double = timeout) -> [String] {
        var out = ["-H", "127.0.0.1", "-p", "\(port)", "-t", NumberFormatting.plain(timeout)]
        if check != "check_smtp_session" { out += ["-U", "u", "-P", "p"] }
        return out
    }

    /// Runs `check` under GNU time; the peak RSS in KiB comes with the run.
    static func run(_ check: String, _ arguments: [String]) throws -> (run: PluginRun, kib: Int) {
        let rss = NSTemporaryDirectory() + "rss-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: rss) }
        let run = try Plugin.exec("/usr/bin/time", ["-o", rss, "-f", "%M", Plugin.binDir + "/" + check] + arguments, limit: 30)
        return (run, peakKiB(rss))
    }

    /// Runs `fault` against a fresh fake and checks the contract; returns the run for more checks.
    @discardableResult
    static func expectHandled(_ fault: NetworkFault, timeout: Double = timeout,
                              sourceLocation: SourceLocation = #_sourceLocation) throws -> PluginRun {
        let server = try FakeServer(.script(fault.script))
        let (run, kib) = try Self.run(fault.check, arguments(fault.check, port: server.port, timeout: timeout) + fault.extra)
        expectBroken(run, check: fault.check, timeout: timeout, kib: kib, says: fault.says, sourceLocation: sourceLocation)
        return run
    }

    /// The contract for a run against a broken server.
    static func expectBroken(_ run: PluginRun, check: String, timeout: Double, kib: Int, says: [String] = [],
                             sourceLocation: SourceLocation = #_sourceLocation) {
        expectWellFormed(run, sourceLocation: sourceLocation)
        let name = check.dropFirst("check_".count).uppercased()
        #expect((1...3).contains(run.code), "a broken server must never be OK: \(run)", sourceLocation: sourceLocation)
        let states = ["WARNING", "CRITICAL", "UNKNOWN"]
        #expect(states.contains { run.status.hasPrefix("\(name) \($0) - ") }, "unclear first line: \(run)", sourceLocation: sourceLocation)
        // Each message names what failed; libcurl's bare errno text or a nil host is not an answer.
        #expect(!run.status.contains("(nil)") && !run.status.contains("errno: 0"), "unclear first line: \(run)", sourceLocation: sourceLocation)
        for word in says {
            #expect(run.status.contains(word), "first line should say '\(word)': \(run)", sourceLocation: sourceLocation)
        }
        #expect(run.seconds < timeout + Plugin.lateness, "took \(run.seconds) s with -t \(timeout): \(run)", sourceLocation: sourceLocation)
        #expect(kib < rssLimitKiB, "peak RSS \(kib) KiB: \(run)", sourceLocation: sourceLocation)
    }
}

enum NumberFormatting {
    /// `2` rather than `2.0`, as a user types it.
    static func plain(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
