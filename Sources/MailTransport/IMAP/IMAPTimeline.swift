import CheckKit

/// Reads phase times and tagged completions from the transcript of one IMAP transfer.
/// Every time comes from that transfer's own clock, so phases never mix two clocks.
struct IMAPTimeline: ConnectionTranscript {
    let events: ArraySlice<Transcript.Event>

    /// Phases of connecting and logging in: resolve, connect, tls, banner, capability, login.
    func connectPhases(resolved: Double?, implicitTLS: Bool) -> [PhaseTime<IMAPPhase>] {
        var out: [PhaseTime<IMAPPhase>] = openingPhases(resolved: resolved, implicitTLS: implicitTLS)
        let capability = exchanges(verb: "CAPABILITY").reduce(0, +)
        if capability > 0 { out.append(PhaseTime(.capability, capability)) }
        if !implicitTLS, let upgrade = upgradeSeconds(sent: sentCommand(verb: "STARTTLS")) { out.append(PhaseTime(.tls, upgrade)) }
        let login = exchanges(verb: "AUTHENTICATE") + exchanges(verb: "LOGIN")
        if !login.isEmpty { out.append(PhaseTime(.login, login.reduce(0, +))) }
        return out
    }

    /// The first sent command whose verb (after the tag) is `verb`.
    func sentCommand(verb: String) -> Transcript.Event? {
        events.first { $0.direction == .sent && Self.verb($0.line) == verb }
    }

    /// Round trips of each command with `verb`: from sending it to its tagged completion.
    func exchanges(verb: String) -> [Double] {
        var out: [Double] = []
        for (index, event) in zip(events.indices, events) where event.direction == .sent && Self.verb(event.line) == verb {
            if let done = completion(tag: Self.tag(event.line), after: index) { out.append(max(0, done.time - event.time)) }
        }
        return out
    }

    /// The tagged completion (`A003 OK ...`) of the command with `tag`, sent at or before `index`.
    func completion(tag: String, after index: Int) -> Transcript.Event? {
        guard !tag.isEmpty, index < events.endIndex else { return nil }
        return events[index...].first { $0.direction == .received && $0.line.hasPrefix(tag + " ") }
    }

    /// The first command sent as `text` after its tag (libcurl may add its own LOGOUT later).
    func sent(_ text: String) -> (index: Int, event: Transcript.Event)? {
        guard let i = events.firstIndex(where: { event in
            let tag = Self.tag(event.line)
            return event.direction == .sent && !tag.isEmpty && event.line.dropFirst(tag.count + 1) == Substring(text)
        }) else { return nil }
        return (i, events[i])
    }

    /// Capability lists seen, in order: untagged `CAPABILITY` replies and `[CAPABILITY ...]` codes.
    /// The flag says whether the list came after a login command was sent.
    func capabilityLists() -> [(words: [String], afterLogin: Bool, truncated: Bool)] {
        var out: [([String], Bool, Bool)] = []
        var loginSent = false
        for event in events {
            if event.direction == .sent && ["AUTHENTICATE", "LOGIN"].contains(Self.verb(event.line)) { loginSent = true }
            guard event.direction == .received, Self.mentionsCapability(event.line),
                  let words = IMAPParse.capabilities(event.line) else { continue }
            // The transcript keeps 512 characters of a line; a list that long may be cut.
            out.append((words, loginSent, event.line.count >= 512))
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
            if verb == "STARTTLS" { return tlsEvent == nil && events.last?.direction == .info ? "during the TLS handshake" : "waiting for the reply to STARTTLS" }
            return "waiting for the reply to \(verb.isEmpty ? "AUTHENTICATE" : verb)"
        }
        return "after '\(last.line.prefix(60))'"
    }

    // Tags and verbs are ASCII: reading bytes keeps these per-line helpers cheap.

    /// The tag of a command line (`A003` of `A003 EXAMINE INBOX`); empty for continuation data.
    static func tag(_ line: String) -> String {
        let bytes = line.utf8
        guard let space = bytes.firstIndex(of: UInt8(ascii: " ")), space != bytes.startIndex else { return "" }
        let first = bytes[..<space]
        guard first.allSatisfy({ isDigit($0) || (($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "z")) }),
              first.contains(where: isDigit) else { return "" }
        return String(decoding: first, as: UTF8.self)
    }

    /// The verb of a command line, upper-cased (`EXAMINE`); empty for continuation data.
    static func verb(_ line: String) -> String {
        let tag = tag(line)
        guard !tag.isEmpty else { return "" }
        let rest = line.utf8.dropFirst(tag.utf8.count + 1)
        return String(decoding: rest.prefix(while: { $0 != UInt8(ascii: " ") }), as: UTF8.self).uppercased()
    }

    /// True when `line` holds the word CAPABILITY in any case: the cheap test before parsing.
    static func mentionsCapability(_ line: String) -> Bool {
        let needle = Array("CAPABILITY".utf8)
        let bytes = Array(line.utf8)
        guard bytes.count >= needle.count else { return false }
        for start in 0...(bytes.count - needle.count) where bytes[start] | 0x20 == UInt8(ascii: "c") {
            var i = 1
            while i < needle.count && (bytes[start + i] & 0xDF) == needle[i] { i += 1 }
            if i == needle.count { return true }
        }
        return false
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
