import Foundation
import Testing

/// Icinga 2 for real, in the distributed shape providers use: scripts/stacks/icinga2-private.sh
/// starts a master and a satellite on loopback (ports 15665/15666, their own CA), the master
/// schedules a service per mailcheck CheckCommand against the test stack, the satellite
/// runs them (command_endpoint), and the master's API must hold each result: from the
/// satellite, in the state the check decided, with its perfdata.
@Suite(.serialized, .enabled(if: runningAsRoot, "the private Icinga 2 runs as root to read the stack's password files"))
struct SchedulerIcingaTests {
    /// One service's last result at the master.
    struct Result { let exitStatus: Int, source: String, output: String, perfdata: [String] }

    static func results(_ dir: String) throws -> [String: Result] {
        let run = try Plugin.exec(Plugin.root + "/scripts/stacks/icinga2-private.sh", ["results", dir], limit: 30)
        guard run.code == 0, let data = run.stdout.data(using: .utf8),
              let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let items = json["results"] as? [[String: Any]] else { return [:] }
        var out: [String: Result] = [:]
        for item in items {
            guard let name = item["name"] as? String, let attrs = item["attrs"] as? [String: Any],
                  let last = attrs["last_check_result"] as? [String: Any] else { continue }
            out[name] = Result(exitStatus: (last["exit_status"] as? NSNumber)?.intValue ?? -1,
                               source: last["check_source"] as? String ?? "",
                               output: last["output"] as? String ?? "",
                               perfdata: last["performance_data"] as? [String] ?? [])
        }
        return out
    }

    /// Service -> (plugin name that starts its output, exit status, a perfdata label it must have).
    static let expected: [String: (String, Int, String)] = [
        "mailstack!smtp-submission": ("SMTP_SESSION", 0, "time_auth="),
        "mailstack!imap-login": ("IMAP_LOGIN", 0, "time="),
        "mailstack!imap-refused": ("IMAP_LOGIN", 2, ""),
        "mailstack!pop3s-login": ("POP3_LOGIN", 0, "time="),
        "mailstack!mail-queue": ("MTA_QUEUE", 0, "deferred="),
        "mailstack!mail-store-disk": ("DISK_GROWTH", 0, "used_pct="),
        "mailstack!delivery-latency": ("DELIVERY_LATENCY", 0, "latency="),
    ]

    @Test func theSatelliteRunsEveryCommandAndTheMasterRecordsStatesAndPerfdata() throws {
        let dir = "/tmp/mailcheck-icinga-test-\(UUID().uuidString.prefix(8))"
        defer {
            _ = try? Plugin.exec(Plugin.root + "/scripts/stacks/icinga2-private.sh", ["stop", dir], limit: 30)
            try? FileManager.default.removeItem(atPath: dir)
        }
        let start = try Plugin.exec(Plugin.root + "/scripts/stacks/icinga2-private.sh", ["start", dir],
                                    environment: ["MAILCHECK_BIN": Scheduler.binary], limit: 90)
        try #require(start.code == 0, "icinga2-private start: \(start.stdout)\(start.stderr)")
        // Until the config sync reached the satellite, its first answers are Icinga's own
        // ("Check command ... does not exist"): wait for the plugins' lines, at most 120 s (a
        // loaded 2-core machine has needed more than 60; a quiet one needs about 15).
        var seen: [String: Result] = [:]
        var last: [String: Result] = [:]
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            last = try Self.results(dir)
            seen = last.filter { name, result in
                guard let want = Self.expected[name] else { return false }
                return result.source == "mailcheck-satellite" && result.output.hasPrefix(want.0 + " ")
            }
            if seen.count == Self.expected.count { break }
            usleep(500_000)
        }
        for (name, want) in Self.expected.sorted(by: { $0.key < $1.key }) {
            guard let got = seen[name] else {
                let got = last[name].map { "last result from \($0.source): \($0.output.prefix(200))" } ?? "no result at all"
                Issue.record("\(name): no plugin result from the satellite at the master within 120 s (\(got))")
                continue
            }
            #expect(got.exitStatus == want.1, "\(name): \(got.output)")
            if !want.2.isEmpty {
                #expect(got.perfdata.contains { $0.hasPrefix(want.2) || $0.hasPrefix("'" + want.2) }, "\(name): perfdata \(got.perfdata)")
            }
        }
    }
}
