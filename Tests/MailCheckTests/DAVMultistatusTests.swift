import Foundation
import Testing
@testable import MailChecks

/// The multistatus parser and the libxml2 reader under it: real answers of Radicale and Xandikos
/// (default vs prefixed namespaces, status before or after prop) and hostile bodies.
@Suite struct DAVMultistatusTests {
    static func parse(_ text: String) throws(DAVMultistatusError) -> [DAVResource] {
        try DAVMultistatus.parse(Array(text.utf8))
    }

    /// Radicale: DAV: as the default namespace, CalDAV/CardDAV prefixed, status after prop.
    @Test func radicaleDefaultNamespace() throws {
        let body = """
        <?xml version='1.0' encoding='utf-8'?>
        <multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CR="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/">
        <response><href>/alice/</href>
          <propstat><prop><resourcetype><principal/><collection/></resourcetype>
            <C:calendar-home-set><href>/alice/</href></C:calendar-home-set>
            <CR:addressbook-home-set><href>/alice/</href></CR:addressbook-home-set></prop>
            <status>HTTP/1.1 200 OK</status></propstat>
          <propstat><prop><displayname/><CS:getctag/></prop><status>HTTP/1.1 404 Not Found</status></propstat>
        </response>
        <response><href>/alice/calendar/</href><propstat><prop>
          <resourcetype><C:calendar/><collection/></resourcetype><displayname>Work &amp; home</displayname>
          <CS:getctag>"abc"</CS:getctag><sync-token>http://radicale.org/ns/sync/1</sync-token>
          <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
          </prop><status>HTTP/1.1 200 OK</status></propstat></response>
        <response><href>/alice/contacts/</href><propstat><prop>
          <resourcetype><CR:addressbook/><collection/></resourcetype>
          <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
          </prop><status>HTTP/1.1 200 OK</status></propstat></response>
        </multistatus>
        """
        let resources = try Self.parse(body)
        #expect(resources.map(\.href) == ["/alice/", "/alice/calendar/", "/alice/contacts/"])
        #expect(resources[0].calendarHomeSet == ["/alice/"])
        #expect(resources[0].addressbookHomeSet == ["/alice/"])
        #expect(resources[0].resourceType.contains(DAVName.principal))
        #expect(resources[0].failedProperties[XMLName(DAVName.calendarServer, "getctag")] == 404)
        #expect(resources[0].displayName == nil)
        #expect(resources[1].isCalendar && !resources[1].isAddressBook)
        #expect(resources[1].displayName == "Work & home")
        #expect(resources[1].ctag == "\"abc\"")
        #expect(resources[1].syncToken == "http://radicale.org/ns/sync/1")
        // D5: the component set on an address book must not make it a calendar.
        #expect(resources[2].isAddressBook && !resources[2].isCalendar)
    }

    /// Xandikos: every element prefixed (ns0 = DAV:), status before prop.
    @Test func xandikosPrefixedNamespaceStatusFirst() throws {
        let body = """
        <ns0:multistatus xmlns:ns0="DAV:" xmlns:ns1="http://calendarserver.org/ns/" xmlns:ns3="urn:ietf:params:xml:ns:caldav">\
        <ns0:response><ns0:href>/alice/calendars/calendar/</ns0:href><ns0:propstat><ns0:status>HTTP/1.1 200 OK</ns0:status>\
        <ns0:prop><ns0:resourcetype><ns0:collection /><ns3:calendar /></ns0:resourcetype><ns0:getetag>"e1"</ns0:getetag>\
        <ns1:getctag>4b82</ns1:getctag><ns0:current-user-principal><ns0:href>/alice/</ns0:href></ns0:current-user-principal>\
        </ns0:prop></ns0:propstat></ns0:response></ns0:multistatus>
        """
        let resources = try Self.parse(body)
        #expect(resources.count == 1)
        #expect(resources[0].isCalendar)
        #expect(resources[0].etag == "\"e1\"")
        #expect(resources[0].ctag == "4b82")
        #expect(resources[0].currentUserPrincipal == ["/alice/"])
    }

    /// A prefix bound to another namespace is not DAV:, and a D: prefix not bound to DAV: is not either.
    @Test func prefixesAreNotNamespaces() throws {
        let fake = #"<D:multistatus xmlns:D="urn:not-dav"><D:response><D:href>/x</D:href></D:response></D:multistatus>"#
        #expect(throws: DAVMultistatusError.notMultistatus(root: "{urn:not-dav}multistatus")) { try Self.parse(fake) }
        let body = #"<x:multistatus xmlns:x="DAV:" xmlns:D="urn:other"><x:response><x:href>/a</x:href><D:href>/b</D:href></x:response></x:multistatus>"#
        #expect(try Self.parse(body).map(\.href) == ["/a"])
    }

