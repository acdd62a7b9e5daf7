import CheckKit
#if canImport(Glibc)
import Glibc
#endif

/// check_disk_growth: how full each filesystem is, how fast it grows (least squares over a
/// window of stored samples, robust to one outlier), and when it will be full, for bytes
/// and for inodes. A local check: it never touches libcurl.
public struct DiskGrowthCheck: MonitoringCheck {
    public static let programName = "check_disk_growth"
    public static let summary = "Forecasts when filesystems will be full from their growth over a window of stored samples."
    public static let synopsis = "-p PATH [-p PATH]... [--days-warning DAYS] [--days-critical DAYS] [-w PERCENT] [-c PERCENT] [--state-dir DIR] [options]"
    public static let kind = CheckKind.local

    public static var options: [OptionSpec] {
        [
            OptionSpec("path", short: "p", value: "PATH", help: "A file or directory on the filesystem to watch; repeatable (one history each)."),
            OptionSpec("warning", short: "w", value: "RANGE", help: "WARNING when the used percent is outside RANGE (e.g. 80)."),
            OptionSpec("critical", short: "c", value: "RANGE", help: "CRITICAL when the used percent is outside RANGE (e.g. 90)."),
            OptionSpec("days-warning", value: "DAYS", help: "WARNING when bytes or inodes are projected to run out in fewer than DAYS days."),
            OptionSpec("days-critical", value: "DAYS", help: "CRITICAL when bytes or inodes are projected to run out in fewer than DAYS days."),
            OptionSpec("rate-warning", value: "RANGE", help: "WARNING when the growth in bytes per day is outside RANGE; K, M, G, T suffixes allowed (e.g. ~:5G)."),
            OptionSpec("rate-critical", value: "RANGE", help: "CRITICAL when the growth in bytes per day is outside RANGE."),
            OptionSpec("window", value: "DURATION", help: "History the growth is fitted over (default 7d; units s, m, h, d)."),
            OptionSpec("min-samples", value: "N", help: "Samples needed before a forecast is made (default 3)."),
            OptionSpec("min-span", value: "DURATION", help: "Time the samples must span before a forecast is made (default 1m)."),
            OptionSpec("state-dir", value: "DIR", help: "Where histories are kept (default: $\(StateStore.environmentVariable), else \(StateStore.defaultDirectory))."),
        ]
    }

    let paths: [String]
    let settings: GrowthSettings
    let stateDirectory: String

