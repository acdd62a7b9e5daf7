import CheckKit
#if canImport(Glibc)
import Glibc
#endif

/// check_mta_queue: depth, size and age of the oldest message of an MTA's queues (Postfix,
/// Exim, Sendmail, OpenSMTPD), with the most frequent deferral reasons and the recipient
/// domains with most deferred mail in the long output.
public struct MTAQueueCheck: MonitoringCheck {
    public static let programName = "check_mta_queue"
    public static let summary = "Checks an MTA's queues: messages per queue, bytes, recipients and the age of the oldest message (Postfix, Exim, Sendmail, OpenSMTPD)."
    public static let synopsis = "[--mta postfix|exim|sendmail|opensmtpd] [--queue NAME] [-w COUNT] [-c COUNT] [--age-warning SECONDS] [--age-critical SECONDS] [options]"
    public static let kind = CheckKind.local

    /// The MTAs this check can read.
    enum MTA: String, CaseIterable {
        case postfix, exim, sendmail, opensmtpd

        /// The queues the backend reports, in report order.
        var queueNames: [String] {
            switch self {
            case .postfix: PostfixRecordSink.queueNames
            case .exim: EximQueueParser.queueNames
            case .sendmail: SendmailQueueParser.queueNames
            case .opensmtpd: OpenSMTPDQueueParser.queueNames
            }
        }

        var displayName: String {
            switch self {
            case .postfix: "Postfix"
            case .exim: "Exim"
            case .sendmail: "Sendmail"
            case .opensmtpd: "OpenSMTPD"
            }
        }
    }

    public static var options: [OptionSpec] {
        [
            OptionSpec("warning", short: "w", value: "RANGE", help: "WARNING when the number of queued messages (of --queue, else of all queues) is outside RANGE."),
            OptionSpec("critical", short: "c", value: "RANGE", help: "CRITICAL when the number of queued messages is outside RANGE."),
            OptionSpec("age-warning", value: "RANGE", help: "WARNING when the age in seconds of the oldest message is outside RANGE."),
            OptionSpec("age-critical", value: "RANGE", help: "CRITICAL when the age in seconds of the oldest message is outside RANGE."),
            OptionSpec("size-warning", value: "RANGE", help: "WARNING when the queued bytes are outside RANGE."),
            OptionSpec("size-critical", value: "RANGE", help: "CRITICAL when the queued bytes are outside RANGE."),
            OptionSpec("queue", value: "NAME", help: "Apply the thresholds to this queue only: Postfix active, deferred, hold, incoming, maildrop; Exim queued, frozen; Sendmail active, deferred, hold, maildrop; OpenSMTPD active, deferred, hold."),
            OptionSpec("mta", value: "postfix|exim|sendmail|opensmtpd", help: "The MTA (default: detected: the first of postqueue, exim4/exim, smtpctl, Sendmail's sendmail that is installed)."),
            OptionSpec("config-dir", value: "DIR", help: "Postfix: the instance's configuration directory (postqueue -c DIR), for multi-instance hosts."),
            OptionSpec("postqueue", value: "PATH", help: "Postfix: the postqueue program (default: found in PATH or /usr/sbin)."),
            OptionSpec("exim-binary", value: "PATH", help: "Exim: the exim program (default: exim4 or exim, found in PATH or /usr/sbin)."),
            OptionSpec("config", value: "FILE", help: "Exim: the configuration file (exim -C FILE)."),
            OptionSpec("sendmail-binary", value: "PATH", help: "Sendmail: the sendmail program whose -bp lists the queues (default: found in PATH or /usr/sbin)."),
            OptionSpec("smtpctl", value: "PATH", help: "OpenSMTPD: the smtpctl program (default: found in PATH or /usr/sbin)."),
            OptionSpec("top", value: "N", help: "How many deferral reasons and recipient domains the long output lists (default 5, 0 for none)."),
        ]
    }

    let thresholds: QueueThresholds
    let mta: MTA?
    let configDir: String?
    let postqueue: String?
    let eximBinary: String?
    let eximConfig: String?
    let sendmailBinary: String?
    let smtpctl: String?
    let top: Int