    /// A whole-href status (a 403 or 404 inside a 207) is kept for the check to name.
    @Test func responseLevelStatus() throws {
        let body = #"<multistatus xmlns="DAV:"><response><href>/bob/calendar/</href><status>HTTP/1.1 403 Forbidden</status></response></multistatus>"#
        let resources = try Self.parse(body)
        #expect(resources[0].status == 403)
        #expect(resources[0].failed)
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK", 200), ("HTTP/1.0 404 Not Found", 404), (" HTTP/2 507 Insufficient", 507),
        ("200 OK", nil), ("HTTP/1.1 2000 OK", nil), ("HTTP/1.1 abc", nil), ("", nil), ("HTTP/1.1 099 x", nil),
    ] as [(String, Int?)])
    func statusLines(line: String, code: Int?) {
        #expect(DAVMultistatus.statusCode(line.trimmingWhitespace()) == code)
    }

    @Test func malformedAndForeignBodies() throws {
        #expect(throws: DAVMultistatusError.self) { try Self.parse("") }
        #expect(throws: DAVMultistatusError.self) { try Self.parse("<multistatus xmlns=\"DAV:\"><response>") }
        #expect(throws: DAVMultistatusError.notMultistatus(root: "html")) { try Self.parse("<html><body>It works!</body></html>") }
        #expect(throws: DAVMultistatusError.responseWithoutHref) {
            try Self.parse(#"<multistatus xmlns="DAV:"><response><status>HTTP/1.1 200 OK</status></response></multistatus>"#)
        }
        #expect(throws: DAVMultistatusError.badStatusLine("OK")) {
            try Self.parse(#"<multistatus xmlns="DAV:"><response><href>/</href><status>OK</status></response></multistatus>"#)
        }
    }

    /// Billion laughs: refused fast, without expanding anything.
    @Test func billionLaughsFailsFast() throws {
        var decls = #"<!ENTITY l0 "lol">"#
        for i in 1...9 { decls += "<!ENTITY l\(i) \"" + String(repeating: "&l\(i - 1);", count: 10) + "\">" }
        let body = "<?xml version=\"1.0\"?><!DOCTYPE m [\(decls)]><multistatus xmlns=\"DAV:\"><response><href>&l9;</href></response></multistatus>"
        let start = ContinuousClock.now
        #expect(throws: DAVMultistatusError.self) { try Self.parse(body) }
        #expect(ContinuousClock.now - start < .seconds(1))
    }

    /// An external entity naming a local file: refused, and the file's content appears nowhere.
    @Test func externalEntityNeverRead() throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("dav-xxe-\(getpid()).txt")
        try "TOP-SECRET-XXE-CONTENT".write(to: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: secret) }
        let body = "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file://\(secret.path)\">]><multistatus xmlns=\"DAV:\"><response><href>&x;</href></response></multistatus>"
        do {
            let resources = try Self.parse(body)
            Issue.record("parsed: \(resources)")
        } catch {
            #expect(!"\(error)".contains("TOP-SECRET"))
        }
        // Without a DOCTYPE an entity reference is undefined, never looked up.
        #expect(throws: DAVMultistatusError.self) {
            try Self.parse(#"<multistatus xmlns="DAV:"><response><href>&x;</href></response></multistatus>"#)
        }
    }

    @Test func deepNestingRefused() throws {
        let body = "<multistatus xmlns=\"DAV:\">" + String(repeating: "<a>", count: 100_000) + String(repeating: "</a>", count: 100_000) + "</multistatus>"
        #expect(throws: DAVMultistatusError.self) { try Self.parse(body) }
    }

    @Test func sizeBound() throws {
        let one = #"<response><href>/a/x.ics</href><propstat><prop><getetag>"1"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response>"#
        let body = Array(("<multistatus xmlns=\"DAV:\">" + String(repeating: one, count: 1000) + "</multistatus>").utf8)
        #expect(try DAVMultistatus.parse(body).count == 1000)
        #expect(throws: DAVMultistatusError.self) { try DAVMultistatus.parse(body, maxBytes: body.count - 1) }
    }

    /// Long text in a property is cut, never grown without bound.
    @Test func longTextIsBounded() throws {
        let long = String(repeating: "x", count: 1 << 20)
        let body = "<multistatus xmlns=\"DAV:\"><response><href>/a</href><propstat><prop><displayname>\(long)</displayname></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"
        let name = try Self.parse(body)[0].displayName ?? ""
        #expect(name.utf8.count == DAVMultistatus.maxText)
    }
}
