import CheckKit

/// The thresholds and fitting rules of one run, shared by every path.
struct GrowthSettings: Sendable {
    /// Seconds of history the fit looks at.
    var window: Double = 7 * GrowthUnits.day
    var minSamples = 3
    /// Seconds the samples must span before a forecast is made.
    var minSpan: Double = 60
    /// `-w/-c` on used percent.
    var percent = Thresholds()
    /// `--rate-warning/--rate-critical` on bytes per day.
    var rate = Thresholds()
    /// `--days-warning/--days-critical`, as ranges on seconds to full ("N x 86400:").
    var days = Thresholds()
}

/// What one run saw and remembered for one path.
struct PathObservation: Sendable {
    let path: String
    let usage: FilesystemUsage
    /// The history after this run's sample was recorded.
    let history: GrowthHistory
    let events: [HistoryEvent]
    /// Byte and inode growth; nil while samples are still being collected.
    let bytes: GrowthFit?
    let inodes: GrowthFit?

    /// Records `usage` into `history` and fits it once the history is long enough.
    init(path: String, usage: FilesystemUsage, history old: GrowthHistory, events: [HistoryEvent],
         settings: GrowthSettings) {
        var history = old
        let recorded = history.record(usage.sample, window: settings.window)
        self.path = path
        self.usage = usage
        self.history = history
        self.events = events + recorded
        let ready = history.samples.count >= settings.minSamples && history.span >= settings.minSpan
        let times = history.samples.map(\.time)
        bytes = ready ? GrowthFit.fit(times: times, values: history.samples.map(\.used), resolution: usage.blockSize) : nil
        let hasInodes = usage.sample.inodesTotal > 0
        inodes = ready && hasInodes ? GrowthFit.fit(times: times, values: history.samples.map(\.inodesUsed), resolution: 1) : nil
    }

    var bytesOutlook: GrowthOutlook? {
        if usage.available <= 0 { return .full }
        return bytes.map { GrowthOutlook.project(available: usage.available, rate: $0.slope) }
    }

    var inodesOutlook: GrowthOutlook? {
        guard usage.sample.inodesTotal > 0 else { return nil }
        if usage.inodesAvailable <= 0 { return .full }
        return inodes.map { GrowthOutlook.project(available: usage.inodesAvailable, rate: $0.slope) }
    }
}

/// Turns an observation into the path's result (state, sentence, perfdata) and long output.
struct PathReport {
    let settings: GrowthSettings
    /// Perfdata label prefix: empty with one path, `2_` for the second of several.
    let prefix: String

    /// The path's result and its long-output lines.
    func report(_ o: PathObservation) -> (result: CheckResult, details: [String]) {
        let u = o.usage
        let pct = u.usedPercent ?? 0
        let now = u.sample.time
        var states = [settings.percent.evaluate(pct)]
        var perf = usagePerfdata(u)
        var sentence = "\(o.path) \(GrowthUnits.percent(pct)) used, "
        let bytesOutlook = o.bytesOutlook
        var bytesDays: Status = .ok
        if let fit = o.bytes {
            let perDay = fit.slope * GrowthUnits.day
            states.append(settings.rate.evaluate(perDay))
            perf += datum("growth", perDay, .bytes, settings.rate)
        }
        if let seconds = bytesOutlook?.secondsToFull {
            bytesDays = settings.days.evaluate(seconds)
            perf += datum("time_to_full", seconds, .seconds, settings.days, min: 0)
        }
        sentence += bytesClause(o, bytesOutlook, now: now)
        states.append(bytesDays)

        let inodesOutlook = o.inodesOutlook
        if let fit = o.inodes { perf += datum("inodes_growth", fit.slope * GrowthUnits.day, .none, Thresholds()) }
        if let seconds = inodesOutlook?.secondsToFull {
            let inodesDays = settings.days.evaluate(seconds)
            states.append(inodesDays)
            perf += datum("inodes_time_to_full", seconds, .seconds, settings.days, min: 0)
            // Name inodes in the summary when they run out first or raise the alarm.
            let bytesSeconds = bytesOutlook?.secondsToFull ?? .infinity
            if seconds < bytesSeconds || inodesDays > bytesDays {
                sentence += ", inodes " + fullText(seconds, now: now)
            }
        }
        if !o.events.isEmpty { sentence += "; " + o.events.map(\.text).joinedText("; ") }

        var details = [usageLine(o.path, u)]
        details.append("\(o.path) bytes: " + fitLine(o, fit: o.bytes, outlook: bytesOutlook, unit: .bytes))
        if u.sample.inodesTotal > 0 {
            let head = "\(o.path) inodes: \(NumberFormat.decimal(u.inodesUsedPercent ?? 0, fractionDigits: 1))% used "
                + "(\(NumberFormat.decimal(u.sample.inodesUsed, fractionDigits: 0)) of \(NumberFormat.decimal(u.sample.inodesTotal, fractionDigits: 0))), "
            details.append(head + fitLine(o, fit: o.inodes, outlook: inodesOutlook, unit: .inodes))
        } else {
            details.append("\(o.path) inodes: not reported by this filesystem")
        }
        details += o.events.map { "\(o.path) history: \($0.text)" }
        return (CheckResult(states.max() ?? .ok, sentence, perfdata: perf), details)
    }

