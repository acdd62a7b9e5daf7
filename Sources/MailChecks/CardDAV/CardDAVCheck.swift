import CheckKit
import MailTransport

/// check_carddav: a user's address books as their client sees them: discovery (well-known URL,
/// principal, address book home), the list, the cards per address book, and with --write a
/// probe card's PUT/GET/DELETE round trip, every step timed.
public struct CardDAVCheck: MonitoringCheck {
    public static let programName = "check_carddav"
    public static let summary = "Discovers a user's address books over CardDAV, counts their cards and optionally writes, reads and deletes a probe card."
    public static let synopsis = "-u URL -U USER --password-file FILE [--addressbook NAME]... [--write] [options]"
    public static let kind = CheckKind.network
    /// Servers delay a wrong password on purpose: 30 s lets the answer arrive.
    public static let defaultTimeout = 30.0

    public static var options: [OptionSpec] { DAVSettings.specs(collectionOption: "addressbook", noun: "address book", extra: []) }

    let settings: DAVSettings

    public init(options: ParsedOptions, context: RunContext) throws(UsageError) {
        settings = try DAVSettings(options, collectionOption: "addressbook", defaultCheckName: "carddav", timeout: context.deadline.seconds)
    }

    public func run(_ context: RunContext) throws(CheckError) -> CheckReport {
        try DAVRun(settings: settings, kind: .addressBook, window: 0).run(context, name: Self.pluginName)
    }
}
