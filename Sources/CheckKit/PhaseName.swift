/// A protocol's phase names, one enum per protocol (SMTP, IMAP, POP3, webmail, DAV): the
/// timelines produce its cases, the checks and `PhaseThresholds` consume them, so a phase is
/// spelled once. The raw value is the name users see: in perfdata (`time_<phase>`), in
/// `--phase-warning PHASE=RANGE` and in the long output; declaration order is help order.
public protocol PhaseName: RawRepresentable, CaseIterable, Hashable, Sendable, CustomStringConvertible where RawValue == String {}

extension PhaseName {
    /// The raw value, so that interpolating a phase prints `login_page`, not `loginPage`.
    public var description: String { rawValue }
}

/// One measured phase: which one and its own seconds (not cumulative).
public struct PhaseTime<Phase: PhaseName>: Sendable {
    /// Which phase.
    public let name: Phase
    /// Its own duration in seconds.
    public let seconds: Double

    /// A phase and its seconds.
    public init(_ name: Phase, _ seconds: Double) {
        self.name = name
        self.seconds = seconds
    }
}
