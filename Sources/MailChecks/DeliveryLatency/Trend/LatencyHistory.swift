import CheckKit

/// One run of a delivery check as the trend remembers it: when, and the latency or a failure.
struct LatencySample: Equatable, Sendable {
    let time: Double
    /// Seconds from acceptance to visible in the mailbox; nil when the run failed.
    let latency: Double?

    init(time: Double, latency: Double?) {
        self.time = time
        self.latency = latency
    }

    /// `1733300000.123 0.084512` or `1733300000.123 fail`; nil for anything else.
    init?(line: String) {
        let parts = line.split(separator: " ")
        guard parts.count == 2, let time = GrowthUnits.plainNumber(parts[0]) else { return nil }
        self.time = time
        if parts[1] == "fail" {
            latency = nil
        } else {
            guard let value = GrowthUnits.plainNumber(parts[1]) else { return nil }
            latency = value
        }
    }

    var line: String {
        "\(NumberFormat.decimal(time, fractionDigits: 3)) \(latency.map { NumberFormat.decimal($0, fractionDigits: 6) } ?? "fail")"
    }
}

/// The results of one --check-name, oldest first, bounded in time (the window) and in count:
/// past `maxSamples` every second sample of the older half goes, which keeps the share of
/// failures and the spread of latencies about as they were (a run a minute for 7 days is
/// 10080 runs; 2048 lines stay cheap to read on every run).
struct LatencyHistory: Equatable, Sendable {
    static let header = "delivery_trend 1"
    static let maxSamples = 2048

    var samples: [LatencySample] = []

    init(samples: [LatencySample] = []) { self.samples = samples }

    /// The history stored in `lines`; nil when they are not one (another format or version).
    init?(lines: [String]) {
        guard let first = lines.first else { return }
        guard first == Self.header else { return nil }
        var parsed: [LatencySample] = []
        parsed.reserveCapacity(lines.count)
        for line in lines.dropFirst() {
            guard let sample = LatencySample(line: line) else { return nil }
            parsed.append(sample)
        }
        if zip(parsed, parsed.dropFirst()).contains(where: { $0.time > $1.time }) { parsed.sort { $0.time < $1.time } }
        samples = parsed
    }

    var lines: [String] { [Self.header] + samples.map(\.line) }

    /// Adds `sample`, first dropping samples from the future (the clock went back: returns how
    /// many) and those older than `window`; thins when too long.
    mutating func record(_ sample: LatencySample, window: Double) -> Int {
        let before = samples.count
        samples.removeAll { $0.time > sample.time }
        let dropped = before - samples.count
        samples.removeAll { $0.time < sample.time - window }
        samples.append(sample)
        if samples.count > Self.maxSamples {
            let half = samples.count / 2
            let older = samples[..<half].enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
            samples = older + samples[half...]
        }
        return dropped
    }
}