    public init(options: ParsedOptions, context _: RunContext) throws(UsageError) {
        var paths: [String] = []
        for given in options.strings("path") {
            // "/var/mail/" and "/var/mail" are one filesystem path and must share one history.
            var path = given
            while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
            // Control characters would garble the output and no mail store needs them.
            guard !path.isEmpty, !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
                throw UsageError("invalid value '\(given)' for -p/--path")
            }
            guard !paths.contains(path) else { throw UsageError("path '\(path)' is given twice in -p/--path") }
            paths.append(path)
        }
        guard !paths.isEmpty else { throw UsageError("missing -p/--path: name at least one file or directory to watch") }
        self.paths = paths
        var s = GrowthSettings()
        s.percent = try options.thresholds()
        s.rate = Thresholds(warning: try options.string("rate-warning").map { (t) throws(UsageError) in try GrowthUnits.byteRange(t, option: "--rate-warning") },
                            critical: try options.string("rate-critical").map { (t) throws(UsageError) in try GrowthUnits.byteRange(t, option: "--rate-critical") })
        let warnDays = try options.double("days-warning", in: 0...36500)
        let critDays = try options.double("days-critical", in: 0...36500)
        if let warnDays, let critDays, critDays > warnDays {
            throw UsageError("--days-critical (\(NumberFormat.decimal(critDays))) is more than --days-warning (\(NumberFormat.decimal(warnDays))): critical must come closer to full")
        }
        s.days = Thresholds(warning: warnDays.map(Self.fewerDays), critical: critDays.map(Self.fewerDays))
        s.window = try options.string("window").map { (t) throws(UsageError) in try GrowthUnits.duration(t, option: "--window") } ?? s.window
        s.minSpan = try options.string("min-span").map { (t) throws(UsageError) in try GrowthUnits.duration(t, option: "--min-span") } ?? s.minSpan
        // Thinning keeps about 64 samples; half of that can always be met again.
        s.minSamples = try options.int("min-samples", default: 3, in: 2...32)
        guard s.window > 0 else { throw UsageError("invalid value '\(options.string("window") ?? "")' for --window: must be longer than 0") }
        guard s.minSpan <= s.window else {
            throw UsageError("--min-span (\(GrowthUnits.shortDuration(s.minSpan))) is longer than --window (\(GrowthUnits.shortDuration(s.window)))")
        }
        settings = s
        stateDirectory = StateStore.directory(option: options.string("state-dir"))
    }

    /// `--days-warning 30` alerts when the seconds to full fall below 30 days: the range `2592000:`.
    static func fewerDays(_ days: Double) -> ThresholdRange {
        let seconds = days * GrowthUnits.day
        return ThresholdRange(start: seconds, end: .infinity, text: NumberFormat.decimal(seconds, fractionDigits: 0) + ":")
    }

    public func run(_ context: RunContext) throws(CheckError) -> CheckReport {
        let store = StateStore(directory: stateDirectory)
        var results: [CheckResult] = []
        var details: [String] = []
        var observations: [PathObservation] = []
        var failures: [String] = []
        for (index, path) in paths.enumerated() {
            let reporter = PathReport(settings: settings, prefix: paths.count > 1 ? "\(index + 1)_" : "")
            context.activity("reading \(path)")
            do {
                let observation = try observe(path, store: store, context: context)
                let (result, lines) = reporter.report(observation)
                observations.append(observation)
                results.append(result)
                details += lines
            } catch {
                // The history could not be used; the usage itself may still be measurable.
                if let usage = try? FilesystemUsage.read(path, at: context.clock.now()), usage.usedPercent != nil {
                    let (result, lines) = reporter.usageOnly(path, usage)
                    results.append(result)
                    details += lines
                }
                // One unwritable state directory fails every path alike: say it once.
                if !failures.contains(error.message) {
                    failures.append(error.message)
                    results.append(CheckResult(error.status, error.message))
                }
                details += error.detail
            }
        }
        // One path: its sentence is the summary. Several: which fills first (each path's
        // sentence is in the long output).
        let overview = paths.count > 1 ? Self.overview(observations, paths: paths.count) : nil
        return CheckReport(name: Self.pluginName, results: results, okSummary: overview, details: details)
    }

    /// Reads `path` and records the sample under the history's lock: the time is taken once
    /// the lock is held, so overlapping runs store their samples in order.
    func observe(_ path: String, store: StateStore, context: RunContext) throws(CheckError) -> PathObservation {
        try store.update("disk_growth " + path, format: GrowthHistory.header, deadline: context.deadline) { (record: inout StateRecord) throws(CheckError) -> PathObservation in
            let usage = try FilesystemUsage.read(path, at: context.clock.now())
            guard usage.usedPercent != nil else {
                throw CheckError.unknown("\(path) is on a filesystem that reports no size (not a disk filesystem?)")
            }
            var events: [HistoryEvent] = record.setAsidePath.map { [.setAside(path: $0, reason: record.setAsideReason ?? .corrupt)] } ?? []
            var history = GrowthHistory(lines: record.lines) ?? {
                events.append(.unreadable)
                return GrowthHistory()
            }()
            let observation = PathObservation(path: path, usage: usage, history: history, events: events, settings: settings)
            history = observation.history
            record.lines = history.lines
            context.log(2, "\(path): \(history.samples.count) samples stored in \(store.directory)")
            return observation
        }
    }

    /// The OK summary with several paths: which one fills first, and any history events.
    static func overview(_ observations: [PathObservation], paths: Int) -> String {
        var text = "\(paths) paths"
        let filling = observations.compactMap { o -> (String, Double, Double)? in
            let soonest = [o.bytesOutlook?.secondsToFull, o.inodesOutlook?.secondsToFull].compactMap { $0 }.min()
            return soonest.map { (o.path, $0, o.usage.sample.time) }
        }
        if let first = filling.min(by: { $0.1 < $1.1 }) {
            text += first.1 <= 0 ? ", \(first.0) full now" : ", soonest full: \(first.0) in \(GrowthUnits.span(first.1)) (\(GrowthUnits.date(first.2 + first.1)))"
        } else {
            let collecting = observations.filter { $0.bytes == nil }.count
            text += collecting == observations.count ? ", collecting samples"
                : ", none filling up" + (collecting > 0 ? " (\(collecting) still collecting samples)" : "")
        }
        for o in observations where !o.events.isEmpty {
            text += "; \(o.path): " + o.events.map(\.text).joinedText("; ")
        }
        return text
    }
}
