import CheckKit

/// A message header split into fields, folded lines joined (RFC 5322 2.2.3).
struct HeaderFields {
    /// Field names as sent and their unfolded values, in order.
    let fields: [(name: String, value: String)]

    init(_ bytes: [UInt8]) {
        var fields: [(String, String)] = []
        // Bounded: a header has no business being longer, and the sizes come from the server.
        let text = String(decoding: bytes.prefix(256 << 10), as: UTF8.self)
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            var line = raw
            if line.last == "\r" { line = line.dropLast() }
            if line.isEmpty { break }
            if line.first == " " || line.first == "\t" {
                if let last = fields.popLast() { fields.append((last.0, last.1 + " " + line.drop(while: { $0 == " " || $0 == "\t" }))) }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].drop(while: { $0 == " " || $0 == "\t" })
            fields.append((String(line[..<colon]), String(value)))
        }
        self.fields = fields
    }

    /// Every value of the field `name` (any case), in order.
    func values(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }
}

/// One Received header: who took the message, from whom, how, and when its clock said so.
struct ReceivedHop: Equatable {
    var by: String?
    var from: String?
    var with: String?
    var id: String?
    /// The comment after the `by` host (`(Postfix)`), which often names the software.
    var software: String?
    /// Seconds since the epoch, from the date after the last `;`.
    var date: Double?

    init(_ value: String) {
        var clauses = Substring(value)
        if let semicolon = value.lastIndex(of: ";") {
            clauses = value[..<semicolon]
            date = MailDate.parse(String(value[value.index(after: semicolon)...]))
        }
        let words = Self.words(clauses)
        for (index, word) in words.enumerated() where index + 1 < words.count && !word.hasPrefix("(") {
            let next = words[index + 1]
            guard !next.hasPrefix("(") else { continue }
            switch word.lowercased() {
            case "by" where by == nil:
                by = next
                if index + 2 < words.count, words[index + 2].hasPrefix("(") { software = String(words[index + 2].dropFirst().dropLast()) }
            case "from" where from == nil: from = next
            case "with" where with == nil: with = next
            case "id" where id == nil: id = next
            default: break
            }
        }
    }

    /// Words, with each parenthesised comment (nesting allowed) kept as one word.
    static func words(_ text: Substring) -> [String] {
        var out: [String] = []
        var current = ""
        var depth = 0
        for c in text {
            if c == "(" { if depth == 0 && !current.isEmpty { out.append(current); current = "" }; depth += 1 }
            if depth > 0 {
                current.append(c)
                if c == ")" { depth -= 1; if depth == 0 { out.append(current); current = "" } }
                continue
            }
            if c == " " || c == "\t" {
                if !current.isEmpty { out.append(current); current = "" }
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out.map { String($0.prefix(120)) }
    }

    /// `mail.example.test (Postfix, ESMTP, id 4XyZ) from [127.0.0.1]`, for long output.
    var label: String {
        var how = [software, with].compactMap { $0 }
        if let id { how.append("id \(id)") }
        var text = by ?? "(no by)"
        if !how.isEmpty { text += " (\(how.joinedText(", ")))" }
        if let from { text += " from \(from)" }
        return text
    }
}

/// The time a probe spent at each hop, as its Received headers tell it. Their dates have
/// whole seconds and come from each host's own clock: a negative step is shown as 0 and
/// marked, never subtracted from the latency, which comes from this check's own clock.
enum ReceivedHops {
    /// Long-output lines, oldest hop first; `submittedAt` is the wall-clock time of the SMTP acceptance.
    static func describe(_ values: [String], submittedAt: Double) -> [String] {
        let hops = values.prefix(50).reversed().map(ReceivedHop.init)
        guard !hops.isEmpty else { return ["hops: the delivered probe carries no Received header"] }
        var lines = ["hops (Received headers, oldest first; whole seconds by each host's clock):"]
        var previous: Double? = submittedAt.rounded(.down)
        for (index, hop) in hops.enumerated() {
            var line = "  \(index + 1). \(hop.label)"
            if let date = hop.date {
                if let before = previous {
                    let step = date - before
                    let what = index == 0 ? "after submission" : "after hop \(index)"
                    line += step < 0 ? ": 0 s \(what) (its clock reads \(NumberFormat.decimal(-step, fractionDigits: 0)) s earlier)"
                                     : ": \(NumberFormat.decimal(step, fractionDigits: 0)) s \(what)"
                }
                previous = date
            } else {
                line += ": no readable date"
                previous = nil
            }
            lines.append(line)
        }
        return lines
    }
}
