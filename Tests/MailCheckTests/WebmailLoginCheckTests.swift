import Foundation
import Testing

/// check_webmail_login against the private Roundcube (real software) and, for what Roundcube
/// does not do on request (silence, huge bodies, loops), the fake HTTP server.
@Suite struct WebmailLoginCheckTests {
    var bob: [String] { ["-U", MailStack["BOB_USER"], "--password-file", MailStack["BOB_PASS_FILE"]] }

    func run(_ arguments: [String]) throws -> PluginRun {
        let run = try Plugin.run("check_webmail_login", arguments)
        #expect(run.stderr.isEmpty, "nothing on stderr: \(run)")
        #expect((0...3).contains(run.code))
        #expect(run.status.count < 300, "first line bounded: \(run)")
        return run
    }

    @Test func okWithTwoFoldersAndEveryStepInPerfdata() throws {
        // bob's second folder, made here so the test needs nothing another test left behind.
        // Roundcube lists subscribed folders only; "already exists" is fine.
        let login = "\(MailStack["BOB_USER"]):\(try String(contentsOfFile: MailStack["BOB_PASS_FILE"], encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))"
        for command in ["CREATE Archive", "SUBSCRIBE Archive"] {
            _ = try Plugin.exec("/usr/bin/curl", ["-s", "-m", "5", "imap://127.0.0.1:\(MailStack["IMAP_PORT"])/", "-u", login, "-X", command])
        }
        let r = try run(["-u", Webmail["WEBMAIL_URL"], "--folder", "INBOX", "--folder", "Archive", "-w", "5", "-c", "9"] + bob)
        #expect(r.code == 0, "\(r)")
        #expect(r.status.hasPrefix("WEBMAIL_LOGIN OK - \(MailStack["BOB_USER"]) logged in to roundcube"), "\(r)")
        #expect(r.status.contains("2 folders, logged out"), "\(r)")
        for label in ["time=", "time_login_page=", "time_login=", "time_mailbox=", "time_folder_INBOX=", "time_folder_Archive=", "time_logout="] {
            #expect(r.stdout.contains(" \(label)"), "perfdata lacks \(label): \(r)")
        }
    }

    @Test func larrySkinToo() throws {
        let r = try run(["-u", Webmail["WEBMAIL_LARRY_URL"]] + bob)
        #expect(r.code == 0, "\(r)")
    }

    @Test func wrongPasswordIsCriticalAndTheNextRightLoginStillOK() throws {
        let wrong = NSTemporaryDirectory() + "webmail-wrong-\(UUID().uuidString)"
        try "not-the-password\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: wrong) }
        let r = try run(["-u", Webmail["WEBMAIL_URL"], "-U", MailStack["BOB_USER"], "--password-file", wrong])
        #expect(r.code == 2, "\(r)")
        #expect(r.status.hasPrefix("WEBMAIL_LOGIN CRITICAL - login failed for \(MailStack["BOB_USER"]): Login failed."), "\(r)")
        let again = try run(["-u", Webmail["WEBMAIL_URL"]] + bob)
        #expect(again.code == 0, "\(again)")
    }

    @Test func imapBackendDownIsCriticalInRoundcubesWords() throws {
        let r = try run(["-u", Webmail["WEBMAIL_IMAPDOWN_URL"]] + bob)
        #expect(r.code == 2, "\(r)")
        #expect(r.status.contains("Connection to storage server failed."), "\(r)")
    }

    @Test func closedPortPlainPageAndHTTPErrors() throws {
        let closed = try run(["-u", "http://127.0.0.1:1/"] + bob)
        #expect(closed.code == 2 && closed.status.contains("login page: cannot connect to 127.0.0.1:1: connection refused"), "\(closed)")
        let plain = try FakeHTTPServer { _ in .answer(200, [("Content-Type", "text/html")], Array("<html><body>Welcome to nginx!</body></html>".utf8)) }
        let page = try run(["-u", plain.url()] + bob)
        #expect(page.code == 2 && page.status.contains("is not a webmail login page"), "\(page)")
        let broken = try FakeHTTPServer { _ in .answer(502, [], Array("bad gateway".utf8)) }
        let gateway = try run(["-u", broken.url()] + bob)
        #expect(gateway.code == 2 && gateway.status.contains("login page: HTTP 502"), "\(gateway)")
    }

