/// Thresholds on a conversation's total seconds (`-w/-c`) and on the seconds of its named
/// phases (`--phase-warning/--phase-critical PHASE=RANGE`), shared by the network checks.
public struct PhaseThresholds: Sendable {
    /// `-w/-c` as thresholds on the total time.
    public static let totalSpecs: [OptionSpec] = [
        OptionSpec("warning", short: "w", value: "RANGE", help: "WARNING when the total time in seconds is outside RANGE."),
        OptionSpec("critical", short: "c", value: "RANGE", help: "CRITICAL when the total time in seconds is outside RANGE."),
    ]

    /// The two repeatable phase options, naming the phases in the help.
    public static func phaseSpecs<Phase: PhaseName>(_ phases: [Phase], note: String = "") -> [OptionSpec] {
        // Closures, not key paths: this runs unspecialised on every start, where a key path is dear.
        let phases = phases.map { $0.rawValue }
        return [
            OptionSpec("phase-warning", value: "PHASE=RANGE",
                       help: "WARNING when a phase's seconds are outside RANGE; PHASE is one of \(phases.joinedText(", "))\(note); repeatable."),
            OptionSpec("phase-critical", value: "PHASE=RANGE", help: "CRITICAL when a phase's seconds are outside RANGE; repeatable."),
        ]
    }

    /// The total-time thresholds (`-w/-c`).
    public let total: Thresholds
    /// Thresholds per phase that has any, by the phase's name.
    let byPhase: [String: Thresholds]

    /// Reads `-w/-c` and the phase options for `phases` (the check's, in help order); an
    /// unknown phase name is a usage error naming it.
    public init<Phase: PhaseName>(_ options: ParsedOptions, phases: [Phase]) throws(UsageError) {
        total = try options.thresholds()
        let phases = phases.map { $0.rawValue }
        let warnings = try options.namedRanges("phase-warning", names: phases)
        let criticals = try options.namedRanges("phase-critical", names: phases)
        var byPhase: [String: Thresholds] = [:]
        for name in phases where warnings[name] != nil || criticals[name] != nil {
            byPhase[name] = Thresholds(warning: warnings[name], critical: criticals[name])
        }
        self.byPhase = byPhase
    }

    /// The thresholds of one phase (empty when none were given).
    public subscript(_ phase: some PhaseName) -> Thresholds { byPhase[phase.rawValue] ?? Thresholds() }

    /// Whether any threshold was given for `phase`.
    public func has(_ phase: some PhaseName) -> Bool { byPhase[phase.rawValue] != nil }

    /// A measured phase judged by its thresholds, labelled `time_<phase>`.
    public func result<Phase: PhaseName>(_ time: PhaseTime<Phase>) -> CheckResult {
        result(time.name, seconds: time.seconds)
    }

    /// A phase's time as perfdata (`label`, default `time_<phase>`) judged by its thresholds;
    /// its sentence (`ehlo took 0.5 s`) is kept only when it alerts, so OK phases stay quiet.
    public func result(_ phase: some PhaseName, seconds: Double, label: String? = nil, name: String? = nil) -> CheckResult {
        var r = CheckResult.measure(label ?? "time_\(phase.rawValue)", seconds, unit: .seconds, thresholds: self[phase], min: 0,
                                    message: "\(name ?? phase.rawValue) took \(NumberFormat.seconds(seconds))", inSummary: false)
        if r.status == .ok { r.message = "" }
        return r
    }
}
