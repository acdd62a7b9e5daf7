/// The answer to one IMAP command: its tagged completion, the untagged lines that came with
/// it, and its round-trip time.
public struct IMAPReply: Sendable {
    /// How the server completed a command.
    public enum Status: String, Sendable { case ok = "OK", no = "NO", bad = "BAD" }

    /// The command as sent, with credentials redacted (`EXAMINE "INBOX"`).
    public let command: String
    /// The completion status.
    public let status: Status
    /// The completion text after the status word (`[READ-ONLY] Examine completed.`).
    public let text: String
    /// Untagged responses without their `* ` marker (`2 EXISTS`, `OK [UIDNEXT 3] ...`).
    public let untagged: [String]
    /// Seconds from sending the command to its tagged completion.
    public let seconds: Double

    /// A value with the given fields.
    public init(command: String, status: Status, text: String, untagged: [String], seconds: Double) {
        self.command = command
        self.status = status
        self.text = text
        self.untagged = untagged
        self.seconds = seconds
    }

    /// `NO [NONEXISTENT] Mailbox doesn't exist: Archive`, for messages.
    public var completion: String { text.isEmpty ? status.rawValue : "\(status.rawValue) \(text)" }

    /// The response code in brackets at the start of `text` (`NONEXISTENT`), upper-cased.
    public var responseCode: String? { IMAPParse.responseCode(text) }
}

/// What EXAMINE (or SELECT) said about a mailbox.
public struct IMAPMailboxState: Sendable, Equatable {
    /// `* n EXISTS`: messages in the mailbox.
    public var exists: Int?
    /// `* n RECENT`.
    public var recent: Int?
    /// `[UNSEEN n]`: sequence number of the first unseen message (not a count).
    public var firstUnseen: Int?
    /// UIDVALIDITY, when reported.
    public var uidValidity: Int?
    /// UIDNEXT, when reported.
    public var uidNext: Int?

    /// A value with the given fields.
    public init(exists: Int? = nil, recent: Int? = nil, firstUnseen: Int? = nil, uidValidity: Int? = nil, uidNext: Int? = nil) {
        self.exists = exists
        self.recent = recent
        self.firstUnseen = firstUnseen
        self.uidValidity = uidValidity
        self.uidNext = uidNext
    }
}

/// One resource of a quota root (`STORAGE 10 1024`); STORAGE counts units of 1024 octets.
public struct IMAPQuota: Sendable, Equatable {
    /// The quota root.
    public let root: String
    /// The resource (STORAGE, MESSAGE).
    public let resource: String
    /// Used amount.
    public let usage: Double
    /// The limit.
    public let limit: Double

    /// A value with the given fields.
    public init(root: String, resource: String, usage: Double, limit: Double) {
        self.root = root
        self.resource = resource
        self.usage = usage
        self.limit = limit
    }
}

/// Attributes of one `* n FETCH (...)` response.
public struct IMAPFetched: Sendable, Equatable {
    /// The message sequence number.
    public var sequence: Int?
    /// The UID.
    public var uid: Int?
    /// RFC822.SIZE in bytes.
    public var size: Int?
    /// INTERNALDATE as the server wrote it.
    public var internalDate: String?
    /// The octet count of the first literal (`{584}`), e.g. the header fetched.
    public var literalSize: Int?
}

/// Parsers for the untagged responses a login check reads. They never trap: a number that
/// does not fit, a missing field or junk yields nil, never a crash.
public enum IMAPParse {
    /// Capabilities from `CAPABILITY a b c` or from a `[CAPABILITY a b c]` response code, upper-cased.
    /// Works on bytes: Dovecot's list after login is 400 characters, and it comes on every run.
    public static func capabilities(_ line: String) -> [String]? {
        let bytes = Array(line.utf8)
        let start = bytes.starts(with: Array("* ".utf8)) ? 2 : 0
        // A response code: `OK [CAPABILITY IMAP4rev1 ...] Logged in`.
        if let open = bytes[start...].firstIndex(of: UInt8(ascii: "[")), startsCaseless(bytes, at: open + 1, with: "CAPABILITY ") {
            let from = open + 12
            guard let close = bytes[from...].firstIndex(of: UInt8(ascii: "]")) else { return nil }
            return words(bytes[from..<close])
        }
        let end = start + 10
        guard startsCaseless(bytes, at: start, with: "CAPABILITY"), end == bytes.count || bytes[end] == UInt8(ascii: " ") else { return nil }
        return words(bytes[end...])
    }

