import CheckKit

/// Reads phase times, the banner and EHLO keywords from an SMTP transcript.
/// Every time comes from the transcript's own clock, so phases never mix two clocks.
struct SMTPTimeline: ConnectionTranscript {
    let events: [Transcript.Event]
    /// Seconds curl spent resolving the name (its own timer; it ends before "Connected").
    let resolved: Double?
    let implicitTLS: Bool

    /// The first reply line (the 220 greeting), as received.
    var banner: String {
        events.first(where: { $0.direction == .received })?.line ?? ""
    }

    /// Keywords of the last EHLO reply (its first line is the greeting, not a keyword).
    var extensions: [String] {
        ehloLines.compactMap { line in line.split(separator: " ").first.map { $0.uppercased() } }
    }

    /// The mechanisms the last EHLO's AUTH line offered (`AUTH PLAIN LOGIN`, or the old
    /// `AUTH=PLAIN LOGIN` form), upper-cased; nil when it offered no AUTH at all.
    var authMechanisms: [String]? {
        var found: [String]? = nil
        for line in ehloLines {
            let upper = line.uppercased()
            guard upper == "AUTH" || upper.hasPrefix("AUTH ") || upper.hasPrefix("AUTH=") else { continue }
            let words = upper.dropFirst(5).split(separator: " ").map(String.init)
            found = (found ?? []) + words.filter { !(found ?? []).contains($0) }
        }
        return found
    }

    /// The final reply to the last AUTH sent (after its 334 continuations), nil when no AUTH went out
    /// or none came back.
    var authReply: String? {
        guard let sent = events.lastIndex(where: { $0.direction == .sent && $0.line.uppercased().hasPrefix("AUTH") }) else { return nil }
        return events[(sent + 1)...].first(where: { $0.direction == .received && isFinal($0.line) && !$0.line.hasPrefix("334") })?.line
    }

    /// The text after `250-`/`250 ` of each line of the last EHLO reply but its first (the greeting).
    var ehloLines: [String] {
        guard let ehlo = events.lastIndex(where: { $0.direction == .sent && $0.line.uppercased().hasPrefix("EHLO") }) else { return [] }
        var out: [String] = []
        var first = true
        for event in events[(ehlo + 1)...] {
            if event.direction == .sent { break }
            guard event.direction == .received, event.line.hasPrefix("250") else { continue }
            if !first {
                let text = String(event.line.dropFirst(4))
                if !text.isEmpty { out.append(text) }
            }
            first = false
            if isFinal(event.line) { break }
        }
        return out
    }

    /// Each phase's own duration (not cumulative), in protocol order.
    func phases() -> [PhaseTime<SMTPPhase>] {
        var out: [PhaseTime<SMTPPhase>] = openingPhases(resolved: resolved, implicitTLS: implicitTLS)
        let ehlo = exchanges(startingWith: "EHLO")
        if !ehlo.isEmpty { out.append(PhaseTime(.ehlo, ehlo.reduce(0, +))) }
        let startTLS = events.first(where: { $0.direction == .sent && $0.line.uppercased() == "STARTTLS" })
        if !implicitTLS, let upgrade = upgradeSeconds(sent: startTLS) { out.append(PhaseTime(.tls, upgrade)) }
        let auth = exchanges(startingWith: "AUTH")
        if !auth.isEmpty { out.append(PhaseTime(.auth, auth.reduce(0, +))) }
        // Exim answers QUIT after about 200 ms: without this phase the phases would not add up to the total.
        if let quit = exchanges(startingWith: "QUIT").last { out.append(PhaseTime(.quit, quit)) }
        return out
    }

    /// Round trips of each command starting with `verb`: from sending it until its final reply
    /// line (`NNN ` with a space), following 334 continuations for AUTH.
    func exchanges(startingWith verb: String) -> [Double] {
        var out: [Double] = []
        var i = 0
        while i < events.count {
            let e = events[i]
            if e.direction == .sent && e.line.uppercased().hasPrefix(verb) {
                var j = i + 1
                while j < events.count {
                    let r = events[j]
                    if r.direction == .received, isFinal(r.line), !r.line.hasPrefix("334") { break }
                    j += 1
                }
                if j < events.count { out.append(max(0, events[j].time - e.time)) }
                i = j
            }
            i += 1
        }
        return out
    }

    func isFinal(_ line: String) -> Bool {
        let bytes = Array(line.utf8)
        return bytes.count >= 3 && (bytes.count == 3 || bytes[3] == UInt8(ascii: " "))
            && bytes[0...2].allSatisfy { $0 >= 48 && $0 <= 57 }
    }
}
