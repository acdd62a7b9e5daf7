import CheckKit
import MailTransport

/// Where a probe filed as spam is looked for, and what finding it there means.
struct JunkOptions: Sendable {
    static var specs: [OptionSpec] {
        [
            OptionSpec("junk-folder", value: "NAME", help: "Also watch folder NAME for the probe (default: the folder the server marks \\Junk with SPECIAL-USE; Gmail: [Gmail]/Spam)."),
            OptionSpec("junk-state", value: "ok|warning|critical", help: "State of a probe delivered to the Junk folder (default warning)."),
            OptionSpec("no-junk", help: "Do not watch a Junk folder."),
        ]
    }

    let folder: String?
    let state: Status
    let enabled: Bool

    init(_ options: ParsedOptions) throws(UsageError) {
        folder = options.string("junk-folder")
        if let folder, folder.isEmpty || IMAPSyntax.quoted(folder) == nil {
            throw UsageError("invalid value '\(folder)' for --junk-folder: a folder name must not be empty or hold control characters")
        }
        let name = try options.choice("junk-state", ["ok", "warning", "critical"], default: "warning")
        state = name == "ok" ? .ok : (name == "critical" ? .critical : .warning)
        enabled = !options.flag("no-junk")
        if !enabled && (folder != nil || options.has("junk-state")) {
            throw UsageError("--no-junk contradicts --junk-folder and --junk-state")
        }
    }
}

/// The Junk side of the watch: the folder found by SPECIAL-USE or named, selected on a second
/// connection of the same login (a session has one selected folder, and the watch's stays open).
enum JunkMailbox {
    /// The Junk folder's name: --junk-folder, else the one LIST marks `\Junk`; nil when none,
    /// or when it is the watched folder itself.
    static func find(_ imap: IMAPWatchConnection, options: JunkOptions, watched: String, context: RunContext) throws(CheckError) -> String? {
        guard options.enabled else { return nil }
        var name = options.folder
        if name == nil && imap.capabilities.contains("SPECIAL-USE") {
            let reply = try imap.command("LIST \"\" \"*\" RETURN (SPECIAL-USE)")
            if reply.status == .ok { name = reply.untagged.lazy.compactMap { specialUseJunk($0.text) }.first }
        }
        guard let name, name.uppercased() != watched.uppercased() else { return nil }
        context.log(2, "watch: also looking in the Junk folder \(name)")
        return name
    }

    /// The mailbox name of a `LIST (\HasNoChildren \Junk) "/" Junk` line, when it has `\Junk`.
    static func specialUseJunk(_ line: String) -> String? {
        guard line.uppercased().hasPrefix("LIST ("), let close = line.firstIndex(of: ")") else { return nil }
        let flags = line[line.index(line.startIndex, offsetBy: 6)..<close].split(separator: " ").map { $0.lowercased() }
        guard flags.contains("\\junk") else { return nil }
        // After the flags: the delimiter (quoted or NIL), then the name (quoted or an atom).
        var rest = line[line.index(after: close)...].drop(while: { $0 == " " })
        if rest.hasPrefix("\"") {
            guard let end = rest.dropFirst().firstIndex(of: "\"") else { return nil }
            rest = rest[rest.index(after: end)...]
        } else {
            rest = rest.drop(while: { $0 != " " })
        }
        let name = rest.drop(while: { $0 == " " })
        if name.hasPrefix("\"") && name.hasSuffix("\"") && name.count >= 2 {
            var out = "", escaped = false
            for c in name.dropFirst().dropLast() {
                if escaped || c != "\\" { out.append(c); escaped = false } else { escaped = true }
            }
            return out
        }
        return name.isEmpty || name.hasPrefix("{") ? nil : String(name)
    }

    /// The header fields a receiving side adds about spam, as `Name: value` lines.
    static func spamHeaders(_ header: [UInt8]) -> [String] {
        let fields = HeaderFields(header)
        var out: [String] = []
        for name in ["X-Spam-Flag", "X-Spam-Status", "X-Spam-Score", "X-Spam-Level", "X-Spam", "Authentication-Results", "X-Microsoft-Antispam", "X-Forefront-Antispam-Report"] {
            for value in fields.values(name).prefix(3) { out.append("\(name): \(value.prefix(300))") }
        }
        return out
    }
}
