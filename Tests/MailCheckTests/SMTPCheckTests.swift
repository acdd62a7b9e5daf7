import Foundation
import Testing

/// check_smtp_session end to end: the built binary against the real Postfix of the test stack.
@Suite struct SMTPCheckTests {
    let host = MailStack.host
    let smtp = MailStack["SMTP_PORT"]
    let submission = MailStack["SUBMISSION_PORT"]
    let submissions = MailStack["SUBMISSIONS_PORT"]

    @Test func plainConversationIsOKWithPhaseTimings() throws {
        let run = try Plugin.run("check_smtp_session", ["-H", host, "-p", smtp])
        expectWellFormed(run)
        #expect(run.code == 0)
        #expect(run.status.hasPrefix("SMTP_SESSION OK - \(host):\(smtp) answered in "))
        for label in ["time", "time_connect", "time_banner", "time_ehlo"] {
            #expect(run.metric(label) != nil, "missing \(label): \(run)")
        }
        #expect(run.metric("time_tls") == nil)
        #expect(run.metric("cert_days") == nil)
    }

    @Test func startTLSWithCAIsVerifiedAndReportsCertificateDays() throws {
        let run = try Plugin.run("check_smtp_session", ["-H", host, "-p", smtp, "--starttls", "--cacert", MailStack.caCert, "--sni", "localhost"])
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.contains(", STARTTLS, cert "))
        #expect(run.metric("time_tls") != nil)
        #expect((run.metric("cert_days") ?? 0) > 300)
    }

    @Test func startTLSWithoutTheCAFailsVerification() throws {
        let run = try Plugin.run("check_smtp_session", ["-H", host, "-p", smtp, "--starttls"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status.hasPrefix("SMTP_SESSION CRITICAL - TLS with \(host):\(smtp) failed: "))
        #expect(run.status.contains("certificate"))
    }

    @Test func insecureSkipsVerification() throws {
        let run = try Plugin.run("check_smtp_session", ["-H", host, "-p", smtp, "--starttls", "--insecure"])
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
    }

    @Test(arguments: ["PLAIN", "LOGIN"])
    func submissionWithAuth(mechanism: String) throws {
        let run = try Plugin.run("check_smtp_session", ["-H", host, "-p", submission, "--starttls", "--cacert", MailStack.caCert,
                                                "--sni", "localhost", "-U", MailStack["ALICE_USER"],
                                                "--password-file", MailStack["ALICE_PASS_FILE"], "--auth-mechanism", mechanism])
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.contains("AUTH \(mechanism) as \(MailStack["ALICE_USER"])"))
        #expect(run.metric("time_auth") != nil)
    }

    @Test func implicitTLSOnSubmissions() throws {
        let run = try Plugin.run("check_smtp_session", ["-H", host, "-p", submissions, "--tls", "--cacert", MailStack.caCert, "--sni", "localhost",
                                                "-U", MailStack["BOB_USER"], "--password-env", "SMTP_TEST_PASSWORD"],
                                 environment: ["SMTP_TEST_PASSWORD": try String(contentsOfFile: MailStack["BOB_PASS_FILE"], encoding: .utf8)])
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.contains(", TLS, AUTH PLAIN as"))
        #expect(run.metric("time_tls") != nil)
    }

    @Test func wrongPasswordIsCritical() throws {
        let run = try Plugin.run("check_smtp_session", ["-H", host, "-p", submission, "--starttls", "--insecure",
                                                "-U", MailStack["ALICE_USER"], "--password-env", "SMTP_TEST_PASSWORD"],
                                 environment: ["SMTP_TEST_PASSWORD": "wrong-password"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status.hasPrefix("SMTP_SESSION CRITICAL - AUTH PLAIN failed for \(MailStack["ALICE_USER"]): 535"), "\(run)")
        #expect(!run.stdout.contains("wrong-password"))
    }

    @Test func closedPortIsCritical() throws {
        let run = try Plugin.run("check_smtp_session", ["-H", "127.0.0.1", "-p", "1"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status.hasPrefix("SMTP_SESSION CRITICAL - cannot connect to 127.0.0.1:1: "))
    }

    @Test func silentServerIsCriticalWithinTheTimeout() throws {
        let server = try FakeServer(.silent)
        let run = try Plugin.run("check_smtp_session", ["-H", "127.0.0.1", "-p", "\(server.port)", "-t", "1"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status == "SMTP_SESSION CRITICAL - no answer from 127.0.0.1:\(server.port) within 1 s (waiting for the banner)", "\(run)")
        #expect(run.seconds < 1 + Plugin.lateness)
    }

    @Test func timeoutStateCanBeOverridden() throws {
        let server = try FakeServer(.silent)
        let run = try Plugin.run("check_smtp_session", ["-H", "127.0.0.1", "-p", "\(server.port)", "-t", "1:UNKNOWN"])
        expectWellFormed(run)
        #expect(run.code == 3)
        #expect(run.status.hasPrefix("SMTP_SESSION UNKNOWN - no answer from"))
    }

    @Test func garbageBannerIsCritical() throws {
        let server = try FakeServer(.send(Array("HELLO this is not SMTP\r\n".utf8)))
        let run = try Plugin.run("check_smtp_session", ["-H", "127.0.0.1", "-p", "\(server.port)", "-t", "2"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status.hasPrefix("SMTP_SESSION CRITICAL - "))
    }

    @Test func endlessLineIsCriticalWithBoundedMemory() throws {
        let server = try FakeServer(.flood)
        let rss = NSTemporaryDirectory() + "rss-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: rss) }
        let run = try Plugin.exec("/usr/bin/time", ["-o", rss, "-f", "%M", Plugin.binDir + "/check_smtp_session",
                                                    "-H", "127.0.0.1", "-p", "\(server.port)", "-t", "2"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.stdout.hasPrefix("SMTP_SESSION CRITICAL - "), "\(run)")
        #expect(run.seconds < 2 + Plugin.lateness)
        let kib = peakKiB(rss)
        #expect(kib < 64 * 1024, "peak RSS \(kib) KiB")
    }

    @Test func serviceRefusedBannerIsCritical() throws {
        let server = try FakeServer(.send(Array("554 5.3.2 mx1 is not accepting mail\r\n".utf8)))
        let run = try Plugin.run("check_smtp_session", ["-H", "127.0.0.1", "-p", "\(server.port)", "-t", "2"])
        expectWellFormed(run)
        #expect(run.code == 2)
        #expect(run.status.contains("554 5.3.2 mx1 is not accepting mail"), "\(run)")
    }

    @Test func totalTimeThresholdsUseCriticalFirst() throws {
        let warn = try Plugin.run("check_smtp_session", ["-H", host, "-p", smtp, "-w", "0.000001", "-c", "30"])
        #expect(warn.code == 1, "\(warn)")
        #expect(warn.status.hasPrefix("SMTP_SESSION WARNING - \(host):\(smtp) answered in"))
        #expect(warn.perfdata.contains(";0.000001;30;0"))
        let crit = try Plugin.run("check_smtp_session", ["-H", host, "-p", smtp, "-w", "30", "-c", "0.000001"])
        #expect(crit.code == 2, "\(crit)")
        let inside = try Plugin.run("check_smtp_session", ["-H", host, "-p", smtp, "-c", "@0:30"])
        #expect(inside.code == 2, "\(inside)")
    }

    @Test func phaseThresholds() throws {
        let run = try Plugin.run("check_smtp_session", ["-H", host, "-p", smtp, "--phase-critical", "ehlo=0.0000001", "--phase-warning", "banner=30"])
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status.hasPrefix("SMTP_SESSION CRITICAL - ehlo took "))
        #expect(run.perfdata.contains("time_ehlo="))
    }

    @Test func requiredExtensions() throws {
        let ok = try Plugin.run("check_smtp_session", ["-H", host, "-p", smtp, "--require-extension", "PIPELINING", "--require-extension", "starttls"])
        #expect(ok.code == 0, "\(ok)")
        let missing = try Plugin.run("check_smtp_session", ["-H", host, "-p", smtp, "--require-extension", "XFOOBAR"])
        #expect(missing.code == 2)
        #expect(missing.status == "SMTP_SESSION CRITICAL - extension XFOOBAR not offered")
    }

    @Test func certificateDaysThresholds() throws {
        let base = ["-H", host, "-p", smtp, "--starttls", "--cacert", MailStack.caCert, "--sni", "localhost"]
        let warn = try Plugin.run("check_smtp_session", base + ["--cert-warning", "100000", "--cert-critical", "1"])
        #expect(warn.code == 1, "\(warn)")
        #expect(warn.status.contains("certificate expires in"))
        #expect(warn.perfdata.contains("cert_days="))
        #expect(warn.perfdata.contains(";100000:;1:"))
        let crit = try Plugin.run("check_smtp_session", base + ["--cert-critical", "100000"])
        #expect(crit.code == 2, "\(crit)")
    }

    @Test(arguments: [
        (["-w", "x"], "invalid range 'x' for -w/--warning"),
        (["-c", "10:5"], "invalid range '10:5' for -c/--critical: start is greater than end"),
        (["--phase-warning", "foo=1"], "unknown name 'foo' in --phase-warning"),
        (["--phase-critical", "ehlo"], "expected NAME=RANGE"),
        (["-p", "70000"], "invalid value '70000' for -p/--port"),
        (["--bogus"], "unknown option --bogus"),
        (["--tls", "--starttls"], "give either --tls or --starttls"),
        (["-t", "0"], "invalid value '0' for -t/--timeout"),
        (["-t", "5:maybe"], "invalid state 'maybe' in -t/--timeout"),
        (["--cert-warning", "10"], "--cert-warning/--cert-critical need --tls or --starttls"),
        (["-U", "alice"], "no password given"),
        (["--password-env", "X"], "a password needs -U/--username"),
    ])
    func badArgumentsAreUnknownNamingTheOption(extra: [String], message: String) throws {
        let run = try Plugin.run("check_smtp_session", ["-H", host, "-p", smtp] + extra)
        expectWellFormed(run)
        #expect(run.code == 3, "\(run)")
        #expect(run.status.hasPrefix("SMTP_SESSION UNKNOWN - "))
        #expect(run.stdout.contains(message), "\(run)")
    }

    @Test func missingHostIsUnknownWithUsage() throws {
        let run = try Plugin.run("check_smtp_session", [])
        #expect(run.code == 3)
        #expect(run.stdout.hasPrefix("SMTP_SESSION UNKNOWN - missing -H/--hostname\nUsage: check_smtp_session -H HOST"))
    }

    @Test func helpAndVersionExitThree() throws {
        let help = try Plugin.run("check_smtp_session", ["--help"])
        #expect(help.code == 3)
        #expect(help.stdout.contains("--starttls"))
        #expect(help.stdout.contains("--phase-warning=PHASE=RANGE"))
        let version = try Plugin.run("check_smtp_session", ["-V"])
        #expect(version.code == 3)
        #expect(version.stdout.hasPrefix("check_smtp_session (mailcheck) "))
    }

    @Test func jsonOutput() throws {
        let run = try Plugin.run("check_smtp_session", ["-H", host, "-p", smtp, "--output-format", "json", "-w", "30"])
        expectWellFormed(run)
        #expect(run.code == 0)
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(object?["name"] as? String == "SMTP_SESSION")
        #expect(object?["state"] as? String == "OK")
        #expect(object?["exit_code"] as? Int == 0)
        let metrics = object?["metrics"] as? [[String: Any]] ?? []
        #expect(metrics.contains { $0["label"] as? String == "time" && $0["warning"] as? String == "30" && $0["uom"] as? String == "s" })
    }

    @Test func extraOptsFileSuppliesOptionsAndTheCommandLineWins() throws {
        let dir = NSTemporaryDirectory() + "extra-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let ini = dir + "/plugins.ini"
        try """
        # mail platform defaults
        [check_smtp_session]
        hostname = \(host)
        port = 1
        warning = 30

        [submission]
        hostname = \(host)
        port = \(submission)
        starttls =
        insecure =
        username = \(MailStack["ALICE_USER"])
        password-file = \(MailStack["ALICE_PASS_FILE"])
        """.write(toFile: ini, atomically: true, encoding: .utf8)
        let wins = try Plugin.run("check_smtp_session", ["--extra-opts=@\(ini)", "-p", smtp])
        #expect(wins.code == 0, "\(wins)")
        #expect(wins.perfdata.contains("time=") && wins.perfdata.contains(";30;"))
        let section = try Plugin.run("check_smtp_session", ["--extra-opts", "submission@\(ini)"])
        #expect(section.code == 0, "\(section)")
        #expect(section.status.contains("AUTH PLAIN as"))
        let viaEnv = try Plugin.run("check_smtp_session", ["--extra-opts", "-p", smtp], environment: ["MP_CONFIG_FILE": ini])
        #expect(viaEnv.code == 0, "\(viaEnv)")
        let missing = try Plugin.run("check_smtp_session", ["--extra-opts=nosuch@\(ini)"])
        #expect(missing.code == 3)
        #expect(missing.status.contains("invalid section 'nosuch'"))
    }

    @Test(arguments: [
        (["--insecure", "--client-cert", "/nonexistent/client.pem"], "could not load PEM client certificate"),
        (["--cacert", "/nonexistent/ca.pem"], "error setting certificate file: /nonexistent/ca.pem"),
    ])
    func brokenTLSSetupIsUnknown(extra: [String], message: String) throws {
        let run = try Plugin.run("check_smtp_session", ["-H", host, "-p", smtp, "--starttls"] + extra)
        expectWellFormed(run)
        #expect(run.code == 3, "\(run)")
        #expect(run.status.hasPrefix("SMTP_SESSION UNKNOWN - cannot set up the connection to \(host):\(smtp): "))
        #expect(run.status.contains(message), "\(run)")
    }

    @Test func verboseTraceRedactsCredentials() throws {
        let password = try String(contentsOfFile: MailStack["ALICE_PASS_FILE"], encoding: .utf8)
        let run = try Plugin.run("check_smtp_session", ["-H", host, "-p", submission, "--starttls", "--insecure", "-vvv",
                                                "-U", MailStack["ALICE_USER"], "--password-file", MailStack["ALICE_PASS_FILE"],
                                                "--auth-mechanism", "LOGIN"])
        #expect(run.code == 0, "\(run)")
        #expect(run.stdout.contains("> ["), "no protocol trace at -vvv: \(run)")
        #expect(run.stdout.contains("AUTH LOGIN"))
        #expect(!run.stdout.contains(password))
        // AUTH LOGIN sends the user and the password base64-encoded on lines of their own.
        let encoded = Data(password.utf8).base64EncodedString()
        #expect(!run.stdout.contains(encoded))
        #expect(!run.stdout.contains(Data(MailStack["ALICE_USER"].utf8).base64EncodedString()))
    }

    @Test func unknownCheckNameIsUnknown() throws {
        let run = try Plugin.run("check_nonexistent", [])
        #expect(run.code == 3)
        #expect(run.status.hasPrefix("MAILCHECK UNKNOWN - no check named 'check_nonexistent'"))
    }
}
