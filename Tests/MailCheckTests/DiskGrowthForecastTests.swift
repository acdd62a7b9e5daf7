import Testing
@testable import MailChecks

/// The forecast math on synthetic histories with known slopes: least squares, one outlier,
/// shrink and flat, resize and replacement, a clock that jumps back, thinning, parsing.
struct DiskGrowthForecastTests {
    static let day = 86400.0
    static let gib = 1_073_741_824.0

    /// A sample of a 1 TiB filesystem at `time` with `used` bytes.
    static func sample(_ time: Double, _ used: Double, size: Double = 1024 * gib, id: String = "fsid:abc") -> FilesystemSample {
        FilesystemSample(time: time, size: size, used: used, inodesUsed: used / 65536, inodesTotal: 1e8, identity: id)
    }

    /// Deterministic noise in [-1, 1): a linear congruential generator, the same on every run.
    struct Noise {
        var state: UInt64 = 42
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
    }

    @Test(arguments: [
        (2.1 * gib, 300.0, 2016),   // +2.1 GiB/day, every 5 minutes for a week
        (512.0, 3600.0, 24),        // almost nothing, hourly for a day
        (40 * gib, 60.0, 200),      // fast, every minute
        (-3 * gib, 900.0, 100),     // shrinking
    ])
    func exactLineGivesItsSlope(perDay: Double, interval: Double, count: Int) throws {
        let t0 = 1_800_000_000.0
        let times = (0..<count).map { t0 + Double($0) * interval }
        let values = times.map { 500 * Self.gib + ($0 - t0) * perDay / Self.day }
        let fit = try #require(GrowthFit.fit(times: times, values: values, resolution: 4096))
        #expect(abs(fit.slope * Self.day - perDay) <= max(abs(perDay) * 1e-9, 0.001))
        #expect(fit.outlier == nil)
        #expect(fit.samples == count)
    }

    @Test func noisyLineIsWithinOnePercentAndProjectsWithinOnePercent() throws {
        var noise = Noise()
        let perDay = 2 * Self.gib
        let times = (0..<2016).map { 1_800_000_000 + Double($0) * 300 }
        let values = times.map { 600 * Self.gib + ($0 - times[0]) * perDay / Self.day + noise.next() * 200 * 1_048_576 }
        let fit = try #require(GrowthFit.fit(times: times, values: values, resolution: 4096))
        #expect(abs(fit.slope * Self.day - perDay) / perDay < 0.01)
        let available = 86 * Self.gib
        let outlook = GrowthOutlook.project(available: available, rate: fit.slope)
        let seconds = try #require(outlook.secondsToFull)
        #expect(abs(seconds - 43 * Self.day) / (43 * Self.day) < 0.01)
    }

