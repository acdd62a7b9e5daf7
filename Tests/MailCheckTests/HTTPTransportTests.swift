import CheckKit
import Foundation
@testable import MailChecks
import MailTransport
import Testing

/// The HTTP side of the transport against a fake server: methods, cookies, redirects, caps,
/// connection reuse, and failures that name the phase.
@Suite struct HTTPTransportTests {
    func session(_ seconds: Double = 3, bodyLimit: Int = 1 << 20) throws -> HTTPSession {
        try HTTPSession(deadline: Deadline(seconds: seconds, expiryStatus: .critical), wording: TransportWords(), bodyLimit: bodyLimit)
    }

    /// The error `body` throws, or nil (a do/catch on typed throws crashes this compiler).
    func failure(_ body: () throws -> Void) -> CheckError? {
        do { try body(); return nil } catch { return error as? CheckError }
    }

    @Test func getKeepsCookiesReusesTheConnectionAndReadsHeadersInAnyCase() throws {
        let server = try FakeHTTPServer { request in
            if request.path == "/set" { return .answer(200, [("Set-Cookie", "sid=abc; path=/; HttpOnly"), ("X-Thing", "one")], Array("hello".utf8)) }
            return .answer(200, [], Array((request.headers["cookie"] ?? "none").utf8))
        }
        let http = try session()
        let first = try http.send(HTTPRequest(server.url("/set"), phase: "first"))
        #expect(first.status == 200)
        #expect(first.headers["x-thing"] == "one" && first.headers["X-THING"] == "one")
        #expect(first.text == "hello")
        let second = try http.send(HTTPRequest(server.url("/echo"), phase: "second"))
        #expect(second.text == "sid=abc")
        #expect(server.connections == 1, "one kept-alive connection for both requests")
        #expect(second.timing.total > 0 && second.timing.startOffset >= first.timing.startOffset)
    }

    /// A server that closes a kept-alive connection under the next request (sogod after every
    /// answer; any server at its keep-alive timeout) costs one retry on a new connection, as in
    /// a browser: libcurl does it (7.88, Debian's and the slim build's code), this pins it; the same reset on a
    /// new connection is the server's fault and is reported.
    @Test func aResetOnAReusedConnectionIsSentAgainOnceOnANewOne() throws {
        let resets = Counter()
        let server = try FakeHTTPServer { request in
            if request.path == "/second", resets.next() == 0 { return .reset }
            if request.path == "/always" { return .reset }
            return .answer(200, [], Array(request.path.utf8))
        }
        let http = try session()
        #expect(try http.send(HTTPRequest(server.url("/first"), phase: "first")).text == "/first")
        #expect(try http.send(HTTPRequest(server.url("/second"), phase: "second")).text == "/second")
        #expect(server.connections == 2 && server.requests.map(\.path) == ["/first", "/second", "/second"])
        let fresh = try session()
        let failed = failure { _ = try fresh.send(HTTPRequest(server.url("/always"), phase: "mailbox")) }
        #expect(failed?.status == .critical && failed?.message.hasPrefix("mailbox:") == true, "\(String(describing: failed))")
        #expect(server.requests.filter { $0.path == "/always" }.count == 1, "no retry on a connection made for the request")
    }

    @Test func methodsBodiesAndBasicAuthGoOut() throws {
        let server = try FakeHTTPServer { request in
            .answer(207, [], Array([request.method, String(decoding: request.body, as: UTF8.self), request.headers["authorization"] ?? "-", request.headers["depth"] ?? "-"].joined(separator: " ").utf8))
        }
        let http = try session()
        http.useBasicAuth(user: "alice", password: "pw", for: server.url())
        let propfind = try http.send(HTTPRequest(server.url("/dav/"), method: "PROPFIND", headers: [("Depth", "0")], body: Array("<x/>".utf8), phase: "propfind"))
        #expect(propfind.text == "PROPFIND <x/> Basic YWxpY2U6cHc= 0")
        let form = try http.send(.form(server.url("/login"), fields: [("_user", "a b"), ("_pass", "p&q=")], phase: "login"))
        #expect(form.text.hasPrefix("POST _user=a+b&_pass=p%26q%3D Basic"))
        let get = try http.send(HTTPRequest(server.url("/after"), phase: "get"))
        #expect(get.text.hasPrefix("GET  Basic"), "a GET after a POST sends no body: \(get.text)")
        let delete = try http.send(HTTPRequest(server.url("/x"), method: "DELETE", phase: "delete"))
        #expect(delete.text.hasPrefix("DELETE "))
    }

