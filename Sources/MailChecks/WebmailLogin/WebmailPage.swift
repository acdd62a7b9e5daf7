import CheckKit

/// The little HTML reading a webmail login needs, without a DOM: forms and their inputs,
/// Roundcube's messages and environment. Pages are bounded by the transport's body cap.
struct WebmailPage {
    let text: String

    /// One `<input>`: its name, type and value (entities decoded).
    struct Input { let name: String; let type: String; let value: String }
    /// One `<form>`: its action and method, and its inputs in order.
    struct Form { let action: String; let method: String; let inputs: [Input] }

    /// Every form on the page.
    var forms: [Form] {
        var out: [Form] = []
        var rest = Substring(text)
        while let open = rest.range(of: "<form", options: true) {
            let tagEnd = rest[open.upperBound...].firstIndex(of: ">") ?? rest.endIndex
            let tag = rest[open.lowerBound..<tagEnd]
            let bodyStart = tagEnd < rest.endIndex ? rest.index(after: tagEnd) : tagEnd
            let close = rest[bodyStart...].range(of: "</form", options: true)?.lowerBound ?? rest.endIndex
            let inputs = Self.tags("input", in: rest[bodyStart..<close]).compactMap { tag -> Input? in
                guard let name = Self.attribute("name", in: tag) else { return nil }
                return Input(name: name, type: (Self.attribute("type", in: tag) ?? "text").lowercased(),
                             value: Self.attribute("value", in: tag) ?? "")
            }
            out.append(Form(action: Self.attribute("action", in: tag) ?? "", method: (Self.attribute("method", in: tag) ?? "get").lowercased(), inputs: inputs))
            rest = rest[close...].dropFirst(5)
        }
        return out
    }

    /// The first form with a password field: the login form.
    var loginForm: Form? { forms.first { $0.inputs.contains { $0.type == "password" } } }

    /// Roundcube's `rcmail.display_message("TEXT", ...)` texts (its own words for a failure).
    var roundcubeMessages: [String] {
        var out: [String] = []
        var rest = Substring(text)
        while let r = rest.firstRange(ofText: "display_message(\""), out.count < 5 {
            let tail = rest[r.upperBound...]
            var value = ""
            var escaped = false
            for c in tail.prefix(300) {
                if escaped { value.append(c); escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { break } else { value.append(c) }
            }
            out.append(value)
            rest = tail
        }
        return out
    }

    /// A string value of Roundcube's environment JSON (`"task":"mail"`).
    func roundcubeEnv(_ key: String) -> String? {
        guard let r = text.firstRange(ofText: "\"\(key)\":\"") else { return nil }
        return String(text[r.upperBound...].prefix(while: { $0 != "\"" }).prefix(200))
    }

    /// Folder ids of Roundcube's `"mailboxes_list":["INBOX","Archive"]`, in page order.
    var roundcubeMailboxes: [String] {
        guard let start = text.firstRange(ofText: "\"mailboxes_list\":[") else { return [] }
        let list = text[start.upperBound...].prefix(while: { $0 != "]" }).prefix(100_000)
        return list.split(separator: ",").prefix(1000).map {
            Self.unescapeJSON(String($0.droppingPrefix("\"").prefix(while: { $0 != "\"" })))
        }
    }

    /// A number of Roundcube's JSON (`"messagecount":3`).
    func roundcubeNumber(_ key: String) -> Int? {
        guard let r = text.firstRange(ofText: "\"\(key)\":") else { return nil }
        return Int(text[r.upperBound...].prefix(while: { $0.isASCII && $0.isNumber }).prefix(12))
    }

    /// Which webmail served this login page, if any known one did.
    var product: String? {
        if text.containsText("rcmail") || text.containsText("\"rcversion\"") || text.containsText("roundcube") { return "roundcube" }
        if text.containsText("/SOGo/") || text.containsText("SOGo") { return "sogo" }
        return nil
    }

    static func tags(_ name: String, in text: Substring) -> [Substring] {
        var out: [Substring] = []
        var rest = text
        while let open = rest.range(of: "<\(name)", options: true), out.count < 1000 {
            let end = rest[open.upperBound...].firstIndex(of: ">") ?? rest.endIndex
            out.append(rest[open.lowerBound..<end])
            rest = rest[end...]
        }
        return out
    }

    /// An attribute's value in a tag (`name="x"`, `name='x'` or `name=x`), entities decoded.
    static func attribute(_ name: String, in tag: Substring) -> String? {
        var rest = tag
        while let r = rest.range(of: name + "=", options: true) {
            let before = r.lowerBound == tag.startIndex ? " " : tag[tag.index(before: r.lowerBound)]
            let tail = rest[r.upperBound...]
            rest = tail
            guard before == " " || before == "\t" || before == "\n" else { continue }
            guard let quote = tail.first else { return "" }
            if quote == "\"" || quote == "'" {
                return decodeEntities(String(tail.dropFirst().prefix(while: { $0 != quote })))
            }
            return decodeEntities(String(tail.prefix(while: { $0 != " " && $0 != ">" && $0 != "/" })))
        }
        return nil
    }

    static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        return s.replacingText("&quot;", with: "\"").replacingText("&#39;", with: "'").replacingText("&lt;", with: "<")
            .replacingText("&gt;", with: ">").replacingText("&amp;", with: "&")
    }

    static func unescapeJSON(_ s: String) -> String {
        s.replacingText("\\/", with: "/").replacingText("\\\"", with: "\"").replacingText("\\\\", with: "\\")
    }
}

extension Substring {
    /// Finds `needle` as written or upper-cased (`<form`, `<FORM`): HTML tags come in either.
    func range(of needle: String, options caseInsensitive: Bool) -> Range<Index>? {
        let lower = firstRange(ofText: needle)
        guard caseInsensitive, let upper = firstRange(ofText: needle.uppercased()) else { return lower }
        guard let lower else { return upper }
        return lower.lowerBound < upper.lowerBound ? lower : upper
    }
}