    public init(options: ParsedOptions, context _: RunContext) throws(UsageError) {
        thresholds = QueueThresholds(
            count: try options.thresholds(),
            age: try options.thresholds(warning: "age-warning", critical: "age-critical"),
            size: try options.thresholds(warning: "size-warning", critical: "size-critical"),
            queue: try Self.queueOption(options))
        configDir = try Self.path(options, "config-dir")
        postqueue = try Self.path(options, "postqueue")
        eximBinary = try Self.path(options, "exim-binary")
        eximConfig = try Self.path(options, "config")
        sendmailBinary = try Self.path(options, "sendmail-binary")
        smtpctl = try Self.path(options, "smtpctl")
        top = try options.int("top", default: 5, in: 0...50)
        // Options that belong to one MTA decide it when --mta is absent, and contradict others.
        let implied: [(String, MTA)] = [("config-dir", .postfix), ("postqueue", .postfix), ("exim-binary", .exim),
                                        ("config", .exim), ("sendmail-binary", .sendmail), ("smtpctl", .opensmtpd)]
        var chosen: MTA? = nil
        if options.has("mta") {
            chosen = MTA(rawValue: try options.choice("mta", MTA.allCases.map(\.rawValue), default: "postfix"))
        }
        for (option, owner) in implied where options.has(option) {
            if let current = chosen, current != owner {
                throw UsageError("--\(option) applies only to --mta \(owner.rawValue), not \(current.rawValue)")
            }
            chosen = owner
        }
        mta = chosen
        if let mta, let queue = thresholds.queue, !mta.queueNames.contains(queue) {
            throw UsageError("invalid value '\(queue)' for --queue: \(mta.displayName) has the queues \(mta.queueNames.joinedText(", "))")
        }
    }

    private static func queueOption(_ options: ParsedOptions) throws(UsageError) -> String? {
        guard let text = options.string("queue") else { return nil }
        let all = MTA.allCases.flatMap(\.queueNames)
        guard all.contains(text) else {
            var seen: [String] = []
            for name in all where !seen.contains(name) { seen.append(name) }
            throw UsageError("invalid value '\(text)' for --queue: expected one of \(seen.joinedText(", "))")
        }
        return text
    }

    private static func path(_ options: ParsedOptions, _ long: String) throws(UsageError) -> String? {
        guard let text = options.string(long) else { return nil }
        guard !text.isEmpty, !text.contains("\0") else { throw UsageError("invalid value '\(text)' for --\(long): expected a path") }
        return text
    }

    public func run(_ context: RunContext) throws(CheckError) -> CheckReport {
        let (backend, which) = try makeBackend()
        if let queue = thresholds.queue, !which.queueNames.contains(queue) {
            throw .unknown("--queue \(queue): \(which.displayName) has the queues \(which.queueNames.joinedText(", "))")
        }
        let snapshot = try backend.snapshot(context, now: Int64(context.clock.now()))
        return QueueReport(snapshot: snapshot, thresholds: thresholds, top: top, now: Int64(context.clock.now())).build()
    }

    /// The backend for the chosen or detected MTA, with its program located.
    func makeBackend() throws(CheckError) -> (any QueueBackend, MTA) {
        let which: MTA
        if let mta { which = mta } else { which = try Self.detect() }
        switch which {
        case .postfix:
            let path = try ProgramLocator.require("postqueue", explicit: postqueue, option: "--postqueue", what: "Postfix")
            return (PostfixBackend(postqueue: path, configDir: configDir), which)
        case .exim:
            let path: String
            if eximBinary == nil, let found = ProgramLocator.find("exim4") {
                path = found
            } else {
                path = try ProgramLocator.require("exim", explicit: eximBinary, option: "--exim-binary", what: "Exim")
            }
            return (EximBackend(exim: path, config: eximConfig), which)
        case .sendmail:
            let path = try ProgramLocator.require("sendmail", explicit: sendmailBinary, option: "--sendmail-binary", what: "Sendmail")
            return (SendmailBackend(sendmail: path), which)
        case .opensmtpd:
            let path = try ProgramLocator.require("smtpctl", explicit: smtpctl, option: "--smtpctl", what: "OpenSMTPD")
            return (OpenSMTPDBackend(smtpctl: path), which)
        }
    }

    /// The installed MTA: Postfix, Exim and OpenSMTPD by their own tools; Sendmail last and
    /// only by its own files, since every MTA installs a `sendmail` command.
    static func detect() throws(CheckError) -> MTA {
        if ProgramLocator.find("postqueue") != nil { return .postfix }
        if ProgramLocator.find("exim4") != nil || ProgramLocator.find("exim") != nil { return .exim }
        if ProgramLocator.find("smtpctl") != nil { return .opensmtpd }
        for marker in ["/usr/lib/sm.bin/sendmail", "/usr/libexec/sendmail/sendmail", "/etc/mail/sendmail.cf"] where FileIO.exists(marker) {
            return .sendmail
        }
        throw .unknown("no MTA found (looked for postqueue, exim4, exim, smtpctl and Sendmail's files); name it with --mta")
    }
}
