/// One evaluated sub-check: its state, a short sentence, and the perfdata it produced.
public struct CheckResult: Sendable, Equatable {
    /// The completion status.
    public var status: Status
    /// A short phrase for the summary (`banner in 0.002 s`, `42 messages queued`).
    public var message: String
    /// The metrics this result contributes.
    public var perfdata: [PerfDatum]
    /// When false the message appears only in long output, never in the first line
    /// unless the result is the one that decided a non-OK state.
    public var inSummary: Bool

    /// A result with its state, sentence and metrics.
    public init(_ status: Status, _ message: String, perfdata: [PerfDatum] = [], inSummary: Bool = true) {
        self.status = status
        self.message = message
        self.perfdata = perfdata
        self.inSummary = inSummary
    }

    /// Measures `value` against `thresholds`; the same thresholds go into the perfdata, so the
    /// graph and the state can never disagree.
    public static func measure(_ label: String, _ value: Double, unit: UnitOfMeasure = .none,
                               thresholds: Thresholds = Thresholds(), min: Double? = nil,
                               max: Double? = nil, message: String, inSummary: Bool = true) -> CheckResult {
        guard value.isFinite else {
            return CheckResult(.unknown, "\(label) could not be measured", inSummary: inSummary)
        }
        let datum = PerfDatum(label, value, unit: unit, thresholds: thresholds, min: min, max: max)
        return CheckResult(thresholds.evaluate(value), message,
                           perfdata: datum.map { [$0] } ?? [], inSummary: inSummary)
    }

    /// Perfdata only, never part of the state (e.g. a phase timing without thresholds).
    public static func metric(_ label: String, _ value: Double, unit: UnitOfMeasure = .none,
                              min: Double? = nil, max: Double? = nil) -> CheckResult {
        let datum = PerfDatum(label, value, unit: unit, min: min, max: max)
        return CheckResult(.ok, "", perfdata: datum.map { [$0] } ?? [], inSummary: false)
    }
}
