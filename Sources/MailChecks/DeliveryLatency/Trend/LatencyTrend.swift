import CheckKit

/// Median, p95 and failure share of a history, and how fast the p95 moves per day.
struct LatencyTrend: Equatable, Sendable {
    let runs: Int
    let failures: Int
    let median: Double?
    let p95: Double?
    /// Seconds per day of a straight line through the daily p95s; nil before two days with data.
    let p95SlopePerDay: Double?
    let days: Int

    var failurePercent: Double { runs > 0 ? Double(failures) * 100 / Double(runs) : 0 }

    init(_ samples: [LatencySample]) {
        runs = samples.count
        let latencies = samples.compactMap(\.latency).sorted()
        failures = runs - latencies.count
        median = Self.percentile(latencies, 0.5)
        p95 = Self.percentile(latencies, 0.95)
        // One p95 per day (counted back from the newest sample), fitted against time.
        var byDay: [Int: [Double]] = [:]
        let newest = samples.last?.time ?? 0
        for s in samples {
            // A day index from stored times: bounded before it becomes an Int (no trap on any file).
            let day = ((newest - s.time) / GrowthUnits.day).rounded(.down)
            guard let latency = s.latency, day.isFinite, day >= 0, day < 100_000 else { continue }
            byDay[Int(day), default: []].append(latency)
        }
        let points = byDay.compactMap { day, values -> (Double, Double)? in
            guard values.count >= 3, let p = Self.percentile(values.sorted(), 0.95) else { return nil }
            return (-Double(day), p)
        }
        days = points.count
        p95SlopePerDay = Self.slope(points)
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// Least-squares slope of y over x; nil with fewer than two distinct x.
    static func slope(_ points: [(Double, Double)]) -> Double? {
        guard points.count >= 2 else { return nil }
        let n = Double(points.count)
        let mx = points.map(\.0).reduce(0, +) / n, my = points.map(\.1).reduce(0, +) / n
        let sxx = points.map { ($0.0 - mx) * ($0.0 - mx) }.reduce(0, +)
        guard sxx > 0 else { return nil }
        let value = points.map { ($0.0 - mx) * ($0.1 - my) }.reduce(0, +) / sxx
        return value.isFinite ? value : nil
    }
}
