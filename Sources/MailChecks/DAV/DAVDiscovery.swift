import CheckKit
import MailTransport

/// Which kind of collection a check looks for: calendars (CalDAV) or address books (CardDAV).
enum DAVKind: Sendable {
    case calendar, addressBook

    var wellKnown: String { self == .calendar ? "/.well-known/caldav" : "/.well-known/carddav" }
    var noun: String { self == .calendar ? "calendar" : "address book" }
    var homeProperty: String {
        self == .calendar ? #"<C:calendar-home-set xmlns:C="urn:ietf:params:xml:ns:caldav"/>"#
            : #"<CR:addressbook-home-set xmlns:CR="urn:ietf:params:xml:ns:carddav"/>"#
    }
    func homes(_ r: DAVResource) -> [String] { self == .calendar ? r.calendarHomeSet : r.addressbookHomeSet }
    func matches(_ r: DAVResource) -> Bool { self == .calendar ? r.isCalendar : r.isAddressBook }
}

/// One collection found in the home.
struct DAVCollection: Sendable {
    let url: String
    let href: String
    let displayName: String?
    let ctag: String?
    let syncToken: String?

    /// The name a user gives with --calendar/--addressbook: the displayname or the last path segment.
    func isNamed(_ name: String) -> Bool {
        displayName == name || DAVPath.lastSegment(href) == name || (DAVPath.lastSegment(href).removingPercentEncoding() == name)
    }

    /// The name for messages and perfdata labels.
    var name: String { displayName.flatMap { $0.isEmpty ? nil : $0 } ?? DAVPath.lastSegment(href).removingPercentEncoding() }
}

/// What discovery found, with the time of each step.
struct DAVDiscovered {
    var principal = ""
    var home = ""
    var collections: [DAVCollection] = []
    var phases: [PhaseTime<DAVPhase>] = []
    var notes: [String] = []
}

/// Discovery as clients do it: RFC 6764 well-known URL, then current-user-principal (RFC 5397),
/// the home set (RFC 4791/6352), and a Depth 1 listing of the home, told apart by resourcetype.
struct DAVDiscovery {
    let client: DAVClient
    let kind: DAVKind

    func run(url: String) throws(CheckError) -> DAVDiscovered {
        var found = DAVDiscovered()
        var context = url
        // Only a bare server URL has anything to learn from the well-known one: a given home or
        // principal path is used as it is.
        if HTTPURL.resolve("/", against: url) == url {
            let start = Deadline.now()
            let answer = try client.http.send(HTTPRequest(HTTPURL.resolve(kind.wellKnown, against: url), phase: "discovery"),
                                              followRedirects: false)
            found.phases.append(PhaseTime(.discovery, Deadline.now() - start))
            if (300...399).contains(answer.status), let location = answer.headers["Location"], !location.isEmpty {
                context = HTTPURL.resolve(location, against: answer.effectiveURL)
                found.notes.append("discovery: \(kind.wellKnown) -> \(context)")
            } else {
                found.notes.append("discovery: \(kind.wellKnown) answered HTTP \(answer.status); using \(url)")
            }
        }
        var start = Deadline.now()
        let principalSet = try client.multistatus("PROPFIND", context, depth: 0,
                                                  body: #"<D:propfind xmlns:D="DAV:"><D:prop><D:current-user-principal/></D:prop></D:propfind>"#,
                                                  phase: "principal")
        found.phases.append(PhaseTime(.principal, Deadline.now() - start))
        guard let principalHref = principalSet.resources.lazy.flatMap(\.currentUserPrincipal).first else {
            throw .critical("principal: \(context.prefix(100)) names no current-user-principal (not a CalDAV/CardDAV URL?)")
        }
        found.principal = HTTPURL.resolve(principalHref, against: principalSet.response.effectiveURL)

        start = Deadline.now()
        let homeSet = try client.multistatus("PROPFIND", found.principal, depth: 0,
                                             body: #"<D:propfind xmlns:D="DAV:"><D:prop>\#(kind.homeProperty)</D:prop></D:propfind>"#,
                                             phase: "home")
        found.phases.append(PhaseTime(.home, Deadline.now() - start))
        guard let homeHref = homeSet.resources.lazy.flatMap({ kind.homes($0) }).first else {
            throw .critical("home: the principal \(found.principal.prefix(100)) has no \(kind.noun) home set")
        }
        found.home = HTTPURL.resolve(homeHref, against: homeSet.response.effectiveURL)

        start = Deadline.now()
        let listing = try client.multistatus("PROPFIND", found.home, depth: 1, body: """
            <D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><D:prop><D:resourcetype/><D:displayname/>\
            <CS:getctag/><D:sync-token/></D:prop></D:propfind>
            """, phase: "list")
        found.phases.append(PhaseTime(.list, Deadline.now() - start))
        for r in listing.resources where kind.matches(r) && !r.failed {
            found.collections.append(DAVCollection(url: HTTPURL.resolve(r.href, against: listing.response.effectiveURL), href: r.href,
                                                   displayName: r.displayName, ctag: r.ctag, syncToken: r.syncToken))
        }
        return found
    }
}

extension String {
    /// `%40` -> `@`; a malformed escape is left as it is.
    func removingPercentEncoding() -> String {
        var out: [UInt8] = []
        var bytes = Array(utf8)[...]
        while let b = bytes.first {
            bytes = bytes.dropFirst()
            if b == UInt8(ascii: "%"), bytes.count >= 2,
               let v = UInt8(String(decoding: bytes.prefix(2), as: UTF8.self), radix: 16) {
                out.append(v); bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
