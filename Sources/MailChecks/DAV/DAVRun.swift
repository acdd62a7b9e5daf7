import CheckKit
import MailTransport

/// One run of a DAV check: discovery, listing, a query per collection, the optional write round
/// trip, and the report. check_caldav and check_carddav differ only in `kind` and the window.
struct DAVRun {
    let settings: DAVSettings
    let kind: DAVKind
    /// Seconds ahead that a calendar-query reads (calendars only).
    let window: Double

    func run(_ context: RunContext, name: String) throws(CheckError) -> CheckReport {
        let user = settings.credentials.username ?? ""
        let password = try settings.credentials.password()
        let http = try HTTPSession(tls: settings.tls, deadline: context.deadline, wording: TransportWords(), bodyLimit: settings.maxBody, context: context)
        http.useBasicAuth(user: user, password: password, for: settings.url)
        let client = DAVClient(http: http, user: user, maxBody: settings.maxBody)
        let started = Deadline.now()
        let found = try DAVDiscovery(client: client, kind: kind).run(url: settings.url)
        for wanted in settings.required where !found.collections.contains(where: { $0.isNamed(wanted) }) {
            throw .critical("list: no \(kind.noun) \(wanted) for \(user) (found: \(Self.names(found.collections)))")
        }
        var chosen: [DAVCollection] = []
        for wanted in settings.names {
            guard let c = found.collections.first(where: { $0.isNamed(wanted) }) else {
                throw .critical("list: no \(kind.noun) \(wanted) for \(user) (found: \(Self.names(found.collections)))")
            }
            chosen.append(c)
        }
        if settings.names.isEmpty { chosen = found.collections }
        guard !chosen.isEmpty else { throw .critical("list: \(user) has no \(kind.noun) at \(found.home.prefix(100))") }

        let queries = DAVQueries(client: client, kind: kind)
        let now = context.clock.now()
        var counts: [DAVCount] = []
        for c in chosen { counts.append(try queries.count(c, from: now, window: window)) }
        var written: DAVWriteResult?
        if settings.write {
            written = try DAVProbe(client: client, kind: kind, checkName: settings.checkName, staleAfter: settings.staleAfter).run(in: chosen[0], now: now)
        }
        let total = Deadline.now() - started
        return report(name: name, user: user, found: found, counts: counts, written: written, total: total,
                      certificate: settings.url.lowercased().hasPrefix("https") ? http.certificate : nil, now: now)
    }

    static func names(_ collections: [DAVCollection]) -> String {
        collections.isEmpty ? "none" : collections.map(\.name).joinedText(", ").prefix(160).description
    }

    func report(name: String, user: String, found: DAVDiscovered, counts: [DAVCount], written: DAVWriteResult?,
                total: Double, certificate: CertificateFacts?, now: Double) -> CheckReport {
        let timing = settings.timing
        let itemWord = kind == .calendar ? "events" : "cards"
        var results: [CheckResult] = [
            .measure("time", total, unit: .seconds, thresholds: timing.total, min: 0,
                     message: "\(HTTPURL.endpoint(settings.url)) answered in \(NumberFormat.seconds(total))"),
        ]
        results += found.phases.map(timing.result)
        let suffixes = Self.labelSuffixes(counts.map(\.collection.name))
        for (count, suffix) in zip(counts, suffixes) {
            results.append(timing.result(DAVPhase.query, seconds: count.seconds, label: "time_query_\(suffix)", name: "query \(count.collection.name)"))
            var r = CheckResult.measure("\(itemWord)_\(suffix)", Double(count.items), thresholds: settings.items, min: 0,
                                        message: "\(count.collection.name): \(Self.plural(count.items, itemWord))", inSummary: false)
            if r.status == .ok { r.message = "" } else { r.inSummary = true }
            results.append(r)
        }
        results.append(.metric("collections", Double(found.collections.count), min: 0))
        if let written { results += written.phases.map(timing.result) }
        if let certificate {
            results.append(certificate.result(thresholds: settings.certThresholds, now: now))
        } else if settings.url.lowercased().hasPrefix("https"), !settings.certThresholds.isEmpty {
            results.append(CheckResult(.unknown, "certificate expiry could not be read"))
        }
        let noun = kind == .calendar ? "calendar" : "address book"
        var summary = "\(user): \(counts.count) \(noun)\(counts.count == 1 ? "" : "s"), "
        summary += counts.prefix(3).map { "\($0.collection.name) \(Self.plural($0.items, itemWord))" }.joinedText(", ")
        if counts.count > 3 { summary += ", ..." }
        if kind == .calendar { summary += " in \(Self.windowText(window))" }
        if written != nil { summary += ", write OK" }
        summary += " in \(NumberFormat.seconds(total))"
        if let certificate { summary += ", cert \(NumberFormat.decimal(certificate.daysLeft(now: now).rounded(.down), fractionDigits: 0)) days" }
        var details = found.notes + ["principal: \(found.principal)", "home: \(found.home)"]
        details += found.collections.map { c in
            "\(noun) \(c.name): \(c.url)" + (c.ctag.map { ", ctag \($0)" } ?? "") + (c.syncToken.map { ", sync-token \($0)" } ?? "")
        }
        details += counts.map { "query \($0.collection.name): \(Self.plural($0.items, itemWord)) in \(NumberFormat.seconds($0.seconds))" }
        if let written {
            details += written.notes
            details += written.swept.map { "swept a stale probe of this check name: \($0)" }
        }
        return CheckReport(name: name, results: results, okSummary: summary, details: details)
    }

    /// `1 event`, `3 events`.
    static func plural(_ n: Int, _ word: String) -> String { n == 1 ? "1 \(word.dropLast())" : "\(n) \(word)" }

    /// Perfdata suffixes: the collection's name when it is plain, else its position.
    static func labelSuffixes(_ names: [String]) -> [String] {
        let plain: (String) -> Bool = { n in
            (1...12).contains(n.utf8.count) && n.utf8.allSatisfy { ProbeToken.isNameByte($0) }
        }
        let out = names.enumerated().map { i, n in plain(n) ? n : String(i + 1) }
        return Set(out).count == out.count ? out : names.indices.map { String($0 + 1) }
    }

    static func windowText(_ seconds: Double) -> String {
        if seconds.truncatingRemainder(dividingBy: 86400) == 0 { return "\(Int(seconds / 86400))d" }
        if seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
        return NumberFormat.seconds(seconds)
    }

    /// `7d`, `12h`, `30m`, `90s` or plain seconds; nil for anything else.
    static func parseWindow(_ text: String) -> Double? {
        var number = Substring(text)
        var unit = 1.0
        switch number.last {
        case "d": unit = 86400; number = number.dropLast()
        case "h": unit = 3600; number = number.dropLast()
        case "m": unit = 60; number = number.dropLast()
        case "s": number = number.dropLast()
        default: break
        }
        guard !number.isEmpty, number.utf8.count <= 9, number.allSatisfy({ $0.isASCII && $0.isNumber }),
              let v = Double(number), v > 0, v * unit <= 3660 * 86400 else { return nil }
        return v * unit
    }
}
