/// A warning/critical pair for one measured value; critical is evaluated first.
public struct Thresholds: Sendable, Equatable {
    /// The warning range, as given.
    public var warning: ThresholdRange?
    /// The critical range, as given.
    public var critical: ThresholdRange?

    /// A pair; either may be absent.
    public init(warning: ThresholdRange? = nil, critical: ThresholdRange? = nil) {
        self.warning = warning
        self.critical = critical
    }

    /// The state `value` earns: CRITICAL if the critical range alerts, else WARNING if the
    /// warning range alerts, else OK.
    public func evaluate(_ value: Double) -> Status {
        if let critical, critical.alerts(on: value) { return .critical }
        if let warning, warning.alerts(on: value) { return .warning }
        return .ok
    }

    /// True when neither threshold is set.
    public var isEmpty: Bool { warning == nil && critical == nil }
}
