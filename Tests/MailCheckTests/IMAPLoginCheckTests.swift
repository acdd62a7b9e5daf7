import Foundation
import Testing

/// check_imap_login end to end: the built binary against the real Dovecot of the test stack,
/// and against fake servers for what Dovecot never does. Each test that needs mailbox content
/// makes its own folder first.
@Suite struct IMAPLoginCheckTests {
    let host = MailStack.host
    let imap = MailStack["IMAP_PORT"]
    let imaps = MailStack["IMAPS_PORT"]
    let alice = IMAPMailbox.User.alice
    let bob = IMAPMailbox.User.bob
    var login: [String] { ["-U", alice.name, "--password-file", alice.passwordFile] }
    var verified: [String] { ["--cacert", MailStack.caCert, "--sni", MailStack["TLS_SERVER_NAME"]] }

    @Test(arguments: ["PLAIN", "LOGIN"])
    func plainLoginOpensInboxWithPhaseTimings(mechanism: String) throws {
        let run = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "--auth-mechanism", mechanism] + login)
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.hasPrefix("IMAP_LOGIN OK - \(alice.name) on \(host):\(imap) in "), "\(run)")
        #expect(run.status.contains(", INBOX "))
        for label in ["time", "time_connect", "time_banner", "time_capability", "time_login", "time_folder_INBOX",
                      "messages_INBOX", "unseen_INBOX", "time_logout"] {
            #expect(run.metric(label) != nil, "missing \(label): \(run)")
        }
        #expect(run.metric("time_tls") == nil)
        #expect(run.metric("cert_days") == nil)
    }

    @Test func startTLSWithCAIsVerified() throws {
        let run = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "--starttls"] + verified + login)
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.contains(", STARTTLS, INBOX "))
        #expect(run.metric("time_tls") != nil)
        #expect((run.metric("cert_days") ?? 0) > 300)
    }

    @Test func implicitTLSWithCAIsVerified() throws {
        let run = try Plugin.run("check_imap_login", ["-H", host, "-p", imaps, "--tls", "--auth-mechanism", "LOGIN"] + verified + login)
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.contains(", TLS, INBOX "))
        #expect(run.status.contains(", cert "))
        #expect(run.metric("time_tls") != nil)
    }

    @Test(arguments: [["--tls"], ["--starttls"]])
    func certificateWithoutTheCAIsCritical(mode: [String]) throws {
        let port = mode == ["--tls"] ? imaps : imap
        let run = try Plugin.run("check_imap_login", ["-H", host, "-p", port] + mode + login)
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status.hasPrefix("IMAP_LOGIN CRITICAL - TLS with \(host):\(port) failed: SSL certificate problem: "), "\(run)")
        let insecure = try Plugin.run("check_imap_login", ["-H", host, "-p", port, "--insecure"] + mode + login)
        #expect(insecure.code == 0, "\(insecure)")
    }

    @Test(arguments: ["PLAIN", "LOGIN"])
    func wrongPasswordIsCriticalAndNeverShown(mechanism: String) throws {
        let run = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "-U", alice.name, "--password-env", "IMAP_TEST_PASSWORD",
                                                      "--auth-mechanism", mechanism, "-vvv"],
                                 environment: ["IMAP_TEST_PASSWORD": "wrong-Pa55word"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "IMAP_LOGIN CRITICAL - login failed for \(alice.name): [AUTHENTICATIONFAILED] Authentication failed.", "\(run)")
        #expect(!run.stdout.contains("wrong-Pa55word"))
        #expect(!run.stdout.contains(Data("\0\(alice.name)\0wrong-Pa55word".utf8).base64EncodedString()))
    }

    @Test(arguments: ["PLAIN", "LOGIN"])
    func protocolTraceNeverShowsTheRealPassword(mechanism: String) throws {
        let run = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "--auth-mechanism", mechanism, "-vvv"] + login)
        #expect(run.code == 0, "\(run)")
        #expect(run.stdout.contains("> ["), "no trace: \(run)")
        #expect(!run.stdout.contains(alice.password))
        #expect(!run.stdout.contains(Data("\0\(alice.name)\0\(alice.password)".utf8).base64EncodedString()))
    }

    @Test func missingFolderIsCriticalAndKeepsTheLoginTimings() throws {
        let run = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "--folder", "INBOX", "--folder", "mailcheck-no-such-folder"] + login)
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "IMAP_LOGIN CRITICAL - folder mailcheck-no-such-folder does not exist", "\(run)")
        #expect(run.metric("time_login") != nil && run.metric("time_folder_INBOX") != nil)
        #expect(run.metric("time") == nil)
    }

    @Test func twoFoldersAreOpenedAndCounted() throws {
        let folder = "mailcheck-imap-two"
        try IMAPMailbox.reset(alice, folder: folder)
        try IMAPMailbox.append(alice, folder: folder, subject: "one", seen: true)
        try IMAPMailbox.append(alice, folder: folder, subject: "two")
        try IMAPMailbox.append(alice, folder: folder, subject: "three")
        let run = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "--folder", "INBOX", "--folder", folder, "-v"] + login)
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.contains(", 2 folders: "), "\(run)")
        #expect(run.metric("time_folder_INBOX") != nil)
        #expect(run.metric("time_folder_\(folder)") != nil)
        #expect(run.metric("messages_\(folder)") == 3)
        #expect(run.metric("unseen_\(folder)") == 2)
        #expect(run.stdout.contains("\n\(folder): 3 messages (2 unseen), "), "\(run)")
    }

    @Test func folderNamesWithSpacesAndPercentAreQuotedAndLabelledByPosition() throws {
        let folder = "Mailcheck 100% Sent"
        try IMAPMailbox.reset(bob, folder: folder)
        try IMAPMailbox.append(bob, folder: folder, subject: "odd name")
        let run = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "-U", bob.name, "--password-file", bob.passwordFile,
                                                      "--folder", "INBOX", "--folder", folder, "-v"])
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.metric("messages_2") == 1, "\(run)")
        #expect(run.metric("unseen_2") == 1)
        #expect(run.stdout.contains("\(folder): 1 message (1 unseen), "))
        #expect(run.stdout.contains("(perfdata suffix _2)"))
    }

    @Test func unseenMessagesStayUnseenAfterTheCheckReadsThem() throws {
        let folder = "mailcheck-imap-unseen"
        try IMAPMailbox.reset(bob, folder: folder)
        try IMAPMailbox.append(bob, folder: folder, subject: "already read", seen: true)
        try IMAPMailbox.append(bob, folder: folder, subject: "still unread", bodyBytes: 2000)
        #expect(try IMAPMailbox.status(bob, folder: folder) == ["MESSAGES": 2, "UNSEEN": 1])
        for _ in 0..<2 {
            let run = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "-U", bob.name, "--password-file", bob.passwordFile,
                                                          "--folder", folder, "--fetch-latest", "-v"])
            expectWellFormed(run)
            #expect(run.code == 0, "\(run)")
            #expect(run.status.contains(", \(folder) 2 messages (1 unseen)"), "\(run)")
            #expect(run.metric("time_fetch") != nil)
            #expect(run.stdout.contains("newest message in \(folder), UID 2, "), "\(run)")
            // The check shows sizes and dates, never what users wrote.
            #expect(!run.stdout.contains("still unread"))
        }
        #expect(try IMAPMailbox.status(bob, folder: folder) == ["MESSAGES": 2, "UNSEEN": 1])
        let flags = try IMAPMailbox.command(bob, "FETCH 2 FLAGS", folder: folder).output
        #expect(flags.contains("FETCH (FLAGS (") && !flags.contains("\\Seen"), "\(flags)")
    }

    @Test func fetchOfAnEmptyFolderIsSkippedUnlessAThresholdAsksForIt() throws {
        let folder = "mailcheck-imap-empty"
        try IMAPMailbox.reset(alice, folder: folder)
        let run = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "--folder", folder, "--fetch-latest", "-v"] + login)
        #expect(run.code == 0, "\(run)")
        #expect(run.stdout.contains("nothing to fetch: \(folder) is empty"))
        #expect(run.metric("time_fetch") == nil)
        let asked = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "--folder", folder, "--fetch-latest",
                                                        "--phase-warning", "fetch=1"] + login)
        #expect(asked.code == 3, "\(asked)")
        #expect(asked.status.hasPrefix("IMAP_LOGIN UNKNOWN - nothing to fetch: \(folder) is empty"))
    }

    /// carol has a 1 MiB storage quota: the test fills its own folder to about 70 % of it.
    @Test func quotaUsageAgainstThresholds() throws {
        let carol = IMAPMailbox.User.carol
        let folder = "mailcheck-imap-quota"
        try IMAPMailbox.reset(carol, folder: folder)
        let limitKiB = Double(MailStack["CAROL_QUOTA_KB"]) ?? 1024
        let before = try IMAPMailbox.quotaPercent(carol) ?? 0
        if before < 60 {
            try IMAPMailbox.append(carol, folder: folder, subject: "filler", bodyBytes: Int((70 - before) / 100 * limitKiB * 1024))
        }
        let percent = try #require(try IMAPMailbox.quotaPercent(carol))
        #expect(percent >= 55, "could not fill carol's quota: \(percent) %")
        let base = ["-H", host, "-p", imap, "-U", carol.name, "--password-file", carol.passwordFile]
        let warning = try Plugin.run("check_imap_login", base + ["--quota-warning", "\(Int(percent) - 10)", "--quota-critical", "\(Int(percent) + 20)"])
        expectWellFormed(warning)
        #expect(warning.code == 1, "\(warning)")
        #expect(warning.status.hasPrefix("IMAP_LOGIN WARNING - quota "), "\(warning)")
        #expect(abs((warning.metric("quota_used_pct") ?? 0) - percent) < 2)
        #expect(warning.perfdata.contains(";\(Int(percent) - 10);\(Int(percent) + 20);0;100"))
        #expect(warning.perfdata.contains("quota_used=") && warning.perfdata.contains("B;;;0;\(Int(limitKiB * 1024))"), "\(warning)")
        #expect(warning.metric("time_quota") != nil)
        let critical = try Plugin.run("check_imap_login", base + ["--quota-warning", "1", "--quota-critical", "\(Int(percent) - 5)"])
        #expect(critical.code == 2, "\(critical)")
        let fine = try Plugin.run("check_imap_login", base + ["--quota-warning", "99", "--quota-critical", "100"])
        #expect(fine.code == 0, "\(fine)")
        #expect(fine.status.contains(", quota \(Int(percent.rounded())) %") || fine.status.contains(", quota "), "\(fine)")
    }

    @Test func userWithoutQuotaIsUnknownOnlyWhenAThresholdWasAsked() throws {
        let asked = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "--quota-warning", "80"] + login)
        expectWellFormed(asked)
        #expect(asked.code == 3, "\(asked)")
        #expect(asked.status.hasPrefix("IMAP_LOGIN UNKNOWN - no storage quota set for \(alice.name)"))
        let reported = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "--quota"] + login)
        #expect(reported.code == 0, "\(reported)")
        #expect(reported.metric("quota_used") == nil)
    }

    @Test func certificateDaysThresholdsOnTheShortLivedListener() throws {
        let base = ["-H", host, "-p", MailStack["IMAPS_SHORTCERT_PORT"], "--tls"] + verified + login
        let warn = try Plugin.run("check_imap_login", base + ["--cert-warning", "30", "--cert-critical", "2"])
        expectWellFormed(warn)
        #expect(warn.code == 1, "\(warn)")
        #expect(warn.status.hasPrefix("IMAP_LOGIN WARNING - certificate expires in "), "\(warn)")
        #expect(warn.perfdata.contains(";30:;2:"))
        #expect((warn.metric("cert_days") ?? 99) < Double(MailStack["IMAPS_SHORTCERT_DAYS"]) ?? 5)
        let crit = try Plugin.run("check_imap_login", base + ["--cert-warning", "60", "--cert-critical", "30"])
        #expect(crit.code == 2, "\(crit)")
    }

    @Test func requiredCapabilities() throws {
        let ok = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "--require-capability", "IDLE", "--require-capability", "quota"] + login)
        #expect(ok.code == 0, "\(ok)")
        let missing = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "--require-capability", "XFOOBAR"] + login)
        #expect(missing.code == 2)
        #expect(missing.status == "IMAP_LOGIN CRITICAL - capability XFOOBAR not offered", "\(missing)")
    }

    @Test func phaseAndTotalThresholds() throws {
        let phase = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "--phase-critical", "login=0.0000001", "--phase-warning", "folder=30"] + login)
        expectWellFormed(phase)
        #expect(phase.code == 2, "\(phase)")
        #expect(phase.status.hasPrefix("IMAP_LOGIN CRITICAL - login took "))
        #expect(phase.perfdata.contains("time_folder_INBOX=") && phase.perfdata.contains("s;30;;0"))
        let folder = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "--phase-warning", "folder=0.0000001"] + login)
        #expect(folder.code == 1, "\(folder)")
        #expect(folder.status.hasPrefix("IMAP_LOGIN WARNING - folder INBOX took "))
        let total = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "-w", "0.000001", "-c", "30"] + login)
        #expect(total.code == 1, "\(total)")
        #expect(total.perfdata.hasPrefix("time=") && total.perfdata.contains(";0.000001;30;0"))
    }

    @Test(arguments: [
        (["--folder", ""], "invalid value '' for --folder"),
        (["--folder", "a\tb"], "invalid value 'a\\x09b' for --folder"),
        (["--quota-warning", "x"], "invalid range 'x' for --quota-warning"),
        (["--quota-critical", "90:10"], "invalid range '90:10' for --quota-critical: start is greater than end"),
        (["--phase-warning", "ehlo=1"], "unknown name 'ehlo' in --phase-warning"),
        (["--auth-mechanism", "CRAM-MD5"], "invalid value 'CRAM-MD5' for --auth-mechanism: expected one of PLAIN, LOGIN"),
        (["--require-capability", ""], "invalid value '' for --require-capability"),
        (["--cert-warning", "10"], "--cert-warning/--cert-critical need --tls or --starttls"),
        (["-p", "0"], "invalid value '0' for -p/--port"),
    ])
    func badArgumentsAreUnknownNamingTheOption(extra: [String], message: String) throws {
        let run = try Plugin.run("check_imap_login", ["-H", host, "-p", imap] + login + extra)
        expectWellFormed(run)
        #expect(run.code == 3, "\(run)")
        #expect(run.status.hasPrefix("IMAP_LOGIN UNKNOWN - "))
        #expect(run.stdout.contains(message), "\(run)")
    }

    @Test func loginIsRequired() throws {
        let run = try Plugin.run("check_imap_login", ["-H", host, "-p", imap])
        #expect(run.code == 3)
        #expect(run.stdout.hasPrefix("IMAP_LOGIN UNKNOWN - missing -U/--username (check_imap_login logs in)\nUsage: check_imap_login -H HOST"))
    }

    @Test func jsonOutput() throws {
        let run = try Plugin.run("check_imap_login", ["-H", host, "-p", imap, "--output-format", "json", "-w", "30"] + login)
        expectWellFormed(run)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(object?["name"] as? String == "IMAP_LOGIN")
        #expect(object?["state"] as? String == "OK")
        let metrics = object?["metrics"] as? [[String: Any]] ?? []
        #expect(metrics.contains { $0["label"] as? String == "time_folder_INBOX" && $0["uom"] as? String == "s" })
    }
}
