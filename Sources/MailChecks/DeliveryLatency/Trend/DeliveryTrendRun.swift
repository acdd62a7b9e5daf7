import CheckKit
import MailTransport

extension DeliveryLatencyCheck {
    /// Measures, then (with a state directory) adds this run to its --check-name's history and
    /// the trend over --trend-window to the report. A failed delivery is recorded as a failure
    /// and still ends the run as it would without the trend; a run that could not measure
    /// (UNKNOWN) is not a delivery result and is not recorded.
    public func run(_ context: RunContext) throws(CheckError) -> CheckReport {
        guard let directory = trend.directory else { return try measure(context) }
        let report: CheckReport
        do {
            report = try measure(context)
        } catch {
            if error.status == .critical || error.status == .warning {
                _ = try? recordTrend(nil, directory: directory, context: context)
            }
            throw error
        }
        // A probe not found in time gives a report without a latency: that run failed too.
        let latency = report.perfdata.first { $0.label == "latency" }?.value
        let (results, details) = try recordTrend(latency, directory: directory, context: context)
        var out = report
        out.results += results
        out.details += details
        return out
    }

    /// Appends one sample under the store's lock and evaluates the window.
    func recordTrend(_ latency: Double?, directory: String, context: RunContext) throws(CheckError) -> ([CheckResult], [String]) {
        let now = context.clock.now()
        let store = StateStore(directory: directory)
        let window = trend.window
        return try store.update("delivery-trend-" + checkName, format: LatencyHistory.header, deadline: context.deadline) { (record: inout StateRecord) throws(CheckError) in
            var history = LatencyHistory(lines: record.lines) ?? LatencyHistory()
            var notes: [String] = []
            if let path = record.setAsidePath { notes.append("trend: unreadable history set aside as \(path), started a new one") }
            let dropped = history.record(LatencySample(time: now, latency: latency), window: window)
            if dropped > 0 { notes.append("trend: clock went back, dropped \(dropped) newer sample\(dropped == 1 ? "" : "s")") }
            record.lines = history.lines
            return TrendReport(trend: LatencyTrend(history.samples), options: trend, recent: history.samples.suffix(5)).render(notes: notes)
        }
    }
}

/// The trend's results (perfdata and thresholds) and long-output lines.
struct TrendReport {
    let trend: LatencyTrend
    let options: TrendOptions
    let recent: ArraySlice<LatencySample>

    func render(notes: [String]) -> ([CheckResult], [String]) {
        let window = GrowthUnits.shortDuration(options.window)
        var results: [CheckResult] = [.metric("trend_runs", Double(trend.runs), min: 0)]
        var details = notes
        let ready = trend.runs >= options.minSamples
        if !ready {
            details.append("trend: \(trend.runs) of \(options.minSamples) runs needed (--min-samples) before any trend state")
        }
        let p95Thresholds = ready ? options.p95 : Thresholds()
        if let median = trend.median { results.append(.metric("latency_median", median, unit: .seconds, min: 0)) }
        if let p95 = trend.p95 {
            var result = CheckResult.measure("latency_p95", p95, unit: .seconds, thresholds: p95Thresholds, min: 0,
                                             message: "p95 latency \(NumberFormat.seconds(p95)) over \(window)", inSummary: false)
            if !ready { result.perfdata = PerfDatum("latency_p95", p95, unit: .seconds, thresholds: options.p95, min: 0).map { [$0] } ?? [] }
            if result.status != .ok { result.inSummary = true }
            results.append(result)
        } else if ready && !options.p95.isEmpty {
            results.append(CheckResult(.unknown, "no successful run in the last \(window): p95 cannot be measured"))
        }
        let percent = trend.failurePercent
        var failures = CheckResult.measure("failures", percent, unit: .percent, thresholds: ready ? options.failures : Thresholds(), min: 0, max: 100,
                                           message: "\(trend.failures) of \(trend.runs) runs failed in \(window) (\(NumberFormat.decimal(percent, fractionDigits: 1)) %)",
                                           inSummary: false)
        if failures.status != .ok { failures.inSummary = true }
        results.append(failures)
        details.append("trend over \(window): \(trend.runs) runs, \(trend.failures) failed"
                       + (trend.median.map { ", median \(NumberFormat.seconds($0))" } ?? "")
                       + (trend.p95.map { ", p95 \(NumberFormat.seconds($0))" } ?? ""))
        if let slope = trend.p95SlopePerDay {
            details.append("p95 slope: \(slope >= 0 ? "+" : "")\(NumberFormat.decimal(slope, fractionDigits: 4)) s per day (\(trend.days) days with data)")
        } else {
            details.append("p95 slope: needs two days with at least 3 successful runs each")
        }
        let last = recent.reversed().map { s in
            "\(GrowthUnits.date(s.time, time: true)) \(s.latency.map { NumberFormat.seconds($0) } ?? "failed")"
        }
        details.append("last results: " + last.joinedText("; "))
        return (results, details)
    }
}
