import Foundation
import Testing

/// OAuth2 logins end to end: the built binaries against the real Dovecot of the test stack
/// (oauth2 passdb, introspection against scripts/stacks/oauth-token-server.py) and Postfix AUTH through
/// Dovecot SASL. Each test makes its own client at the token server, so its counters are its own.
@Suite struct OAuth2LoginTests {
    let host = MailStack.host
    let user = MailStack["ALICE_USER"]

    /// A client of the test token server, its secret and refresh token in files of their own.
    struct Client {
        let id: String
        let refreshFile: String
        let secretFile: String
        let stateDir: String

        /// POSTs JSON to the token server's admin endpoints (never to the check's).
        static func post(_ path: String, _ body: [String: Any]) -> [String: Any] {
            let data = (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
            let out = curl(["-s", "-X", "POST", "-H", "Content-Type: application/json", "--data-binary", String(decoding: data, as: UTF8.self),
                            MailStack["OAUTH_URL"] + path])
            return (try? JSONSerialization.jsonObject(with: Data(out.utf8))) as? [String: Any] ?? [:]
        }

        static func curl(_ arguments: [String]) -> String {
            // posix_spawn + waitpid (Plugin.exec): Foundation's Process can hang in waitUntilExit.
            (try? Plugin.exec("/usr/bin/curl", ["--max-time", "5"] + arguments, limit: 30))?.stdout ?? ""
        }

        init(user: String, expiresIn: Int = 3600, rotate: Bool = false) throws {
            let made = Client.post("/clients", ["user": user, "expires_in": expiresIn, "rotate": rotate])
            id = made["client_id"] as? String ?? ""
            let dir = NSTemporaryDirectory() + "mailcheck-oauth2-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            refreshFile = dir + "/refresh"
            secretFile = dir + "/secret"
            stateDir = dir + "/state"
            try ((made["refresh_token"] as? String ?? "") + "\n").write(toFile: refreshFile, atomically: true, encoding: .utf8)
            try ((made["client_secret"] as? String ?? "") + "\n").write(toFile: secretFile, atomically: true, encoding: .utf8)
        }

        var refreshToken: String { ((try? String(contentsOfFile: refreshFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        var secret: String { ((try? String(contentsOfFile: secretFile, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }

        /// How often the check asked the token endpoint.
        var tokenRequests: Int {
            let out = Client.curl(["-s", MailStack["OAUTH_URL"] + "/stats?client_id=" + id])
            let stats = (try? JSONSerialization.jsonObject(with: Data(out.utf8))) as? [String: Any]
            return stats?["token_requests"] as? Int ?? -1
        }

        func options(refresh: Bool = true) -> [String] {
            ["--oauth2-token-url", MailStack["OAUTH_TOKEN_URL"], "--oauth2-client-id", id, "--oauth2-client-secret-file", secretFile,
             "--state-dir", stateDir] + (refresh ? ["--oauth2-refresh-token-file", refreshFile] : ["--oauth2-scope", "mail"])
        }
    }

    func imap(_ mechanism: String, _ extra: [String]) throws -> PluginRun {
        try Plugin.run("check_imap_login", ["-H", host, "-p", MailStack["IMAP_PORT"], "-U", user, "--auth-mechanism", mechanism] + extra)
    }

    @Test func oneTokenRequestServesIMAPPOP3AndSMTPAndNoSecretIsShown() throws {
        let client = try Client(user: user)
        var runs: [PluginRun] = []
        for mechanism in ["OAUTHBEARER", "XOAUTH2"] {
            runs.append(try imap(mechanism, client.options() + ["-vvv"]))
            runs.append(try Plugin.run("check_pop3_login", ["-H", host, "-p", MailStack["POP3_PORT"], "-U", user, "--auth-mechanism", mechanism, "-vvv"] + client.options()))
            runs.append(try Plugin.run("check_smtp_session", ["-H", host, "-p", MailStack["SUBMISSION_PORT"], "--starttls", "--cacert", MailStack.caCert,
                                                              "--sni", MailStack["TLS_SERVER_NAME"], "-U", user, "--auth-mechanism", mechanism, "-vvv"] + client.options()))
        }
        for run in runs {
            expectWellFormed(run)
            #expect(run.code == 0, "\(run)")
            #expect(!run.stdout.contains(client.refreshToken) && !run.stdout.contains(client.secret) && run.stdout.range(of: "a-[0-9a-f]{40}", options: .regularExpression) == nil, "\(run)")
        }
        #expect(runs[0].stdout.contains("AUTHENTICATE OAUTHBEARER"))
        #expect(runs[3].stdout.contains("AUTHENTICATE XOAUTH2 ***"))
        #expect(client.tokenRequests == 1)
        let state = try FileManager.default.contentsOfDirectory(atPath: client.stateDir).filter { $0.hasSuffix(".state") }
        #expect(state.count == 1)
        let mode = try FileManager.default.attributesOfItem(atPath: client.stateDir + "/" + (state.first ?? ""))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func clientCredentialsGrantWithScope() throws {
        let client = try Client(user: user)
        let run = try imap("OAUTHBEARER", client.options(refresh: false))
        #expect(run.code == 0, "\(run)")
        #expect(client.tokenRequests == 1)
    }

    @Test func aCachedTokenTheServerRejectsIsRefetchedOnce() throws {
        let client = try Client(user: user, rotate: true)
        #expect(try imap("OAUTHBEARER", client.options()).code == 0)
        _ = Client.post("/expire", ["client_id": client.id])
        let run = try imap("OAUTHBEARER", client.options() + ["-v"])
        #expect(run.code == 0, "\(run)")
        #expect(run.stdout.contains("rejected the cached token"), "\(run)")
        #expect(client.tokenRequests == 2)
        // The rotated refresh token was stored: the file's token is spent, yet a third fetch works.
        _ = Client.post("/expire", ["client_id": client.id])
        #expect(try imap("OAUTHBEARER", client.options()).code == 0)
        #expect(client.tokenRequests == 3)
    }

    /// Dovecot answers a rejected XOAUTH2 token with a `+` continuation and waits for one more
    /// client line; the check ends there at once (not at -t) with the server's status.
    @Test(arguments: [[String](), ["--tls", "-p", MailStack["IMAPS_PORT"], "--cacert", MailStack.caCert, "--sni", MailStack["TLS_SERVER_NAME"]]])
    func aRejectedXOAUTH2TokenEndsAtOnce(tls: [String]) throws {
        let file = NSTemporaryDirectory() + "mailcheck-oauth2-\(UUID().uuidString).token"
        try "a-not-issued\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try imap("XOAUTH2", ["--oauth2-token-file", file, "-t", "20", "-v"] + tls)
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status.contains("login failed for \(user): token rejected (status 401)"), "\(run)")
        #expect(run.stdout.contains("XOAUTH2 error from the server: {"), "\(run)")
        #expect(!run.stdout.contains("a-not-issued"))
        // An upper bound far below -t: waiting for the timeout took 20 s.
        #expect(run.seconds < 10, "\(run)")
    }

    @Test func aCachedXOAUTH2TokenTheServerRejectsIsRefetchedOnce() throws {
        let client = try Client(user: user)
        #expect(try imap("XOAUTH2", client.options()).code == 0)
        _ = Client.post("/expire", ["client_id": client.id])
        let run = try imap("XOAUTH2", client.options() + ["-v", "-t", "20"])
        #expect(run.code == 0, "\(run)")
        #expect(run.stdout.contains("rejected the cached token"), "\(run)")
        #expect(client.tokenRequests == 2)
    }

    @Test func revokedRefreshTokenNeedsAHuman() throws {
        let client = try Client(user: user)
        _ = Client.post("/revoke", ["refresh_token": client.refreshToken])
        let run = try imap("OAUTHBEARER", client.options())
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status.contains("invalid_grant") && run.status.contains("a human must authorize again"), "\(run)")
    }

    @Test func unreachableTokenEndpointIsNamed() throws {
        let client = try Client(user: user)
        let options = client.options().map { $0 == MailStack["OAUTH_TOKEN_URL"] ? "http://127.0.0.1:1/token" : $0 }
        let run = try imap("OAUTHBEARER", options)
        #expect(run.code == 2, "\(run)")
        #expect(run.status.contains("OAuth2 token endpoint unreachable"), "\(run)")
    }

    @Test(arguments: ["check_imap_login", "check_pop3_login", "check_smtp_session"])
    func aTokenTheServerRejectsIsCriticalWithItsText(check: String) throws {
        let file = NSTemporaryDirectory() + "mailcheck-oauth2-\(UUID().uuidString).token"
        try "a-not-issued\n".write(toFile: file, atomically: true, encoding: .utf8)
        let port = ["check_imap_login": "IMAP_PORT", "check_pop3_login": "POP3_PORT", "check_smtp_session": "SUBMISSION_PORT"][check] ?? ""
        let tls = check == "check_smtp_session" ? ["--starttls", "--cacert", MailStack.caCert, "--sni", MailStack["TLS_SERVER_NAME"]] : []
        let run = try Plugin.run(check, ["-H", host, "-p", MailStack[port], "-U", user, "--auth-mechanism", "OAUTHBEARER", "--oauth2-token-file", file] + tls)
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status.contains("failed for \(user)"), "\(run)")
        #expect(!run.stdout.contains("a-not-issued"))
    }

    @Test(arguments: [
        ["--auth-mechanism", "OAUTHBEARER"],
        ["--oauth2-token-file", "/nonexistent"],
        ["--auth-mechanism", "XOAUTH2", "--oauth2-token-url", "http://127.0.0.1:1/token"],
        ["--auth-mechanism", "XOAUTH2", "--oauth2-token-file", "/x", "--password-file", "/x"],
        ["--auth-mechanism", "XOAUTH2", "--oauth2-token-file", "/x", "--oauth2-client-id", "c"],
    ])
    func incompleteOAuth2OptionsAreUsageErrors(extra: [String]) throws {
        let run = try Plugin.run("check_imap_login", ["-H", host, "-U", user] + extra)
        expectWellFormed(run)
        #expect(run.code == 3, "\(run)")
    }
}

/// check_delivery_latency with OAuth2 on both sides: the SMTP side's --smtp-oauth2-* and the
/// receiving side's --oauth2-*, over IMAP and over POP3.
@Suite struct OAuth2DeliveryTests {
    @Test(arguments: [["--imap-port", MailStack["IMAP_PORT"], "--imap-auth-mechanism", "XOAUTH2"],
                      ["--pop3", "--pop3-port", MailStack["POP3_PORT"], "--pop3-auth-mechanism", "OAUTHBEARER"]])
    func probeRoundTripWithTokensOnBothSides(receiver: [String]) throws {
        let user = MailStack["DAVE_USER"]
        let client = try OAuth2LoginTests.Client(user: user)
        let smtpSide = ["--smtp-oauth2-token-url", MailStack["OAUTH_TOKEN_URL"], "--smtp-oauth2-client-id", client.id,
                        "--smtp-oauth2-client-secret-file", client.secretFile, "--smtp-oauth2-refresh-token-file", client.refreshFile]
        let run = try Plugin.run("check_delivery_latency", [
            "-H", MailStack.host, "--smtp-port", MailStack["SUBMISSION_PORT"], "--smtp-starttls", "--cacert", MailStack.caCert,
            "--smtp-sni", MailStack["TLS_SERVER_NAME"], "--smtp-user", user, "--smtp-auth-mechanism", "OAUTHBEARER", "-U", user,
            "--check-name", "oauth2-\(receiver[0].dropFirst(2))", "-t", "20", "-vvv"] + smtpSide + client.options() + receiver)
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(!run.stdout.contains(client.refreshToken) && !run.stdout.contains(client.secret))
        #expect(run.stdout.range(of: "a-[0-9a-f]{40}", options: .regularExpression) == nil)
        // Both sides share the cache entry of one client, user and grant: one token request.
        #expect(client.tokenRequests == 1)
    }
}