    @Test func httpsWithTheTestCAAndWithAnUntrustedCertificate() throws {
        let trusted = try run(["-u", Webmail["WEBMAIL_HTTPS_URL"], "--cacert", Webmail["WEBMAIL_CA_CERT"], "--cert-warning", "30"] + bob)
        #expect(trusted.code == 0 && trusted.stdout.contains(" cert_days="), "\(trusted)")
        let untrusted = try run(["-u", Webmail["WEBMAIL_HTTPS_URL"]] + bob)
        #expect(untrusted.code == 2 && untrusted.status.contains("login page: TLS with localhost:\(Webmail["WEBMAIL_HTTPS_PORT"]) failed"), "\(untrusted)")
    }

    /// The slim libcurl (the installed default) has HTTP/2 compiled in but nghttp2 stubbed out:
    /// offered h2 by ALPN, it would fail. lighttpd offers h2 on the HTTPS port, so this proves
    /// the HTTP transport pins HTTP/1.1 where it matters: through the library users get.
    @Test func httpsThroughTheSlimLibcurlAgainstAnH2Server() throws {
        let built = try Plugin.exec("/bin/bash", [Plugin.root + "/scripts/build-slim-libcurl.sh", Plugin.root + "/.build-slim-curl"], limit: 120)
        // The library TLS checks load by default (libcurl and OpenSSL in one).
        let library = try #require(built.stdout.split(separator: "\n").last { $0.hasSuffix("/libmailcheck-curl-bundled.so") }, "\(built)")
        let r = try Plugin.run("check_webmail_login", ["-u", Webmail["WEBMAIL_HTTPS_URL"], "--cacert", Webmail["WEBMAIL_CA_CERT"]] + bob,
                               environment: ["MAILCHECK_LIBCURL": String(library)])
        expectWellFormed(r)
        // MAILCHECK_LIBCURL makes the loader use exactly that file or fail (UNKNOWN), never another.
        #expect(r.code == 0, "\(r)")
    }

    @Test func silenceHugeBodiesAndRedirectLoopsAreBounded() throws {
        let silent = try FakeHTTPServer { _ in .silent }
        let quiet = try run(["-u", silent.url(), "-t", "2"] + bob)
        #expect(quiet.code == 2 && quiet.status.contains("login page: no answer from") && quiet.seconds < 2 + Plugin.lateness, "\(quiet)")
        let huge = try FakeHTTPServer { _ in .stream(50 << 20) }
        let big = try run(["-u", huge.url(), "-t", "10"] + bob)
        #expect(big.code == 2 && big.status.contains("response body larger than"), "\(big)")
        let loop = try FakeHTTPServer { request in .answer(302, [("Location", request.path.hasPrefix("/a") ? "/b" : "/a")], []) }
        let looped = try run(["-u", loop.url("/a"), "-t", "5"] + bob)
        #expect(looped.code == 2 && looped.status.contains("redirect loop"), "\(looped)")
    }

    @Test func genericFormModeAgainstRoundcube() throws {
        let r = try run(["--webmail", "form", "-u", Webmail["WEBMAIL_URL"], "--form-user-field", "_user", "--form-password-field", "_pass",
                         "--success-text", "mailboxlist", "--failure-text", "Login failed."] + bob)
        #expect(r.code == 0 && r.status.hasPrefix("WEBMAIL_LOGIN OK - \(MailStack["BOB_USER"]) logged in to form"), "\(r)")
    }
}