    @Test(arguments: [0, 3, 7, 11])  // oldest, middle, near the end, newest
    func oneOutlierIsLeftOut(index: Int) throws {
        let times = (0..<12).map { 1_800_000_000 + Double($0) * 3600 }
        var values = times.map { 100 * Self.gib + ($0 - times[0]) * 0.5 * Self.gib / Self.day }
        values[index] += 80 * Self.gib  // a backup that was there for one sample
        let plain = try #require(GrowthFit.fit(times: Array(times.prefix(4)), values: Array(values.prefix(4)), resolution: 4096))
        let fit = try #require(GrowthFit.fit(times: times, values: values, resolution: 4096))
        #expect(abs(fit.slope * Self.day - 0.5 * Self.gib) < 1, "slope \(fit.slope * Self.day)")
        #expect(fit.outlier?.time == times[index])
        #expect(abs((fit.outlier?.deviation ?? 0) - 80 * Self.gib) < 1)
        #expect(fit.samples == 11)
        // With four points there is no telling an outlier from a trend: plain least squares.
        if index < 4 { #expect(plain.outlier == nil) }
    }

    @Test func noisyDataKeepsItsPoints() throws {
        var noise = Noise()
        let times = (0..<50).map { Double($0) * 600 }
        let values = times.map { 1e12 + $0 * 1000 + noise.next() * 1e8 }
        let fit = try #require(GrowthFit.fit(times: times, values: values, resolution: 4096))
        #expect(fit.outlier == nil)
    }

    @Test func noFitWithoutSpread() {
        #expect(GrowthFit.fit(times: [5, 5, 5], values: [1, 2, 3], resolution: 1) == nil)
        #expect(GrowthFit.fit(times: [5], values: [1], resolution: 1) == nil)
        #expect(GrowthFit.fit(times: [], values: [], resolution: 1) == nil)
        #expect(GrowthFit.fit(times: [1, 2], values: [.nan, 1], resolution: 1) == nil)
        #expect(GrowthFit.fit(times: [1, 2], values: [.infinity, 1], resolution: 1) == nil)
    }

    @Test(arguments: [
        (100.0, 1.0, GrowthOutlook.filling(seconds: 100)),
        (0.0, 1.0, .full),
        (0.0, -1.0, .full),
        (100.0, -1.0, .shrinking),
        (100.0, 0.0, .flat),
        (1e15, 1e-3, .flat),            // 3e10 years: flat
        (1e15, -1e-3, .flat),
        (100.0, .nan, .flat),
        (100.0, .infinity, .flat),
    ])
    func outlook(available: Double, rate: Double, expected: GrowthOutlook) {
        #expect(GrowthOutlook.project(available: available, rate: rate) == expected)
    }

    @Test func clockGoingBackDropsTheFutureSamples() {
        var history = GrowthHistory(samples: [Self.sample(100, 1), Self.sample(200, 2), Self.sample(300, 3)])
        let events = history.record(Self.sample(150, 4), window: 7 * Self.day)
        #expect(events == [.clockWentBack(seconds: 150, dropped: 2)])
        #expect(history.samples.map(\.time) == [100, 150])
    }

    @Test(arguments: [
        (1024.0 * gib, 2048.0 * gib, true),
        (1024.0 * gib, 1000.0 * gib, true),
        (1024.0 * gib, 1020.0 * gib, false),  // 0.4 %: a ZFS dataset's floating size
        (1024.0 * gib, 1024.0 * gib, false),
        (0.0, 1.0, true),
    ])
    func resizeRestartsTheHistory(from: Double, to: Double, restarts: Bool) {
        var history = GrowthHistory(samples: [Self.sample(100, 1, size: from), Self.sample(200, 2, size: from)])
        let events = history.record(Self.sample(300, 3, size: to), window: 7 * Self.day)
        #expect(events == (restarts ? [.resized(from: from, to: to)] : []))
        #expect(history.samples.count == (restarts ? 1 : 3))
    }

    @Test func replacedFilesystemRestartsTheHistory() {
        var history = GrowthHistory(samples: [Self.sample(100, 1), Self.sample(200, 2)])
        let events = history.record(Self.sample(300, 3, id: "dev:2049"), window: 7 * Self.day)
        #expect(events == [.replaced(from: "fsid:abc", to: "dev:2049")])
        #expect(history.samples.map(\.time) == [300])
    }

    @Test func samplesOlderThanTheWindowAreDropped() {
        var history = GrowthHistory(samples: (0..<10).map { Self.sample(Double($0) * Self.day, 1) })
        _ = history.record(Self.sample(10 * Self.day, 1), window: 7 * Self.day)
        #expect(history.samples.first?.time == 3 * Self.day)
        #expect(history.samples.count == 8)
    }

    @Test(arguments: [1.0, 60, 300, 3600])
    func historyStaysBoundedHoweverOftenItRuns(interval: Double) {
        var history = GrowthHistory()
        let window = 7 * Self.day
        var largest = 0
        var t = 1_800_000_000.0
        for i in 0..<20_000 {
            _ = history.record(Self.sample(t, Double(i) * 4096), window: window)
            largest = max(largest, history.samples.count)
            t += interval
        }
        #expect(largest <= GrowthHistory.maxSamples)
        #expect(history.samples.last?.time == t - interval, "the newest sample is always kept")
        let bytes = history.lines.reduce(0) { $0 + $1.utf8.count + 1 }
        #expect(bytes < 12_000, "\(bytes) bytes")
        // Thinning keeps the line: the slope of a linear history survives it.
        let fit = GrowthFit.fit(times: history.samples.map(\.time), values: history.samples.map(\.used), resolution: 4096)
        #expect(abs((fit?.slope ?? 0) - 4096 / interval) < 1e-6 * 4096 / interval)
    }

    @Test func thinningAYoungHistoryKeepsItEvenlySpread() {
        // Runs every 30 s for about an hour in a week-long window: thinning must not collapse it.
        var history = GrowthHistory()
        for i in 0...GrowthHistory.maxSamples {
            _ = history.record(Self.sample(1_800_000_000 + Double(i) * 30, Double(i)), window: 7 * Self.day)
        }
        #expect((33...65).contains(history.samples.count), "\(history.samples.count)")
        let t0: Double = 1_800_000_000
        #expect(history.samples.first?.time == t0 + 30, "the oldest kept is the newest of the first stretch")
        #expect(history.samples.last?.time == t0 + Double(GrowthHistory.maxSamples) * 30, "the newest is always kept")
        let gaps = zip(history.samples, history.samples.dropFirst()).map { $1.time - $0.time }
        #expect(gaps.dropLast().allSatisfy { $0 == 60 }, "\(gaps)")
    }

    @Test func thinningSamplesFromOneMomentKeepsTheNewest() {
        var history = GrowthHistory(samples: (0..<GrowthHistory.maxSamples).map { Self.sample(500, Double($0)) })
        _ = history.record(Self.sample(500, 999), window: 7 * Self.day)
        #expect(history.samples.count == 64)
        #expect(history.samples.last?.used == 999)
    }

    @Test func linesRoundTrip() throws {
        let samples = [FilesystemSample(time: 1_800_000_000.125, size: 8e15, used: 1234567, inodesUsed: 11, inodesTotal: 2048, identity: "fsid:7e7ce81a64165a92"),
                       FilesystemSample(time: 1_800_000_300, size: 8e15, used: 0, inodesUsed: 0, inodesTotal: 0, identity: "dev:39")]
        let history = GrowthHistory(samples: samples)
        #expect(history.lines == ["disk_growth 1", "1800000000.125 8000000000000000 1234567 11 2048 fsid:7e7ce81a64165a92",
                                  "1800000300 8000000000000000 0 0 0 dev:39"])
        #expect(GrowthHistory(lines: history.lines) == history)
        #expect(GrowthHistory(lines: []) == GrowthHistory())
    }

    @Test(arguments: [
        "", "1 2 3 4 5", "1 2 3 4 5 fsid:1 extra", "nan 2 3 4 5 fsid:1", "inf 2 3 4 5 fsid:1", "1e5 2 3 4 5 fsid:1",
        "-1 2 3 4 5 fsid:1", "+1 2 3 4 5 fsid:1", "1 2 3 4 5 uuid:1", "1  2 3 4 5 fsid:1", "0x10 2 3 4 5 fsid:1",
        "1 99999999999999999999 3 4 5 fsid:1", "１ 2 3 4 5 fsid:1", "1.2.3 2 3 4 5 fsid:1",
    ])
    func malformedLinesMakeTheHistoryUnreadable(line: String) {
        #expect(FilesystemSample(line: line) == nil)
        #expect(GrowthHistory(lines: ["disk_growth 1", line]) == nil)
    }

    @Test func otherHeadersAreUnreadable() {
        #expect(GrowthHistory(lines: ["disk_growth 2"]) == nil)
        #expect(GrowthHistory(lines: ["1800000000 1 1 1 1 fsid:1"]) == nil)
    }

    @Test func randomBytesNeverTrap() {
        var noise = Noise()
        for _ in 0..<2000 {
            let length = Int((noise.next() + 1) * 20)
            // Every byte value, not just ASCII: a history file can hold anything after a crash.
            let bytes = (0..<length).map { _ in UInt8(min(255, (noise.next() + 1) * 128)) }
            let line = String(decoding: bytes, as: UTF8.self)
            _ = FilesystemSample(line: line)
            _ = GrowthHistory(lines: ["disk_growth 1", line])
        }
    }

    @Test func unsortedStoredSamplesAreSorted() throws {
        let history = try #require(GrowthHistory(lines: ["disk_growth 1", "300 1 1 1 1 fsid:1", "100 1 1 1 1 fsid:1", "200 1 1 1 1 fsid:1"]))
        #expect(history.samples.map(\.time) == [100, 200, 300])
    }
}