    /// EXISTS, RECENT, UNSEEN, UIDVALIDITY and UIDNEXT from the untagged replies to EXAMINE.
    public static func mailboxState(_ untagged: [String]) -> IMAPMailboxState {
        var state = IMAPMailboxState()
        for line in untagged {
            let parts = line.split(separator: " ", maxSplits: 2)
            if parts.count >= 2, let n = number(parts[0]) {
                switch parts[1].uppercased() {
                // RFC 3501 counts are 32-bit: a larger one is a broken reply, not a count.
                case "EXISTS": state.exists = n <= Int(UInt32.max) ? n : nil
                case "RECENT": state.recent = n
                default: break
                }
                continue
            }
            guard parts.first?.uppercased() == "OK", let code = responseCode(line) else { continue }
            let pair = code.split(separator: " ")
            guard pair.count == 2, let n = number(pair[1]) else { continue }
            switch pair[0] {
            case "UNSEEN": state.firstUnseen = n
            case "UIDVALIDITY": state.uidValidity = n
            case "UIDNEXT": state.uidNext = n
            default: break
            }
        }
        return state
    }

    /// The `NAME n` pairs of a `STATUS mailbox (MESSAGES 2 UNSEEN 1)` response, names upper-cased.
    /// Reads the last parenthesised list, so a mailbox name with spaces or brackets cannot confuse it.
    public static func statusItems(_ line: String) -> [String: Int]? {
        guard line.uppercased().hasPrefix("STATUS ") || line.hasPrefix("("),
              let open = line.lastIndex(of: "("), let close = line.lastIndex(of: ")"), open < close else { return nil }
        let items = line[line.index(after: open)..<close].split(separator: " ")
        guard items.count % 2 == 0 else { return nil }
        var out: [String: Int] = [:]
        var i = 0
        while i + 1 < items.count {
            guard let n = number(items[i + 1]) else { return nil }
            out[items[i].uppercased()] = n
            i += 2
        }
        return out
    }

    /// Every resource of every `QUOTA root (RESOURCE usage limit ...)` line.
    public static func quotas(_ untagged: [String]) -> [IMAPQuota]? {
        var out: [IMAPQuota] = []
        for line in untagged where line.uppercased().hasPrefix("QUOTA ") {
            var rest = Substring(line.dropFirst("QUOTA ".count))
            guard let root = astring(&rest) else { return nil }
            rest = rest.drop(while: { $0 == " " })
            guard rest.first == "(", rest.last == ")" else { return nil }
            let items = rest.dropFirst().dropLast().split(separator: " ")
            guard items.count % 3 == 0 else { return nil }
            var i = 0
            while i + 2 < items.count {
                guard let usage = bigNumber(items[i + 1]), let limit = bigNumber(items[i + 2]) else { return nil }
                out.append(IMAPQuota(root: root, resource: items[i].uppercased(), usage: usage, limit: limit))
                i += 3
            }
        }
        return out
    }

