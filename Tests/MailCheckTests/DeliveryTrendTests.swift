import Foundation
import Testing
@testable import MailChecks

/// The latency trend: its arithmetic on synthetic histories, and real runs of the built
/// check against the test stack, days apart by MAILCHECK_NOW.
@Suite struct DeliveryTrendTests {
    @Test func percentilesAndFailureShare() {
        var samples = (1...19).map { LatencySample(time: Double($0), latency: Double($0)) }
        samples.append(LatencySample(time: 20, latency: nil))
        let trend = LatencyTrend(samples)
        #expect(trend.runs == 20 && trend.failures == 1)
        #expect(trend.failurePercent == 5)
        #expect(trend.median == 10)
        #expect(trend.p95 == 19)
        #expect(LatencyTrend(samples.filter { $0.latency == nil }).p95 == nil)
    }

    @Test func p95SlopeFollowsADailyRise() throws {
        // Ten runs a day for six days; each day's latencies are one second slower than the day before.
        var samples: [LatencySample] = []
        for day in 0..<6 {
            for i in 0..<10 {
                let time = Double(day) * 86400 + Double(i) * 600
                samples.append(LatencySample(time: time, latency: Double(day) + Double(i) / 100))
            }
        }
        let slope = try #require(LatencyTrend(samples).p95SlopePerDay)
        #expect(abs(slope - 1) < 0.05)
        #expect(LatencyTrend(Array(samples.prefix(10))).p95SlopePerDay == nil)
    }

    @Test func historyIsBoundedByWindowCountAndClock() {
        var history = LatencyHistory()
        for i in 0..<5000 { _ = history.record(LatencySample(time: Double(i) * 60, latency: i % 10 == 0 ? nil : 0.5), window: 7 * 86400) }
        #expect(history.samples.count <= LatencyHistory.maxSamples)
        let share = Double(history.samples.filter { $0.latency == nil }.count) / Double(history.samples.count)
        #expect(share > 0.05 && share < 0.15)
        // Older than the window: gone.
        _ = history.record(LatencySample(time: 5000 * 60 + 8 * 86400, latency: 1), window: 7 * 86400)
        #expect(history.samples.count == 1)
        // The clock went back: the newer sample is dropped.
        #expect(history.record(LatencySample(time: 0, latency: 1), window: 7 * 86400) == 1)
        #expect(LatencyHistory(lines: history.lines) == history)
        #expect(LatencyHistory(lines: ["delivery_trend 1", "12 x"]) == nil)
        #expect(LatencyHistory(lines: ["other 1"]) == nil)
    }

    /// Real probes into erin's mailbox, 12 hours apart by MAILCHECK_NOW; some sent to a closed port.
    @Test func realRunsBuildATrendThatAlertsOnlyAfterMinSamples() throws {
        let dir = NSTemporaryDirectory() + "mailcheck-trend-\(UUID().uuidString)"
        let name = "trend-\(UUID().uuidString.prefix(8))"
        let start = 1_733_000_000
        func run(_ i: Int, smtpPort: String) throws -> PluginRun {
            try Plugin.run("check_delivery_latency", [
                "-H", MailStack.host, "--smtp-port", smtpPort, "--imap-port", MailStack["IMAP_PORT"],
                "-U", MailStack["ERIN_USER"], "--password-file", MailStack["ERIN_PASS_FILE"], "--check-name", name,
                "--state-dir", dir, "--min-samples", "4", "--p95-warning", "0.000001", "--failures-critical", "30", "-t", "15", "-v",
            ], environment: ["MAILCHECK_NOW": String(start + i * 43200)])
        }
        var runs: [PluginRun] = []
        for i in 0..<3 { runs.append(try run(i, smtpPort: MailStack["SMTP_PORT"])) }
        for r in runs {
            expectWellFormed(r)
            #expect(r.code == 0, "no trend state before --min-samples: \(r)")
            #expect(r.stdout.contains("(--min-samples) before any trend state"))
        }
        let slow = try run(3, smtpPort: MailStack["SMTP_PORT"])
        #expect(slow.code == 1, "\(slow)")
        #expect(slow.status.contains("p95 latency"), "\(slow)")
        #expect(slow.metric("trend_runs") == 4 && slow.metric("failures") == 0)
        #expect(slow.metric("latency_p95") != nil && slow.metric("latency_median") != nil)
        #expect(slow.stdout.contains("last results: "))
        let failed = try run(4, smtpPort: "1")
        #expect(failed.code == 2, "\(failed)")
        for i in 5..<7 { _ = try run(i, smtpPort: "1") }
        let after = try run(7, smtpPort: MailStack["SMTP_PORT"])
        // 3 failures of 8 runs: 37.5 % is above --failures-critical 30.
        #expect(after.code == 2, "\(after)")
        #expect(after.status.contains("3 of 8 runs failed"), "\(after)")
        #expect(after.metric("failures") == 37.5)
        #expect(after.perfdata.contains("failures=37.5%;;30;0;100"), "\(after)")
    }
}
