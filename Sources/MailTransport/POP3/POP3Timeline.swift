import CheckKit

/// Reads phase times and replies from the transcript of one POP3 transfer. Every time comes
/// from that transfer's own clock, so phases never mix two clocks.
struct POP3Timeline: ConnectionTranscript {
    let events: ArraySlice<Transcript.Event>

    /// Phases of connecting: resolve, connect, tls, banner, capa; and login when AUTH ran here.
    func connectPhases(resolved: Double?, implicitTLS: Bool) -> [PhaseTime<POP3Phase>] {
        var out: [PhaseTime<POP3Phase>] = openingPhases(resolved: resolved, implicitTLS: implicitTLS)
        let capa = exchanges(verb: "CAPA").reduce(0, +)
        if capa > 0 { out.append(PhaseTime(.capa, capa)) }
        let stls = events.first(where: { $0.direction == .sent && Self.verb($0.line) == "STLS" })
        if !implicitTLS, let upgrade = upgradeSeconds(sent: stls) { out.append(PhaseTime(.tls, upgrade)) }
        return out
    }

    /// Round trips of each command with `verb`: from sending it to its final reply. CAPA's reply
    /// ends with a lone `.`; AUTH goes on through `+ ` continuations to +OK or -ERR.
    func exchanges(verb: String) -> [Double] {
        var out: [Double] = []
        for (index, event) in zip(events.indices, events) where event.direction == .sent && Self.verb(event.line) == verb {
            if let done = reply(to: index, multiline: verb == "CAPA") { out.append(max(0, done.time - event.time)) }
        }
        return out
    }

    /// The final reply to the command sent at `index`.
    func reply(to index: Int, multiline: Bool = false) -> Transcript.Event? {
        guard index < events.endIndex else { return nil }
        return events[events.index(after: index)...].first { event in
            guard event.direction == .received else { return false }
            if multiline { return event.line == "." || event.line.hasPrefix("-ERR") }
            return event.line.hasPrefix("+OK") || event.line.hasPrefix("-ERR")
        }
    }

    /// The reply to the first command sent with `verb`.
    func reply(toVerb verb: String) -> Transcript.Event? {
        guard let index = events.firstIndex(where: { $0.direction == .sent && Self.verb($0.line) == verb }) else { return nil }
        return reply(to: index)
    }

    /// CAPA lines of the last CAPA reply, upper-cased (`STLS`, `SASL PLAIN LOGIN`, `USER`).
    var capabilities: [String] {
        guard let start = events.lastIndex(where: { $0.direction == .sent && Self.verb($0.line) == "CAPA" }) else { return [] }
        var out: [String] = []
        for event in events[events.index(after: start)...] where event.direction == .received {
            if event.line == "." || event.line.hasPrefix("-ERR") { break }
            if !event.line.hasPrefix("+OK") { out.append(event.line.uppercased()) }
        }
        return out
    }

    /// What the server still owed when the transfer stopped, for a timeout message.
    func pending(implicitTLS: Bool) -> String {
        guard let last = events.last(where: { $0.direction != .info }) else {
            return pendingBeforeGreeting(implicitTLS: implicitTLS)
        }
        if last.direction == .sent {
            let verb = Self.verb(last.line)
            return "waiting for the reply to \(verb.isEmpty ? "AUTH" : verb)"
        }
        return "after '\(last.line.prefix(60))'"
    }

    /// The upper-cased first word of a command line.
    static func verb(_ line: String) -> String { line.prefix(while: { $0 != " " }).uppercased() }
}

/// Parsers for POP3 replies. They never trap: junk or a number that does not fit gives nil.
public enum POP3Parse {
    /// The maildrop of a STAT reply, `+OK nn mm` (RFC 1939 5): message count and size in octets.
    public static func stat(_ line: String) -> (messages: Int, octets: Int)? {
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        guard words.count >= 3, words[0] == "+OK", let messages = number(words[1]), let octets = number(words[2]) else { return nil }
        return (messages, octets)
    }

    /// The text after `-ERR ` (`[AUTH] Authentication failed.`), or the line itself.
    public static func errorText(_ line: String) -> String {
        line.hasPrefix("-ERR ") ? String(line.dropFirst(5)) : line
    }

    static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 18, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }
}
