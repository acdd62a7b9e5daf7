import Foundation
import Testing

/// What no real DAV server does on request: a plain web server's HTML, hostile or malformed XML,
/// a redirect loop, an endless multistatus, a per-item error inside a 207. Each answers on a
/// FakeHTTPServer on loopback.
@Suite struct DAVFakeServerTests {
    static let passwordFile: String = {
        let file = NSTemporaryDirectory() + "dav-fake-pass-\(getpid())"
        try? "secret\n".write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }()

    static func run(_ server: FakeHTTPServer, _ check: String = "check_caldav", _ extra: [String] = []) throws -> PluginRun {
        try Plugin.run(check, ["-u", server.url("/"), "-U", "alice", "--password-file", passwordFile, "-t", "10"] + extra)
    }

    /// A multistatus answer with the DAV header.
    static func dav(_ body: String) -> FakeHTTPServer.Reply {
        .answer(207, [("Content-Type", "application/xml; charset=utf-8"), ("DAV", "1, 2, calendar-access")], Array(body.utf8))
    }

    static let principal = #"<multistatus xmlns="DAV:"><response><href>/</href><propstat><prop><current-user-principal><href>/alice/</href></current-user-principal></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"#
    static let home = #"<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><response><href>/alice/</href><propstat><prop><C:calendar-home-set><href>/alice/</href></C:calendar-home-set></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"#

    @Test func plainWebServerIsNotDAV() throws {
        let server = try FakeHTTPServer { _ in .answer(200, [("Content-Type", "text/html")], Array("<html><body>It works!</body></html>".utf8)) }
        let run = try Self.run(server)
        #expect(run.code == 2, "\(run)")
        #expect(run.status.contains("principal: not a DAV server"))
    }

    @Test func redirectLoopIsCritical() throws {
        let server = try FakeHTTPServer { r in .answer(301, [("Location", r.path == "/a" ? "/b" : "/a")], []) }
        let run = try Self.run(server, "check_carddav")
        #expect(run.code == 2, "\(run)")
        #expect(run.status.contains("redirect loop"))
    }

    /// A body per step: well-known 404, then principal, home, and `listing` for the home.
    static func server(listing: String) throws -> FakeHTTPServer {
        try FakeHTTPServer { r in
            if r.path.hasPrefix("/.well-known") { return .answer(404, [], []) }
            if r.path == "/" { return Self.dav(Self.principal) }
            if r.headers["depth"] == "0" { return dav(home) }
            return dav(listing)
        }
    }

    @Test func billionLaughsFailsFastAndNamesTheStep() throws {
        var decls = #"<!ENTITY l0 "lol">"#
        for i in 1...9 { decls += "<!ENTITY l\(i) \"" + String(repeating: "&l\(i - 1);", count: 10) + "\">" }
        let run = try Self.run(try Self.server(listing: "<?xml version=\"1.0\"?><!DOCTYPE m [\(decls)]><multistatus xmlns=\"DAV:\"><response><href>&l9;</href></response></multistatus>"))
        #expect(run.code == 2, "\(run)")
        #expect(run.status.contains("list: XML that does not parse"))
        #expect(run.seconds < 5)
    }

    @Test func externalEntityContentNeverAppears() throws {
        let secret = NSTemporaryDirectory() + "dav-xxe-secret-\(getpid())"
        try "XXE-SECRET-CONTENT-4711".write(toFile: secret, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: secret) }
        let body = "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file://\(secret)\">]><multistatus xmlns=\"DAV:\"><response><href>/alice/c/</href><propstat><prop><displayname>&x;</displayname><resourcetype><collection/><C:calendar xmlns:C=\"urn:ietf:params:xml:ns:caldav\"/></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"
        let run = try Self.run(try Self.server(listing: body), "check_caldav", ["-vvv"])
        #expect(run.code == 2, "\(run)")
        #expect(!run.stdout.contains("XXE-SECRET-CONTENT"))
    }

    @Test func deepNestingIsRefused() throws {
        let body = "<multistatus xmlns=\"DAV:\">" + String(repeating: "<a>", count: 50_000) + String(repeating: "</a>", count: 50_000) + "</multistatus>"
        let run = try Self.run(try Self.server(listing: body))
        #expect(run.code == 2, "\(run)")
        #expect(run.status.contains("XML"))
    }

    @Test func malformedXMLIsCritical() throws {
        let run = try Self.run(try Self.server(listing: "<multistatus xmlns=\"DAV:\"><response><href>/x</href></respons>"))
        #expect(run.code == 2, "\(run)")
        #expect(run.status.contains("list: XML that does not parse"))
    }

    @Test func hugeMultistatusIsCutAtTheBound() throws {
        let one = #"<response><href>/alice/c/x.ics</href><propstat><prop><getetag>"1"</getetag></prop><status>HTTP/1.1 200 OK</status></propstat></response>"#
        let body = "<multistatus xmlns=\"DAV:\">" + String(repeating: one, count: 200_000) + "</multistatus>"   // about 24 MB
        let run = try Self.run(try Self.server(listing: body))
        #expect(run.code == 2, "\(run)")
        #expect(run.status.contains("larger than"))
    }

    @Test func perItemErrorInsideA207NamesTheItem() throws {
        let listing = #"<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><response><href>/alice/cal/</href><propstat><prop><resourcetype><collection/><C:calendar/></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"#
        let query = #"<multistatus xmlns="DAV:"><response><href>/alice/cal/broken.ics</href><status>HTTP/1.1 500 Internal Server Error</status></response></multistatus>"#
        let server = try FakeHTTPServer { r in
            if r.path.hasPrefix("/.well-known") { return .answer(404, [], []) }
            if r.path == "/" { return Self.dav(Self.principal) }
            if r.method == "REPORT" { return Self.dav(query) }
            return r.headers["depth"] == "0" ? Self.dav(Self.home) : Self.dav(listing)
        }
        let run = try Self.run(server)
        #expect(run.code == 2, "\(run)")
        #expect(run.status.contains("query cal: the server reported HTTP 500 for /alice/cal/broken.ics"))
    }
}
