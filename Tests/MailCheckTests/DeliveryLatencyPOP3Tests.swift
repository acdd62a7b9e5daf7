import Foundation
import Testing

/// check_delivery_latency --pop3 end to end: the probe goes through the real Postfix into
/// bob's INBOX, and the check polls it over the real Dovecot's POP3 (a fresh login per poll,
/// UIDL, TOP n 0), deletes exactly the probe with DELE and QUIT, and touches nothing else.
/// bob's INBOX is shared with the IMAP delivery tests: nothing here assumes it is empty.
@Suite struct DeliveryLatencyPOP3Tests {
    let bob = DeliveryLab.bob

    /// DeliveryLab.arguments with the receiving side over plain POP3.
    static func arguments(_ checkName: String) -> [String] {
        ["-H", MailStack.host, "--smtp-port", MailStack["SMTP_PORT"], "--pop3", "--pop3-port", MailStack["POP3_PORT"],
         "-U", DeliveryLab.bob.name, "--password-file", DeliveryLab.bob.passwordFile, "--from", "probe@\(MailStack["MAIL_DOMAIN"])",
         "--check-name", checkName]
    }

    @Test func roundTripOverPOP3IsOKAndLeavesNoProbe() throws {
        let name = DeliveryLab.checkName("pop3-round")
        let run = try Plugin.run("check_delivery_latency", Self.arguments(name) + ["-w", "5", "-c", "10", "-v"])
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.hasPrefix("DELIVERY_LATENCY OK - probe delivered to \(bob.name) in "), "\(run)")
        #expect(run.perfdata.hasPrefix("latency="), "\(run)")
        #expect(run.perfdata.contains("s;5;10;0 submit="), "\(run)")
        #expect(run.perfdata.hasSuffix(" stale_removed=0;;;0"), "\(run)")
        let latency = try #require(run.metric("latency"))
        let total = try #require(run.metric("total"))
        #expect(latency > 0 && latency < total, "\(run)")
        #expect(run.stdout.contains("over POP3 (USER/PASS)"), "\(run)")
        #expect(run.stdout.contains("(LMTP, id "), "\(run)")
        #expect(run.stdout.contains("deleted (DELE, QUIT)"), "\(run)")
        let token = try #require(DeliveryLab.token(run.stdout))
        #expect(token.hasPrefix("mailcheck/\(name)/"))
        #expect(try DeliveryLab.probes(containing: token).isEmpty)
    }

    @Test func implicitTLSAndAuthPlain() throws {
        let name = DeliveryLab.checkName("pop3-tls")
        let arguments = Self.arguments(name).filter { $0 != MailStack["POP3_PORT"] && $0 != "--pop3-port" }
        let run = try Plugin.run("check_delivery_latency", arguments + [
            "--pop3-port", MailStack["POP3S_PORT"], "--pop3-tls", "--pop3-auth-mechanism", "PLAIN",
            "--cacert", MailStack.caCert, "--pop3-sni", MailStack["TLS_SERVER_NAME"], "-vvv"])
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.stdout.contains("pop3 tls: TLS"), "\(run)")
        #expect(!run.stdout.contains(bob.password))
        #expect(!run.stdout.contains(Data("\0\(bob.name)\0\(bob.password)".utf8).base64EncodedString()))
        let token = try #require(DeliveryLab.token(run.stdout))
        #expect(try DeliveryLab.probes(containing: token).isEmpty)
    }

    /// User mail that looks like a probe stays byte for byte and flag for flag; only the
    /// check's own verified stale probe goes.
    @Test func userMailIsUntouchedAndOnlyTheOwnStaleProbeIsSwept() throws {
        let name = DeliveryLab.checkName("pop3-untouched")
        let old = "1000"
        let hex = String(repeating: "ab", count: 16)
        let fixtures: [(String, [String])] = [
            ("From: a@example.net\nSubject: lunch\n\nSee you at noon.\n", []),
            ("From: a@example.net\nSubject: deleted by the user\n\nnot yet expunged\n", ["\\Deleted", "\\Seen"]),
            ("From: probe@example.test\nSubject: mailcheck delivery probe mailcheck/\(name)/\(old)/\(hex)@vm\n\nsubject only\n", []),
            ("From: probe@example.test\nSubject: forged\nX-Mailcheck-Probe: mailcheck/\(name)/\(old)/\(hex)@vm trailing\n\nnot a token\n", []),
            ("From: probe@example.test\nSubject: twice\nX-Mailcheck-Probe: mailcheck/\(name)/\(old)/\(hex)@vm\nX-Mailcheck-Probe: mailcheck/\(name)/\(old)/\(hex)@vm\n\ntwo headers\n", []),
            ("From: probe@example.test\nSubject: other check\nX-Mailcheck-Probe: mailcheck/other-\(name)/\(old)/\(hex)@vm\n\nanother check's probe\n", ["\\Seen"]),
            ("From: probe@example.test\nSubject: in the body\n\nX-Mailcheck-Probe: mailcheck/\(name)/\(old)/\(hex)@vm\n", []),
        ]
        var uids: [Int] = []
        defer { try? DeliveryLab.remove(uids) }
        for (text, flags) in fixtures { uids.append(try DeliveryLab.addFixture(text, flags: flags)) }
        // A real left-over probe of this check, sent long ago: the sweep's one target.
        let stale = "mailcheck/\(name)/\(old)/\(String(repeating: "cd", count: 16))@vm"
        let staleUID = try DeliveryLab.addFixture("From: probe@example.test\nSubject: mailcheck delivery probe \(stale)\nX-Mailcheck-Probe: \(stale)\n\nleft over\n", flags: [])
        defer { try? DeliveryLab.remove(DeliveryLab.probes(containing: stale)) }
        let before = try uids.map(DeliveryLab.snapshot)
        for fixture in before { #expect(!fixture.text.isEmpty) }
        let first = try Plugin.run("check_delivery_latency", Self.arguments(name) + ["-v"])
        expectWellFormed(first)
        #expect(first.code == 0, "\(first)")
        #expect(first.metric("stale_removed") == 1, "\(first)")
        #expect(first.stdout.contains("stale probes removed (older than 3600 s): UIDL "), "\(first)")
        #expect(try DeliveryLab.probes(containing: stale).isEmpty, "stale probe UID \(staleUID) still there")
        let second = try Plugin.run("check_delivery_latency", Self.arguments(name) + ["-t", "5", "--stale-after", "6", "-v"])
        expectWellFormed(second)
        #expect(second.code == 0, "\(second)")
        #expect(second.metric("stale_removed") == 0, "\(second)")
        let after = try uids.map(DeliveryLab.snapshot)
        for (index, (was, now)) in zip(before, after).enumerated() {
            #expect(was.text == now.text, "fixture \(index) changed")
            #expect(was.flags == now.flags, "fixture \(index) flags changed: \(was.flags) -> \(now.flags)")
        }
        #expect(try DeliveryLab.probes(containing: "mailcheck/\(name)/").count == 2, "only the forged and the doubled header stay")
    }

    @Test func wrongPOP3PasswordIsCriticalAndSendsNoProbe() throws {
        let base = Self.arguments(DeliveryLab.checkName("pop3-badpw")).filter { $0 != "--password-file" && $0 != bob.passwordFile }
        let run = try Plugin.run("check_delivery_latency", base + ["--password-env", "DELIVERY_TEST_PW", "-vvv"],
                                 environment: ["DELIVERY_TEST_PW": "wrong-Pa55word"])
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status == "DELIVERY_LATENCY CRITICAL - POP3: login failed for \(bob.name): [AUTH] Authentication failed.", "\(run)")
        #expect(!run.stdout.contains("wrong-Pa55word"))
        #expect(!run.stdout.contains("smtp"), "a probe went out before the maildrop could be opened: \(run)")
    }

    @Test func optionsOfTheOtherProtocolAreRefused() throws {
        let withIMAP = try Plugin.run("check_delivery_latency", Self.arguments("x") + ["--imap-port", "143"])
        #expect(withIMAP.code == 3 && withIMAP.status == "DELIVERY_LATENCY UNKNOWN - --imap-port does not apply with --pop3", "\(withIMAP)")
        let withoutPOP3 = try Plugin.run("check_delivery_latency", DeliveryLab.arguments("x") + ["--pop3-tls"])
        #expect(withoutPOP3.code == 3 && withoutPOP3.status == "DELIVERY_LATENCY UNKNOWN - --pop3-tls needs --pop3", "\(withoutPOP3)")
    }
}
