import Foundation
import Testing

/// TLS that must fail, replies that must not be believed, and numbers that do not fit: a
/// STARTTLS answer with plaintext smuggled behind it (curl's CVE-2021-22947), certificates for
/// another name, expired or not yet valid, a dripping server that does finish, and counts,
/// sizes and quotas that overflow.
@Suite struct NetworkFaultTLSTests {
    /// The "ready" answer to STARTTLS and, in the same packet, lines meant for after the handshake.
    static let injected: [NetworkFault] = [
        NetworkFault(check: "check_smtp_session", what: "250 AUTH PLAIN behind 220 ready",
                     script: .smtp { $0 == "STARTTLS" ? [.text("220 ready\r\n250-injected.example\r\n250 AUTH PLAIN\r\n"), .readRaw, .close] : nil },
                     extra: ["--starttls", "--insecure", "--require-extension", "AUTH"]),
        NetworkFault(check: "check_imap_login", what: "CAPABILITY behind OK begin TLS",
                     script: .imap { verb, tag in
                         verb == "STARTTLS" ? [.text("\(tag) OK begin TLS\r\n* CAPABILITY IMAP4rev1 INJECTED AUTH=PLAIN\r\n"), .readRaw, .close] : nil
                     },
                     extra: ["--starttls", "--insecure", "--require-capability", "INJECTED"]),
        NetworkFault(check: "check_pop3_login", what: "+OK STAT behind +OK begin TLS",
                     script: .pop3 { $0 == "STLS" ? [.text("+OK begin TLS\r\n+OK 42 4242\r\n+OK INJECTED\r\n"), .readRaw, .close] : nil },
                     extra: ["--starttls", "--insecure"]),
    ]

    @Test(arguments: injected) func plaintextBehindTheStartTLSAnswerIsNeverRead(fault: NetworkFault) throws {
        let run = try NetworkFaultRun.expectHandled(fault)
        for text in ["AUTH PLAIN", "INJECTED", "injected", "42 messages"] {
            #expect(!run.stdout.contains(text), "injected text shown: \(run)")
        }
    }

    /// The same lines a moment after the answer (a separate packet): they are TLS garbage then.
    @Test func plaintextAfterTheStartTLSAnswerFailsTheHandshake() throws {
        let fault = NetworkFault(check: "check_smtp_session", what: "late injection",
                                 script: .smtp { $0 == "STARTTLS" ? [.text("220 ready\r\n"), .sleep(0.05), .text("250 AUTH PLAIN\r\n"), .hold] : nil },
                                 extra: ["--starttls", "--insecure", "--require-extension", "AUTH"], says: ["TLS"])
        let run = try NetworkFaultRun.expectHandled(fault)
        #expect(!run.stdout.contains("AUTH PLAIN"), "\(run)")
    }

    static let certificates: [(String, String, String)] = [
        ("other", "localhost", "no alternative certificate subject name matches"),
        ("expired", "localhost", "certificate has expired"),
        ("future", "localhost", "certificate is not yet valid"),
    ]

    @Test(arguments: ["check_smtp_session", "check_imap_login", "check_pop3_login"])
    func wrongCertificatesAreCriticalNamingTheProblem(check: String) throws {
        let dir = try #require(FaultCertificates.dir, "openssl could not make the test certificates")
        for (name, sni, cause) in Self.certificates {
            let server = try TLSFakeServer(cert: "\(dir)/\(name).pem", key: "\(dir)/\(name).key")
            let arguments = NetworkFaultRun.arguments(check, port: server.port) + ["--tls", "--cacert", "\(dir)/ca.pem", "--sni", sni]
            let (run, kib) = try NetworkFaultRun.run(check, arguments)
            NetworkFaultRun.expectBroken(run, check: check, timeout: NetworkFaultRun.timeout, kib: kib, says: ["TLS", cause])
            #expect(run.code == 2, "\(name): \(run)")
        }
    }

    /// A server that drips its banner's line end a byte a second but finishes within -t works,
    /// slowly: the total time says so (WARNING with -w 1), never a timeout.
    @Test func drippingThatEndsWithinTheTimeoutIsSlowNotBroken() throws {
        let server = try FakeServer(.script(.smtp(banner: [.text("220 fake.example ESMTP"), .drip(Array("\r\n".utf8), every: 1)])))
        let (run, kib) = try NetworkFaultRun.run("check_smtp_session", NetworkFaultRun.arguments("check_smtp_session", port: server.port, timeout: 4) + ["-w", "1", "-c", "3.5"])
        expectWellFormed(run)
        #expect(run.code == 1, "\(run)")
        #expect(run.status.hasPrefix("SMTP_SESSION WARNING - 127.0.0.1:\(server.port) answered in "), "\(run)")
        #expect((run.metric("time") ?? 0) >= 0.9 && (run.metric("time") ?? 9) < 3.5, "\(run)")
        #expect(run.seconds < 4.5)
        #expect(kib < NetworkFaultRun.rssLimitKiB)
    }

    @Test(arguments: ["+OK 1 99999999999999999999", "+OK 9223372036854775808 1", "+OK 4294967296 18446744073709551616",
                      "+OK 1 -9223372036854775809"])
    func statNumbersThatOverflowAreCritical(reply: String) throws {
        let fault = NetworkFault(check: "check_pop3_login", what: reply,
                                 script: .pop3 { $0 == "STAT" ? [.text(reply + "\r\n")] : nil }, says: ["unexpected STAT reply"])
        try NetworkFaultRun.expectHandled(fault)
    }

    @Test(arguments: ["99999999999999999999 EXISTS", "4294967296 EXISTS", "-1 EXISTS"])
    func messageCountsThatOverflowAreNeverOK(exists: String) throws {
        let fault = NetworkFault(check: "check_imap_login", what: exists,
                                 script: .imap { verb, tag in verb == "EXAMINE" ? [.text("* \(exists)\r\n\(tag) OK [READ-ONLY] done\r\n")] : nil })
        try NetworkFaultRun.expectHandled(fault)
    }

    @Test(arguments: ["(STORAGE 99999999999999999999999 99999999999999999999999)", "(STORAGE 10 99999999999999999999999)",
                      "(STORAGE 9223372036854775808 1)"])
    func quotaValuesThatOverflowAreNeverOK(quota: String) throws {
        let fault = NetworkFault(check: "check_imap_login", what: quota,
                                 script: .imap(capabilities: "IMAP4rev1 SASL-IR AUTH=PLAIN QUOTA") { verb, tag in
                                     verb == "GETQUOTAROOT" ? [.text("* QUOTAROOT INBOX \"\"\r\n* QUOTA \"\" \(quota)\r\n\(tag) OK done\r\n")] : nil
                                 }, extra: ["--quota-warning", "80", "--quota-critical", "90"])
        try NetworkFaultRun.expectHandled(fault)
    }
}