    @Test func redirectsAreFollowedAndAPostBecomesAGet() throws {
        let server = try FakeHTTPServer { request in
            switch request.path {
            case "/login": return .answer(302, [("Location", "/mail?x=1")], [])
            default: return .answer(200, [], Array("\(request.method) \(request.path)".utf8))
            }
        }
        let http = try session()
        let response = try http.send(.form(server.url("/login"), fields: [("a", "b")], phase: "login"))
        #expect(response.text == "GET /mail?x=1")
        #expect(response.redirects.map(\.status) == [302])
        #expect(response.effectiveURL == server.url("/mail?x=1"))
        let unfollowed = try http.send(.form(server.url("/login"), fields: [("a", "b")], phase: "login"), followRedirects: false)
        #expect(unfollowed.status == 302 && unfollowed.headers["location"] == "/mail?x=1")
    }

    @Test func aRedirectLoopAndTooManyRedirectsFailNamingThePhase() throws {
        let server = try FakeHTTPServer { request in
            if request.path.hasPrefix("/n") { return .answer(302, [("Location", request.path + "n")], []) }
            return .answer(302, [("Location", request.path == "/a" ? "/b" : "/a")], [])
        }
        let http = try session()
        let loop = failure { _ = try http.send(HTTPRequest(server.url("/a"), phase: "mailbox")) }
        #expect(loop?.status == .critical && loop?.message.hasPrefix("mailbox: redirect loop") == true, "\(String(describing: loop))")
        let many = failure { _ = try http.send(HTTPRequest(server.url("/n"), phase: "login page")) }
        #expect(many?.message.hasPrefix("login page: more than 10 redirects") == true, "\(String(describing: many))")
    }

    @Test(arguments: [true, false]) func aHugeBodyFailsCleanly(declared: Bool) throws {
        let big = 50 << 20
        let server = try FakeHTTPServer { _ in
            declared ? .answer(200, [], [UInt8](repeating: 65, count: 3 << 20)) : .stream(big)
        }
        let http = try session(5, bodyLimit: 1 << 20)
        let started = Date()
        let error = failure { _ = try http.send(HTTPRequest(server.url(), phase: "mailbox")) }
        #expect(error?.status == .critical)
        #expect(error?.message.hasPrefix("mailbox: response body larger than") == true, "\(String(describing: error))")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func silenceTimesOutNamingThePhaseWithinTheBudget() throws {
        let server = try FakeHTTPServer { _ in .silent }
        let http = try session(1)
        let started = Date()
        let error = failure { _ = try http.send(HTTPRequest(server.url(), phase: "login page")) }
        #expect(error?.status == .critical)
        #expect(error?.message.hasPrefix("login page: no answer from 127.0.0.1:\(server.port) within 1 s") == true, "\(String(describing: error))")
        #expect(Date().timeIntervalSince(started) < 1.5)
    }

    @Test func aClosedPortIsConnectionRefused() throws {
        let port = try { let s = try FakeHTTPServer { _ in .silent }; return s.port }()
        let http = try session()
        let error = failure { _ = try http.send(HTTPRequest("http://127.0.0.1:\(port)/", phase: "login page")) }
        #expect(error?.message == "login page: cannot connect to 127.0.0.1:\(port): connection refused", "\(String(describing: error))")
    }

    @Test func statusesAreTheCallersToJudge() throws {
        let server = try FakeHTTPServer { _ in .answer(503, [], Array("down".utf8)) }
        let http = try session()
        let response = try http.send(HTTPRequest(server.url(), phase: "mailbox"))
        #expect(response.status == 503)
        #expect(throws: CheckError.critical("mailbox: HTTP 503 Fake from \(server.url())")) { try response.require() }
    }

    @Test func urlPartsAndOrigins() {
        #expect(HTTPURL.endpoint("https://Mail.Example.net/x") == "mail.example.net:443")
        #expect(HTTPURL.endpoint("http://u:p@[::1]:8080/?a") == "[::1]:8080")
        #expect(HTTPURL.origin("http://127.0.0.1/") == HTTPURL.origin("http://127.0.0.1:80/a"))
    }
}

/// A count shared with a fake server's connection threads: `next()` returns the count before it.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.lock(); defer { value += 1; lock.unlock() }; return value }
}
