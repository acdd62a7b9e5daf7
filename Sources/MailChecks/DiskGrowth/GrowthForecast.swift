/// A growth rate fitted by least squares, robust to one outlier.
struct GrowthFit: Equatable, Sendable {
    /// Units (bytes or inodes) per second.
    let slope: Double
    /// Points the fit used (an outlier left out is not counted).
    let samples: Int
    /// The point left out, when one lay far off the line through the others.
    let outlier: Outlier?

    /// A sample left out of the fit and how far it lay from the line (positive: above it).
    struct Outlier: Equatable, Sendable {
        let time: Double
        let deviation: Double
    }

    /// Outlier detection needs enough points for the others' scatter to mean something.
    static let minimumForOutliers = 5
    /// How many robust standard deviations away a point must lie to be left out.
    static let outlierFactor: Double = 6

    /// Fits `values` against `times` (seconds). With five points or more, the point farthest
    /// from the line through all the others (its deleted residual) is left out when it lies
    /// more than six robust standard deviations (1.4826 x the median absolute residual of the
    /// others, at least `resolution`) away: one deleted backup or one odd reading cannot tilt
    /// the rate. Nil when the times do not spread (no line can be fitted).
    static func fit(times: [Double], values: [Double], resolution: Double) -> GrowthFit? {
        let n = min(times.count, values.count)
        guard n >= 2 else { return nil }
        // Centred data: the sums stay small and exact enough even for epoch times and petabytes.
        let meanT = times.prefix(n).reduce(0, +) / Double(n)
        let meanY = values.prefix(n).reduce(0, +) / Double(n)
        var dt = [Double](repeating: 0, count: n)
        var dy = [Double](repeating: 0, count: n)
        var stt = 0.0, sty = 0.0
        for i in 0..<n {
            dt[i] = times[i] - meanT
            dy[i] = values[i] - meanY
            stt += dt[i] * dt[i]
            sty += dt[i] * dy[i]
        }
        guard stt > 0, stt.isFinite, sty.isFinite else { return nil }
        let slope = sty / stt
        guard slope.isFinite else { return nil }
        guard n >= minimumForOutliers else { return GrowthFit(slope: slope, samples: n, outlier: nil) }

        // Line through all points but i, from the full sums minus point i (O(1) each).
        var worst = -1
        var worstDeviation = 0.0
        var worstLine = (slope: slope, level: 0.0)
        let m = Double(n - 1)
        for i in 0..<n {
            let sumT = -dt[i], sumY = -dy[i]  // the centred sums of all points are zero
            let sxx = (stt - dt[i] * dt[i]) - sumT * sumT / m
            let sxy = (sty - dt[i] * dy[i]) - sumT * sumY / m
            guard sxx > stt * 1e-12 else { continue }
            let b = sxy / sxx
            let a = sumY / m - b * sumT / m
            let deviation = dy[i] - (a + b * dt[i])
            if deviation.isFinite && abs(deviation) > abs(worstDeviation) {
                worst = i
                worstDeviation = deviation
                worstLine = (b, a)
            }
        }
        guard worst >= 0 else { return GrowthFit(slope: slope, samples: n, outlier: nil) }
        var residuals: [Double] = []
        residuals.reserveCapacity(n - 1)
        for j in 0..<n where j != worst {
            residuals.append(abs(dy[j] - (worstLine.level + worstLine.slope * dt[j])))
        }
        residuals.sort()
        let median = residuals.count % 2 == 1
            ? residuals[residuals.count / 2]
            : (residuals[residuals.count / 2 - 1] + residuals[residuals.count / 2]) / 2
        let sigma = max(1.4826 * median, resolution, 0)
        guard abs(worstDeviation) > outlierFactor * sigma, worstLine.slope.isFinite else {
            return GrowthFit(slope: slope, samples: n, outlier: nil)
        }
        return GrowthFit(slope: worstLine.slope, samples: n - 1,
                         outlier: Outlier(time: times[worst], deviation: worstDeviation))
    }
}

/// Where a filesystem is heading, for bytes or for inodes.
enum GrowthOutlook: Equatable, Sendable {
    /// Nothing left for unprivileged users: full now, whatever the trend.
    case full
    /// Filling up: full in this many seconds at the fitted rate.
    case filling(seconds: Double)
    /// Growing or shrinking so slowly that it would take longer than `horizon` to fill.
    case flat
    /// Shrinking.
    case shrinking

    /// Beyond this a projection means nothing: the rate is noise, call it flat.
    static let horizon: Double = 100 * 365.25 * GrowthUnits.day

    /// The outlook for `available` units left at `rate` units per second.
    static func project(available: Double, rate: Double) -> GrowthOutlook {
        if available <= 0 { return .full }
        if !rate.isFinite || abs(rate) * horizon < available { return .flat }
        return rate > 0 ? .filling(seconds: available / rate) : .shrinking
    }

    /// Seconds until full: 0 when full, nil when not filling up.
    var secondsToFull: Double? {
        switch self {
        case .full: 0
        case let .filling(seconds): seconds
        case .flat, .shrinking: nil
        }
    }
}
