import CheckKit

/// The latency trend's options: where the history lives, its window, and its thresholds.
struct TrendOptions: Sendable {
    static var specs: [OptionSpec] {
        [
            OptionSpec("state-dir", value: "DIR", help: "Keep the latency history of each --check-name (and the OAuth2 token cache) here (default: $\(StateStore.environmentVariable), else \(StateStore.defaultDirectory)); giving it turns the trend on."),
            OptionSpec("trend-window", value: "DURATION", help: "The trend covers this much history (s, m, h, d; default 7d)."),
            OptionSpec("p95-warning", value: "RANGE", help: "WARNING when the 95th percentile of the latency over the window, in seconds, is outside RANGE."),
            OptionSpec("p95-critical", value: "RANGE", help: "CRITICAL when the 95th percentile of the latency over the window is outside RANGE."),
            OptionSpec("failures-warning", value: "RANGE", help: "WARNING when the percentage of failed runs in the window is outside RANGE."),
            OptionSpec("failures-critical", value: "RANGE", help: "CRITICAL when the percentage of failed runs in the window is outside RANGE."),
            OptionSpec("min-samples", value: "N", help: "Raise no trend state before the window holds N runs (default 10)."),
        ]
    }

    /// Nil when the trend is off (no state directory and no trend option given).
    let directory: String?
    let window: Double
    let p95: Thresholds
    let failures: Thresholds
    let minSamples: Int

    init(_ options: ParsedOptions) throws(UsageError) {
        window = try options.string("trend-window").map { (t) throws(UsageError) in try GrowthUnits.duration(t, option: "--trend-window") } ?? 7 * GrowthUnits.day
        guard window > 0 else { throw UsageError("invalid value '\(options.string("trend-window") ?? "")' for --trend-window: must be longer than 0") }
        p95 = try options.thresholds(warning: "p95-warning", critical: "p95-critical")
        failures = try options.thresholds(warning: "failures-warning", critical: "failures-critical")
        minSamples = try options.int("min-samples", default: 10, in: 1...LatencyHistory.maxSamples / 2)
        let asked = ["state-dir", "trend-window", "p95-warning", "p95-critical", "failures-warning", "failures-critical", "min-samples"].contains(where: options.has)
        let fromEnvironment = !(FileIO.environment(StateStore.environmentVariable) ?? "").isEmpty
        directory = asked || fromEnvironment ? StateStore.directory(option: options.string("state-dir")) : nil
    }
}
