import CheckKit
import MailTransport

/// check_caldav: a user's calendars as their client sees them: discovery (well-known URL,
/// principal, calendar home), the calendar list, the events in the next --window per calendar,
/// and with --write a probe event's PUT/GET/DELETE round trip, every step timed.
public struct CalDAVCheck: MonitoringCheck {
    public static let programName = "check_caldav"
    public static let summary = "Discovers a user's calendars over CalDAV, counts the events ahead and optionally writes, reads and deletes a probe event."
    public static let synopsis = "-u URL -U USER --password-file FILE [--calendar NAME]... [--window 7d] [--write] [options]"
    public static let kind = CheckKind.network
    /// Servers delay a wrong password on purpose (Radicale about 1 s, others more): 30 s lets the answer arrive.
    public static let defaultTimeout = 30.0

    public static var options: [OptionSpec] {
        DAVSettings.specs(collectionOption: "calendar", noun: "calendar", extra: [
            OptionSpec("window", value: "DURATION", help: "Count the events from now to DURATION ahead (7d, 12h, 90m or seconds; default 7d)."),
        ])
    }

    let settings: DAVSettings
    let window: Double

    public init(options: ParsedOptions, context: RunContext) throws(UsageError) {
        settings = try DAVSettings(options, collectionOption: "calendar", defaultCheckName: "caldav", timeout: context.deadline.seconds)
        let text = options.string("window") ?? "7d"
        guard let w = DAVRun.parseWindow(text) else { throw UsageError("invalid value '\(text)' for --window (e.g. 7d, 12h, 90m, 3600)") }
        window = w
    }

    public func run(_ context: RunContext) throws(CheckError) -> CheckReport {
        try DAVRun(settings: settings, kind: .calendar, window: window).run(context, name: Self.pluginName)
    }
}