    /// UID, RFC822.SIZE, INTERNALDATE and the first literal's size of a `n FETCH (...)` line.
    public static func fetched(_ line: String) -> IMAPFetched? {
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count == 3, parts[1].uppercased() == "FETCH", let open = parts[2].firstIndex(of: "(") else { return nil }
        var out = IMAPFetched(sequence: number(parts[0]))
        var rest = parts[2][parts[2].index(after: open)...]
        while let word = rest.split(separator: " ", maxSplits: 1).first {
            rest = rest.dropFirst(word.count).drop(while: { $0 == " " })
            switch word.uppercased() {
            case "UID": out.uid = takeNumber(&rest)
            case "RFC822.SIZE": out.size = takeNumber(&rest)
            case "INTERNALDATE": out.internalDate = astring(&rest)
            default:
                if word.hasPrefix("{"), word.hasSuffix("}") {
                    out.literalSize = number(word.dropFirst().dropLast().filter { $0 != "+" }[...])
                }
            }
        }
        return out
    }

    /// The response code of a completion or untagged OK text: `[NONEXISTENT] ...` gives `NONEXISTENT`.
    public static func responseCode(_ text: String) -> String? {
        var body = Substring(text)
        if body.uppercased().hasPrefix("OK ") || body.uppercased().hasPrefix("NO ") { body = body.dropFirst(3) }
        guard body.first == "[", let close = body.firstIndex(of: "]") else { return nil }
        return body[body.index(after: body.startIndex)..<close].uppercased()
    }

    /// A quoted string (escapes undone) or an atom at the start of `text`, consuming it.
    static func astring(_ text: inout Substring) -> String? {
        text = text.drop(while: { $0 == " " })
        if text.first == "\"" {
            var out = ""
            var i = text.index(after: text.startIndex)
            while i < text.endIndex {
                let c = text[i]
                if c == "\\" {
                    i = text.index(after: i)
                    guard i < text.endIndex else { return nil }
                    out.append(text[i])
                } else if c == "\"" {
                    text = text[text.index(after: i)...]
                    return out
                } else {
                    out.append(c)
                }
                i = text.index(after: i)
            }
            return nil
        }
        let atom = text.prefix(while: { $0 != " " && $0 != "(" && $0 != ")" })
        guard !atom.isEmpty else { return nil }
        text = text.dropFirst(atom.count)
        return String(atom)
    }

    static func takeNumber(_ text: inout Substring) -> Int? {
        let digits = text.prefix(while: { $0.isASCII && $0.isNumber })
        text = text.dropFirst(digits.count).drop(while: { $0 == " " })
        return number(digits)
    }

    /// A non-negative decimal that fits an Int (so later arithmetic cannot overflow 32-bit IMAP values).
    static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 18, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    /// Quota figures are number64 in RFC 9208 (at most 2^63-1): a larger one is a broken reply,
    /// not a huge quota (read as a Double it would pass for "0 % used").
    static func bigNumber(_ text: Substring) -> Double? {
        guard !text.isEmpty, text.count <= 19, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(text) else { return nil }
        return Double(value)
    }

    /// Space-separated words, ASCII letters upper-cased.
    static func words(_ bytes: ArraySlice<UInt8>) -> [String] {
        bytes.split(separator: UInt8(ascii: " ")).map { word in
            String(decoding: word.map { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") ? $0 - 32 : $0 }, as: UTF8.self)
        }
    }

    /// True when `bytes` holds `word` at `index`, ASCII letters in any case.
    static func startsCaseless(_ bytes: [UInt8], at index: Int, with word: String) -> Bool {
        let expected = Array(word.utf8)
        guard index >= 0, index + expected.count <= bytes.count else { return false }
        for (i, e) in expected.enumerated() {
            let b = bytes[index + i]
            let upper = b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") ? b - 32 : b
            if upper != e { return false }
        }
        return true
    }
}

/// How arguments go into IMAP commands.
public enum IMAPSyntax {
    /// A quoted string, or nil when `text` holds a control character, which a quoted string
    /// cannot carry (and libcurl refuses in a command). Other bytes are passed as given:
    /// mailbox names in modified UTF-7 are the user's and the server's business.
    public static func quoted(_ text: String) -> String? {
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else { return nil }
        var out = "\""
        for c in text {
            if c == "\\" || c == "\"" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }
}