    /// Perfdata and the usage line for a path whose history could not be used this run.
    func usageOnly(_ path: String, _ u: FilesystemUsage) -> (result: CheckResult, details: [String]) {
        let pct = u.usedPercent ?? 0
        let result = CheckResult(settings.percent.evaluate(pct), "\(path) \(GrowthUnits.percent(pct)) used",
                                 perfdata: usagePerfdata(u))
        return (result, [usageLine(path, u)])
    }

    func usagePerfdata(_ u: FilesystemUsage) -> [PerfDatum] {
        var perf = datum("used", u.sample.used, .bytes, Thresholds(), min: 0, max: u.sample.size)
        perf += datum("free", u.available, .bytes, Thresholds(), min: 0, max: u.sample.size)
        perf += datum("used_pct", u.usedPercent ?? 0, .percent, settings.percent, min: 0, max: 100)
        if let inodes = u.inodesUsedPercent { perf += datum("inodes_used_pct", inodes, .percent, Thresholds(), min: 0, max: 100) }
        return perf
    }

    func datum(_ label: String, _ value: Double, _ unit: UnitOfMeasure, _ thresholds: Thresholds,
               min: Double? = nil, max: Double? = nil) -> [PerfDatum] {
        // Percentages to two decimals, byte counts and seconds whole: enough for any graph.
        let digits: Double = unit == .percent ? 100 : (abs(value) >= 100 ? 1 : 1000)
        let rounded = (value * digits).rounded() / digits
        return PerfDatum(prefix + label, rounded, unit: unit, thresholds: thresholds, min: min, max: max).map { [$0] } ?? []
    }

    func bytesClause(_ o: PathObservation, _ outlook: GrowthOutlook?, now: Double) -> String {
        guard let fit = o.bytes, let outlook else {
            let collecting = collectingText(o.history)
            return outlook == .full ? "full now, " + collecting : collecting
        }
        let rate = GrowthUnits.rate(bytesPerDay: fit.slope * GrowthUnits.day)
        switch outlook {
        case .full: return rate + ", full now"
        case let .filling(seconds): return rate + ", " + fullText(seconds, now: now)
        case .flat: return "flat (\(rate))"
        case .shrinking: return "shrinking (\(rate))"
        }
    }

    /// `collecting samples (2 of 3)`, or the span still missing once there are enough.
    func collectingText(_ h: GrowthHistory) -> String {
        if h.samples.count < settings.minSamples { return "collecting samples (\(h.samples.count) of \(settings.minSamples))" }
        return "collecting samples (\(h.samples.count) over \(GrowthUnits.shortDuration(h.span)) of \(GrowthUnits.shortDuration(settings.minSpan)))"
    }

    func fullText(_ seconds: Double, now: Double) -> String {
        seconds <= 0 ? "full now" : "full in \(GrowthUnits.span(seconds)) (\(GrowthUnits.date(now + seconds)))"
    }

    func usageLine(_ path: String, _ u: FilesystemUsage) -> String {
        var line = "\(path): \(NumberFormat.bytes(u.sample.used)) used of \(NumberFormat.bytes(u.sample.size)), "
            + "\(NumberFormat.bytes(u.available)) free for users (\(NumberFormat.decimal(u.usedPercent ?? 0, fractionDigits: 1))%), \(u.sample.identity)"
        if !prefix.isEmpty { line += ", perfdata \(prefix)*" }
        return line
    }

    /// What a fit counts, for wording its rate and its outlier.
    enum Quantity { case bytes, inodes }

    func fitLine(_ o: PathObservation, fit: GrowthFit?, outlook: GrowthOutlook?, unit: Quantity) -> String {
        let h = o.history
        guard let fit, let outlook else {
            return "collecting samples: \(h.samples.count) over \(GrowthUnits.shortDuration(h.span)); a forecast needs "
                + "\(settings.minSamples) over \(GrowthUnits.shortDuration(settings.minSpan))"
        }
        let perDay = fit.slope * GrowthUnits.day
        var line = (unit == .bytes ? GrowthUnits.rate(bytesPerDay: perDay) : GrowthUnits.rate(inodesPerDay: perDay)) + " from \(fit.samples) samples over \(GrowthUnits.shortDuration(h.span))"
            + " (window \(GrowthUnits.shortDuration(settings.window))), "
        switch outlook {
        case .full: line += "full now"
        case let .filling(seconds):
            line += "full in \(NumberFormat.decimal(seconds / GrowthUnits.day, fractionDigits: 1)) days (\(GrowthUnits.date(o.usage.sample.time + seconds, time: true)))"
        case .flat: line += "flat: would take over 100 years to fill"
        case .shrinking: line += "shrinking"
        }
        if let outlier = fit.outlier {
            let d = outlier.deviation
            let amount = unit == .bytes ? NumberFormat.bytes(abs(d)) : NumberFormat.decimal(abs(d), fractionDigits: 0) + " inodes"
            line += "; left out one outlier at \(GrowthUnits.date(outlier.time, time: true)) (\(d < 0 ? "-" : "+")\(amount) off the line)"
        }
        return line
    }
}
