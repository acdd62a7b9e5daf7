import CheckKit
import MailTransport

/// The options check_caldav and check_carddav share, parsed and checked once.
struct DAVSettings {

    /// The shared option specs; `collectionOption` is `calendar` or `addressbook`.
    static func specs(collectionOption: String, noun: String, extra: [OptionSpec]) -> [OptionSpec] {
        PhaseThresholds.totalSpecs + [
            OptionSpec("url", short: "u", value: "URL", help: "The server's base URL or the user's DAV home (https://dav.example.net/, https://mail.example.net/SOGo/dav/)."),
            OptionSpec(collectionOption, value: "NAME", help: "Read the \(noun) NAME (displayname or last path segment; repeatable; default: all)."),
            OptionSpec("require-collection", value: "NAME", help: "CRITICAL when no \(noun) NAME exists (repeatable)."),
            OptionSpec("items-warning", value: "RANGE", help: "WARNING when the item count of a \(noun) read is outside RANGE (e.g. 1:)."),
            OptionSpec("items-critical", value: "RANGE", help: "CRITICAL when the item count of a \(noun) read is outside RANGE."),
            OptionSpec("write", help: "Also PUT, GET and DELETE a probe item of this check's own in the first \(noun) read."),
            OptionSpec("check-name", value: "NAME", help: "Name in the probe's UID (letters, digits, . _ -; default \(collectionOption == "calendar" ? "caldav" : "carddav")); give each --write check on the same \(noun) its own."),
            OptionSpec("stale-after", value: "SECONDS", help: "With --write: delete this check name's probes older than SECONDS left by runs that died (default 3600; longer than -t)."),
            OptionSpec("max-body", value: "BYTES", help: "Largest response body read (default 16777216)."),
        ] + ConnectionOptions.addressFamilySpecs + ConnectionOptions.certificateSpecs + ConnectionOptions.expirySpecs + extra + PhaseThresholds.phaseSpecs(DAVPhase.allCases) + Credentials.specs(userHelp: "Log in as USER (required).")
    }

    let url: String
    let tls: HTTPTLSOptions
    let names: [String]
    let required: [String]
    let items: Thresholds
    let write: Bool
    let checkName: String
    let staleAfter: Double
    let maxBody: Int
    let timing: PhaseThresholds
    let credentials: Credentials
    let certThresholds: Thresholds

    init(_ options: ParsedOptions, collectionOption: String, defaultCheckName: String, timeout: Double) throws(UsageError) {
        guard let given = options.string("url") else { throw UsageError("missing -u/--url") }
        let lower = given.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://"), HTTPURL.parts(given).host.count > 0,
              !given.contains(where: { $0 == " " || $0.isNewline }) else {
            throw UsageError("invalid value '\(given)' for -u/--url (an http:// or https:// URL)")
        }
        // A server URL without a path is its root.
        url = HTTPURL.resolve(".", against: given.hasSuffix("/") || given.dropFirst(lower.hasPrefix("https") ? 8 : 7).contains("/") ? given : given + "/")
        tls = try HTTPTLSOptions(options)
        names = options.strings(collectionOption)
        required = options.strings("require-collection")
        items = try options.thresholds(warning: "items-warning", critical: "items-critical")
        write = options.flag("write")
        checkName = options.string("check-name") ?? defaultCheckName
        guard ProbeToken.isValidName(checkName) else {
            throw UsageError("invalid value '\(checkName)' for --check-name: 1-40 letters, digits, '.', '_' or '-'")
        }
        staleAfter = try options.double("stale-after", in: 0.001...10_000_000) ?? 3600
        if write, staleAfter <= timeout {
            throw UsageError("--stale-after (\(NumberFormat.decimal(staleAfter)) s) must be longer than -t (\(NumberFormat.decimal(timeout)) s): a shorter one could delete the probe of a run still using it")
        }
        maxBody = try options.int("max-body", default: XMLPullReader.defaultMaxBytes, in: 1024...(256 << 20))
        timing = try PhaseThresholds(options, phases: DAVPhase.allCases)
        credentials = try Credentials(options)
        guard credentials.isSet else { throw UsageError("missing -U/--username") }
        certThresholds = try ConnectionOptions.expiryThresholds(options)
    }
}
