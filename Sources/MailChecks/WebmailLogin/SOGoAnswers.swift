/// Reading SOGo 5's answers without a JSON library: the few keys the web client's flow needs,
/// from bodies the transport has already capped. SOGo writes its JSON compactly and in a
/// stable key order (docs/sogo-notes.md §2), which these scans rely on.
enum SOGoAnswers {
    /// One folder of `Mail/0/view`: its path (`INBOX`, `Archive`, `Lists/Swift`) and whether
    /// the IMAP server listed it (SOGo adds Drafts, Sent, ... as virtual folders until used,
    /// with empty `flags`).
    struct Folder: Equatable { let path: String; let exists: Bool }

    /// The folders of a `{"mailboxes":[...]}` answer, in the order SOGo gave them; nil when the
    /// body is not that JSON (a login page answered with 200 means the session is gone).
    static func folders(_ text: String) -> [Folder]? {
        guard text.hasPrefix("{\"mailboxes\":") else { return nil }
        var out: [Folder] = []
        var rest = Substring(text)
        // Each object's "flags" comes before its "path", and its children before both.
        while let flags = rest.firstRange(ofText: "\"flags\":["), out.count < 10_000 {
            let list = rest[flags.upperBound...].prefix(while: { $0 != "]" })
            guard let path = rest[flags.upperBound...].firstRange(ofText: "\"path\":\"") else { break }
            let value = jsonString(at: path.upperBound, in: rest)
            out.append(Folder(path: value, exists: !list.isEmpty))
            rest = rest[path.upperBound...]
        }
        return out
    }

    /// The number of messages of a message list (`"uids":[6, 4, 3]`), nil when the body is
    /// not a message list.
    static func messageCount(_ text: String) -> Int? {
        guard text.hasPrefix("{"), let r = text.firstRange(ofText: "\"uids\":[") else { return nil }
        let list = text[r.upperBound...].prefix(while: { $0 != "]" })
        return list.allSatisfy({ $0 == " " }) ? 0 : list.split(separator: ",").count
    }

    /// A string value of a top-level key (`"message":"An error occured ..."`), unescaped.
    static func string(_ key: String, in text: String) -> String? {
        guard let r = text.firstRange(ofText: "\"\(key)\":\"") else { return nil }
        return jsonString(at: r.upperBound, in: Substring(text))
    }

    /// A number of a key (`"LDAPPasswordPolicyError":65535`).
    static func number(_ key: String, in text: String) -> Int? {
        guard let r = text.firstRange(ofText: "\"\(key)\":") else { return nil }
        let digits = text[r.upperBound...].prefix(while: { $0 == "-" || ($0.isASCII && $0.isNumber) }).prefix(12)
        return Int(digits)
    }

    /// The value of cookie `name` among `Set-Cookie` header values (nil when not set).
    static func cookie(_ name: String, in setCookies: [String]) -> String? {
        for line in setCookies {
            let pair = line.prefix(while: { $0 != ";" })
            guard let eq = pair.firstIndex(of: "="), pair[..<eq] == name else { continue }
            return String(pair[pair.index(after: eq)...])
        }
        return nil
    }

    /// SOGo's meaning of `LDAPPasswordPolicyError` codes in a failed login's answer
    /// (SOGo's UI/MainUI strings; 65535 is "no policy error": plain bad credentials).
    static func loginRefusal(_ code: Int?) -> String {
        switch code {
        case 0: return "password expired"
        case 1: return "account locked"
        case 2: return "password must be changed (reset)"
        case 65535, nil: return "wrong user name or password"
        default: return "password policy error \(code ?? 0)"
        }
    }

    /// The JSON string starting at `start` (after its opening quote), escapes undone, capped.
    static func jsonString(at start: Substring.Index, in text: Substring) -> String {
        var value = ""
        var escaped = false
        for c in text[start...].prefix(1000) {
            if escaped {
                switch c {
                case "n": value.append("\n")
                case "t": value.append("\t")
                default: value.append(c)
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "\"" {
                break
            } else {
                value.append(c)
            }
        }
        return value
    }

    /// `text` as a JSON string literal (quotes, backslashes and control characters escaped).
    static func jsonQuote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20:
                let hex = Array("0123456789abcdef")
                out += "\\u00" + String(hex[Int(scalar.value >> 4)]) + String(hex[Int(scalar.value & 15)])
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The URL path of a folder as SOGo's web client builds it: `folder` before each
    /// component (`folderLists/folderSwift`), each percent-encoded.
    static func folderPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { "folder" + percentEncode(String($0)) }.joinedText("/")
    }

    /// Percent-encodes everything but unreserved characters (RFC 3986), for one path segment.
    static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var out = ""
        for byte in text.utf8 {
            let c = Character(Unicode.Scalar(byte))
            if byte < 0x80, c.isLetter || c.isNumber || "-._~".contains(c) {
                out.append(c)
            } else {
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
            }
        }
        return out
    }
}
