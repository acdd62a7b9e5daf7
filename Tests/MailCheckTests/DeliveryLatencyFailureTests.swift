import Foundation
import Testing

/// check_delivery_latency when something is wrong: each failure names its side (SMTP or IMAP),
/// credentials never show, bad options name themselves, and fake servers give what Dovecot
/// never does (no UIDPLUS, numbers that overflow, a literal of absurd size, BYE mid-run).
@Suite struct DeliveryLatencyFailureTests {
    let bob = DeliveryLab.bob
    let alice = IMAPMailbox.User.alice

    @Test func wrongIMAPPasswordIsCriticalAndSendsNoProbe() throws {
        let base = DeliveryLab.arguments(DeliveryLab.checkName("badpw")).filter { $0 != "--password-file" && $0 != bob.passwordFile }
        let run = try Plugin.run("check_delivery_latency", base + ["--password-env", "DELIVERY_TEST_PW", "-vvv"],
                                 environment: ["DELIVERY_TEST_PW": "wrong-Pa55word"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "DELIVERY_LATENCY CRITICAL - IMAP: login failed for \(bob.name): [AUTHENTICATIONFAILED] Authentication failed.", "\(run)")
        #expect(!run.stdout.contains("wrong-Pa55word"))
        #expect(!run.stdout.contains(Data("\0\(bob.name)\0wrong-Pa55word".utf8).base64EncodedString()))
        #expect(!run.stdout.contains("smtp"), "a probe went out before the mailbox could be opened: \(run)")
    }

    @Test(arguments: ["PLAIN", "LOGIN"])
    func submissionWithStartTLSAndAuthNeverShowsAPassword(mechanism: String) throws {
        let tls = ["--cacert", MailStack.caCert, "--smtp-sni", MailStack["TLS_SERVER_NAME"], "--imap-sni", MailStack["TLS_SERVER_NAME"]]
        let run = try Plugin.run("check_delivery_latency", [
            "-H", MailStack.host, "--smtp-port", MailStack["SUBMISSION_PORT"], "--smtp-starttls",
            "--smtp-user", alice.name, "--smtp-password-file", alice.passwordFile, "--smtp-auth-mechanism", mechanism,
            "--imap-port", MailStack["IMAP_PORT"], "--imap-starttls", "--imap-auth-mechanism", mechanism,
            "-U", bob.name, "--password-file", bob.passwordFile, "--check-name", DeliveryLab.checkName("submission"), "-vvv"] + tls)
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.stdout.contains("submission: \(MailStack.host):\(MailStack["SUBMISSION_PORT"]) (STARTTLS), <\(alice.name)> to <\(bob.name)>"), "\(run)")
        #expect(run.stdout.contains("(Postfix, ESMTPSA, id "), "\(run)")
        #expect(run.stdout.contains("smtp tls: TLS") && run.stdout.contains("imap tls: TLS"), "\(run)")
        #expect(run.stdout.contains("> ["), "no trace: \(run)")
        for user in [alice, bob] {
            #expect(!run.stdout.contains(user.password))
            #expect(!run.stdout.contains(Data("\0\(user.name)\0\(user.password)".utf8).base64EncodedString()))
            #expect(!run.stdout.contains(Data(user.password.utf8).base64EncodedString()))
        }
    }

