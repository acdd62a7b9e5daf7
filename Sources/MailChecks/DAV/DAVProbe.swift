import CheckKit
import MailTransport

/// The name of a write probe: `mailcheck-CHECKNAME-SENTMS-RANDOM.ics|.vcf`. Only names that parse
/// exactly are this suite's probes; the sweep deletes only those of its own check name.
struct DAVProbeName: Equatable {
    let checkName: String
    let sentMillis: Int
    let random: String

    var uid: String { "mailcheck-\(checkName)-\(sentMillis)-\(random)" }

    init(checkName: String, sentMillis: Int, random: String) {
        self.checkName = checkName; self.sentMillis = sentMillis; self.random = random
    }

    /// Parses the last segment of `href`; nil for anything that is not exactly a probe's name.
    init?(href: String) {
        var name = DAVPath.lastSegment(href)
        guard name.hasSuffix(".ics") || name.hasSuffix(".vcf") else { return nil }
        name.removeLast(4)
        guard name.hasPrefix("mailcheck-") else { return nil }
        let parts = name.dropFirst("mailcheck-".count).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 3 else { return nil }
        let random = parts[parts.count - 1], millis = parts[parts.count - 2]
        let check = parts[..<(parts.count - 2)].joined(separator: "-")
        guard ProbeToken.isValidName(check), random.count == 32, random.allSatisfy({ $0.isHexDigit && !$0.isUppercase }),
              (1...15).contains(millis.count), millis.allSatisfy({ $0.isASCII && $0.isNumber }), let sent = Int(millis) else { return nil }
        self.init(checkName: check, sentMillis: sent, random: String(random))
    }
}

/// What the write round trip measured.
struct DAVWriteResult {
    var phases: [PhaseTime<DAVPhase>] = []
    var swept: [String] = []
    var notes: [String] = []
}

/// The round trip a sync client makes with one item of its own: PUT (If-None-Match: *), GET and
/// compare, DELETE (If-Match). Before it, probes of the same --check-name older than
/// --stale-after (left by runs that died) are deleted; nothing else is ever written or deleted.
struct DAVProbe {
    let client: DAVClient
    let kind: DAVKind
    let checkName: String
    let staleAfter: Double

    /// `now` is the run's wall clock: the sweep's age and the new probe's token both use it.
    func run(in collection: DAVCollection, now: Double) throws(CheckError) -> DAVWriteResult {
        var result = DAVWriteResult()
        try sweep(collection, now: now, into: &result)
        let token = try ProbeToken.make(checkName: checkName, now: now)
        let probe = DAVProbeName(checkName: checkName, sentMillis: token.sentMillis, random: token.random)
        let url = HTTPURL.resolve(probe.uid + (kind == .calendar ? ".ics" : ".vcf"), against: collection.url)
        let body = Array(document(uid: probe.uid).utf8)
        let type = kind == .calendar ? "text/calendar; charset=utf-8" : "text/vcard; charset=utf-8"

        var start = Deadline.now()
        let put = try client.http.send(HTTPRequest(url, method: "PUT", headers: [("Content-Type", type), ("If-None-Match", "*")],
                                                   body: body, phase: "put"), followRedirects: false)
        result.phases.append(PhaseTime(.put, Deadline.now() - start))
        try client.judge(put, expecting: [200, 201, 204])
        var etag = put.headers["ETag"]
        do throws(CheckError) {
            start = Deadline.now()
            let get = try client.http.send(HTTPRequest(url, phase: "get"), followRedirects: false)
            result.phases.append(PhaseTime(.get, Deadline.now() - start))
            try client.judge(get, expecting: [200])
            guard get.text.containsText(probe.uid) else { throw .critical("get: the probe came back without its UID") }
            if let sent = etag, let got = get.headers["ETag"], sent != got, !sent.hasPrefix("W/") {
                throw .critical("get: ETag \(SafeText.bounded(got, limit: 60)) differs from the PUT's \(SafeText.bounded(sent, limit: 60))")
            }
            etag = etag ?? get.headers["ETag"]
        } catch {
            _ = try? delete(url, etag: nil)   // never leave the probe behind a failed GET
            throw error
        }
        start = Deadline.now()
        let status = try delete(url, etag: etag)
        result.phases.append(PhaseTime(.delete, Deadline.now() - start))
        result.notes.append("write: \(probe.uid) PUT, GET (ETag \(etag ?? "none")), DELETE \(status)")
        return result
    }

    private func delete(_ url: String, etag: String?) throws(CheckError) -> Int {
        let headers = etag.map { [(name: "If-Match", value: $0)] } ?? []
        let answer = try client.http.send(HTTPRequest(url, method: "DELETE", headers: headers, phase: "delete"), followRedirects: false)
        try client.judge(answer, expecting: [200, 204])
        return answer.status
    }

    /// Deletes this check name's probes older than --stale-after; others' items are only read.
    private func sweep(_ collection: DAVCollection, now: Double, into result: inout DAVWriteResult) throws(CheckError) {
        let set = try client.multistatus("PROPFIND", collection.url, depth: 1,
                                         body: #"<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>"#, phase: "sweep")
        for r in set.resources {
            guard let name = DAVProbeName(href: r.href), name.checkName == checkName,
                  now * 1000 - Double(name.sentMillis) > staleAfter * 1000 else { continue }
            let url = HTTPURL.resolve(r.href, against: set.response.effectiveURL)
            let answer = try client.http.send(HTTPRequest(url, method: "DELETE", headers: r.etag.map { [("If-Match", $0)] } ?? [],
                                                          phase: "sweep"), followRedirects: false)
            // 404/412: another run of the same check swept it first.
            if [200, 204].contains(answer.status) { result.swept.append(name.uid) }
        }
    }

    private func document(uid: String) -> String {
        if kind == .calendar {
            // Dated 1970: outside any window, so a concurrent reader never counts it.
            return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//mailcheck//check_caldav//EN\r\nBEGIN:VEVENT\r\nUID:\(uid)\r\n"
                + "DTSTAMP:19700102T000000Z\r\nDTSTART:19700102T000000Z\r\nDTEND:19700102T000100Z\r\n"
                + "SUMMARY:mailcheck write probe (deleted at once)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        }
        return "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:\(uid)\r\nFN:mailcheck write probe\r\nN:probe;mailcheck;;;\r\nEND:VCARD\r\n"
    }
}
