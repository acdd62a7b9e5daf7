#if canImport(Glibc)
import Glibc
#endif
import CheckKit
import MailTransport

/// What one collection's query found.
struct DAVCount {
    let collection: DAVCollection
    let items: Int
    let seconds: Double
}

/// The reads a user's client makes: a calendar-query REPORT over the window (events; a recurring
/// event comes back once, as its master) or a Depth 1 PROPFIND of getetag (cards). This check's
/// own probes are never counted.
struct DAVQueries {
    let client: DAVClient
    let kind: DAVKind

    func count(_ collection: DAVCollection, from start: Double, window: Double) throws(CheckError) -> DAVCount {
        let begin = Deadline.now()
        let phase = "query \(collection.name)"
        let set: DAVResponseSet
        if kind == .calendar {
            set = try client.multistatus("REPORT", collection.url, depth: 1, body: """
                <C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>\
                <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">\
                <C:time-range start="\(Self.utc(start))" end="\(Self.utc(start + window))"/>\
                </C:comp-filter></C:comp-filter></C:filter></C:calendar-query>
                """, phase: phase)
        } else {
            set = try client.multistatus("PROPFIND", collection.url, depth: 1,
                                         body: #"<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:resourcetype/></D:prop></D:propfind>"#,
                                         phase: phase)
        }
        let items = try Self.items(set, in: collection, phase: phase)
        return DAVCount(collection: collection, items: items.filter { DAVProbeName(href: $0.href) == nil }.count,
                        seconds: Deadline.now() - begin)
    }

    /// The member items of a listing (the collection itself and sub-collections left out); a
    /// per-item error status inside the 207 fails the step, naming the item.
    static func items(_ set: DAVResponseSet, in collection: DAVCollection, phase: String) throws(CheckError) -> [DAVResource] {
        var items: [DAVResource] = []
        for r in set.resources {
            let url = HTTPURL.resolve(r.href, against: set.response.effectiveURL)
            if DAVPath.same(url, collection.url) || r.resourceType.contains(DAVName.collection) { continue }
            if r.failed {
                throw .critical("\(phase): the server reported HTTP \(r.status ?? 0) for \(SafeText.bounded(r.href, limit: 100))")
            }
            items.append(r)
        }
        return items
    }

    /// `20260601T000000Z` for epoch seconds.
    static func utc(_ seconds: Double) -> String {
        var t = time_t(max(0, min(seconds, 253_402_300_799)))
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z"
    }
}
