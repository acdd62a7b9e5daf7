import CheckKit

/// Something that happened to a history this run, reported once in the output.
enum HistoryEvent: Equatable, Sendable {
    /// The newest stored samples were later than now: they were dropped.
    case clockWentBack(seconds: Double, dropped: Int)
    /// The size changed by more than `GrowthHistory.resizeTolerance`: the history restarted.
    case resized(from: Double, to: Double)
    /// Another filesystem is mounted at the path now: the history restarted.
    case replaced(from: String, to: String)
    /// The stored lines were not a history of this version: it restarted.
    case unreadable
    /// The state store found a corrupt file, or one of another version, and moved it here.
    case setAside(path: String, reason: SetAsideReason)

    /// A short clause for the summary.
    var text: String {
        switch self {
        case let .clockWentBack(seconds, dropped):
            "clock went back \(GrowthUnits.shortDuration(seconds)), dropped \(dropped) newer sample\(dropped == 1 ? "" : "s")"
        case let .resized(from, to):
            "filesystem resized from \(NumberFormat.bytes(from)) to \(NumberFormat.bytes(to)), history restarted"
        case let .replaced(from, to):
            "another filesystem is mounted (\(from) became \(to)), history restarted"
        case .unreadable:
            "stored history in an unknown format, started a new one"
        case let .setAside(path, .corrupt):
            "corrupt history set aside as \(path)"
        case let .setAside(path, .otherVersion(found)):
            "history of another version (\(found)) set aside as \(path)"
        }
    }
}

/// The timestamped samples of one path, oldest first, bounded in time (the window) and in
/// count (thinned to one sample per 1/64 of its span once it holds more than 128): 65 points
/// are plenty for a straight line, and every stored line costs time on every run.
struct GrowthHistory: Equatable, Sendable {
    static let header = "disk_growth 1"
    static let maxSamples = 128
    static let thinBuckets: Double = 64
    /// Filesystems whose size floats with a shared pool (ZFS datasets, NFS exports) drift a
    /// little all the time; only a larger change is a resize.
    static let resizeTolerance = 0.01

    var samples: [FilesystemSample] = []

    init(samples: [FilesystemSample] = []) { self.samples = samples }

    /// The history stored in `lines`; nil when they are not one (another format or version).
    init?(lines: [String]) {
        guard let first = lines.first else { return }
        guard first == Self.header else { return nil }
        var parsed: [FilesystemSample] = []
        parsed.reserveCapacity(lines.count)
        for line in lines.dropFirst() {
            guard let sample = FilesystemSample(line: line) else { return nil }
            parsed.append(sample)
        }
        // Written in order by this check; sorting costs nothing then and protects the fit otherwise.
        if zip(parsed, parsed.dropFirst()).contains(where: { $0.time > $1.time }) {
            parsed.sort { $0.time < $1.time }
        }
        samples = parsed
    }

    /// The lines to store.
    var lines: [String] { [Self.header] + samples.map(\.line) }

    /// Adds `sample` (taken now), first dropping what can no longer be trusted: samples from
    /// the future (the clock went back), everything when the filesystem was resized or
    /// replaced, and samples older than `window`. Thins the history when it grew too long.
    mutating func record(_ sample: FilesystemSample, window: Double) -> [HistoryEvent] {
        var events: [HistoryEvent] = []
        if let newest = samples.last, newest.time > sample.time {
            let kept = samples.filter { $0.time <= sample.time }
            events.append(.clockWentBack(seconds: newest.time - sample.time, dropped: samples.count - kept.count))
            samples = kept
        }
        if let last = samples.last {
            if last.identity != sample.identity {
                events.append(.replaced(from: last.identity, to: sample.identity))
                samples.removeAll()
            } else if Self.isResize(from: last.size, to: sample.size) {
                events.append(.resized(from: last.size, to: sample.size))
                samples.removeAll()
            }
        }
        let oldest = sample.time - window
        if let first = samples.first, first.time < oldest {
            samples.removeAll { $0.time < oldest }
        }
        samples.append(sample)
        if samples.count > Self.maxSamples { thin() }
        return events
    }

    static func isResize(from old: Double, to new: Double) -> Bool {
        guard old != new else { return false }
        guard old > 0 else { return true }
        return abs(new - old) / old > resizeTolerance
    }

    /// Keeps the newest sample of each 1/64 of the time the history spans, so that the kept
    /// samples stay evenly spread (an unweighted fit then weighs every stretch of time alike)
    /// and a young history keeps enough samples for `--min-samples`: at most 65 remain.
    mutating func thin() {
        let width = span / Self.thinBuckets
        guard width > 0, width.isFinite else {
            samples = Array(samples.suffix(Int(Self.thinBuckets)))
            return
        }
        let start = samples.first?.time ?? 0
        var kept: [FilesystemSample] = []
        kept.reserveCapacity(Int(Self.thinBuckets) + 1)
        for (i, sample) in samples.enumerated() {
            let isLast = i == samples.count - 1
            if isLast || ((sample.time - start) / width).rounded(.down) != ((samples[i + 1].time - start) / width).rounded(.down) {
                kept.append(sample)
            }
        }
        samples = kept
    }

    /// Seconds between the oldest and the newest sample.
    var span: Double {
        guard let first = samples.first, let last = samples.last else { return 0 }
        return last.time - first.time
    }
}