    @Test func implicitTLSOnBothSides() throws {
        let run = try Plugin.run("check_delivery_latency", [
            "-H", MailStack.host, "--smtp-port", MailStack["SUBMISSIONS_PORT"], "--smtp-tls",
            "--smtp-user", alice.name, "--smtp-password-file", alice.passwordFile,
            "--imap-port", MailStack["IMAPS_PORT"], "--imap-tls", "--cacert", MailStack.caCert,
            "--smtp-sni", "localhost", "--imap-sni", "localhost",
            "-U", bob.name, "--password-file", bob.passwordFile, "--check-name", DeliveryLab.checkName("tls")])
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.contains(", submitted in "), "\(run)")
    }

    @Test func wrongSMTPPasswordNamesTheSMTPSide() throws {
        let run = try Plugin.run("check_delivery_latency", [
            "-H", MailStack.host, "--smtp-port", MailStack["SUBMISSION_PORT"], "--smtp-starttls", "--insecure",
            "--smtp-user", alice.name, "--smtp-password-env", "DELIVERY_TEST_PW",
            "--imap-port", MailStack["IMAP_PORT"], "-U", bob.name, "--password-file", bob.passwordFile,
            "--check-name", DeliveryLab.checkName("smtppw")], environment: ["DELIVERY_TEST_PW": "wrong-password"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status.hasPrefix("DELIVERY_LATENCY CRITICAL - SMTP: AUTH PLAIN failed for \(alice.name) at \(MailStack.host):\(MailStack["SUBMISSION_PORT"]): 535"), "\(run)")
        #expect(!run.stdout.contains("wrong-password"))
    }

    @Test func refusedRecipientNamesTheSMTPSide() throws {
        let run = try Plugin.run("check_delivery_latency", DeliveryLab.arguments(DeliveryLab.checkName("rcpt")) + ["--to", "nobody@\(MailStack["MAIL_DOMAIN"])"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status.hasPrefix("DELIVERY_LATENCY CRITICAL - SMTP: \(MailStack.host):\(MailStack["SMTP_PORT"]) refused recipient <nobody@example.test>: 550 5.1.1 "), "\(run)")
    }

    @Test(arguments: [("--smtp-port", "SMTP"), ("--imap-port", "IMAP")])
    func closedPortNamesItsSide(option: String, side: String) throws {
        var arguments = DeliveryLab.arguments(DeliveryLab.checkName("closed"))
        if let index = arguments.firstIndex(of: option) { arguments[index + 1] = "1" }
        let run = try Plugin.run("check_delivery_latency", arguments)
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status.hasPrefix("DELIVERY_LATENCY CRITICAL - \(side): cannot connect to 127.0.0.1:1: "), "\(run)")
    }

    @Test(arguments: [
        ([String](), "missing --smtp-host (or -H/--hostname for both sides)"),
        (["-H", "h"], "missing -U/--username (the IMAP user whose mailbox receives the probe)"),
        (["-H", "h", "-U", "bob"], "missing --to (the address whose mailbox -U opens)"),
        (["-H", "h", "-U", "b@x", "--to", "a b@c"], "invalid value 'a b@c' for --to"),
        (["-H", "h", "-U", "b@x", "--from", "nobody"], "invalid value 'nobody' for --from"),
        (["-H", "h", "-U", "b@x", "--check-name", "a/b"], "invalid value 'a/b' for --check-name"),
        (["-H", "h", "-U", "b@x", "--stale-after", "10"], "--stale-after (10 s) must be longer than -t (30 s)"),
        (["-H", "h", "-U", "b@x", "--stale-after", "0"], "invalid value '0' for --stale-after"),
        (["-H", "h", "-U", "b@x", "--smtp-tls", "--smtp-starttls"], "give either --smtp-tls or --smtp-starttls, not both"),
        (["-H", "h", "-U", "b@x", "--imap-port", "0"], "invalid value '0' for --imap-port"),
        (["--smtp-host", "a b", "--imap-host", "h", "-U", "b@x"], "invalid value 'a b' for --smtp-host"),
        (["-H", "h", "-U", "b@x", "--smtp-password-env", "E"], "a password needs --smtp-user"),
        (["-H", "h", "-U", "b@x", "--smtp-user", "u", "--smtp-password-file", "f", "--smtp-password-env", "E"],
         "give either --smtp-password-file or --smtp-password-env, not both"),
        (["-H", "h", "-U", "b@x", "--smtp-password", "x"], "unknown option --smtp-password"),
        (["-H", "h", "-U", "b@x", "--smtp-auth-mechanism", "CRAM-MD5"], "invalid value 'CRAM-MD5' for --smtp-auth-mechanism: expected one of PLAIN, LOGIN"),
        (["-H", "h", "-U", "b@x", "-w", "x"], "invalid range 'x' for -w/--warning"),
        (["-H", "h", "-U", "b@x", "--submit-critical", "5:1"], "invalid range '5:1' for --submit-critical: start is greater than end"),
        (["-H", "h", "-U", "b@x", "--folder", ""], "invalid value '' for --folder"),
    ])
    func badArgumentsAreUnknownNamingTheOption(arguments: [String], message: String) throws {
        let run = try Plugin.run("check_delivery_latency", arguments)
        expectWellFormed(run)
        #expect(run.code == 3, "\(run)")
        #expect(run.stdout.hasPrefix("DELIVERY_LATENCY UNKNOWN - \(message)"), "\(run)")
    }

    @Test func helpListsBothSides() throws {
        let run = try Plugin.run("check_delivery_latency", ["--help"])
        #expect(run.code == 3)
        for option in ["--smtp-host=HOST", "--imap-starttls", "--smtp-password-file=FILE", "--password-file=FILE", "--stale-after=SECONDS", "--no-idle"] {
            #expect(run.stdout.contains(option), "\(option) missing from --help")
        }
        #expect(run.stdout.contains("Default timeout: 30 s, then CRITICAL."))
    }
}
