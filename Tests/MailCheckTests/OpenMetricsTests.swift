import Foundation
import Testing

/// `--output-format openmetrics`, read back by the OpenMetrics parser of Python's
/// prometheus_client (scripts/openmetrics-validate.sh), as a node_exporter textfile collector
/// or a Telegraf exec input would take it: every check's output parses, names carry the base
/// unit, host/folder/queue/path are labels, and the state gauge is the exit code.
@Suite struct OpenMetricsTests {
    /// One parsed sample: `name type unit {labels} value`, as the validator prints it.
    struct Sample { let name: String, type: String, unit: String, labels: String, value: Double }

    static func parse(_ text: String) throws -> [Sample] {
        let file = NSTemporaryDirectory() + "openmetrics-\(UUID().uuidString).txt"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { unlink(file) }
        let run = try Plugin.exec("/bin/bash", ["-c", "\"$0\" < \"$1\"", Plugin.root + "/scripts/openmetrics-validate.sh", file], limit: 180)
        try #require(run.code == 0, "prometheus_client rejects:\n\(run.stdout)\(run.stderr)\n--- text:\n\(text)")
        return run.stdout.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
            guard parts.count == 4, let space = parts[3].lastIndex(of: " "),
                  let value = Double(parts[3][parts[3].index(after: space)...]) else { return nil }
            return Sample(name: parts[0], type: parts[1], unit: parts[2], labels: String(parts[3][..<space]), value: value)
        }
    }

    func run(_ check: String, _ arguments: [String]) throws -> (PluginRun, [Sample]) {
        let run = try Plugin.run(check, arguments + ["--output-format", "openmetrics"])
        #expect(run.stdout.hasSuffix("# EOF\n"), "\(check): no # EOF at the end")
        return (run, try Self.parse(run.stdout))
    }

    @Test func smtpSessionHasHostLabelSecondsAndTheStateGauge() throws {
        let (run, samples) = try run("check_smtp_session", ["-H", MailStack.host, "-p", MailStack["SUBMISSION_PORT"], "--starttls",
                                                            "--cacert", MailStack.caCert, "--sni", MailStack["TLS_SERVER_NAME"]])
        #expect(run.code == 0, "\(run.stdout)")
        let state = try #require(samples.first { $0.name == "mailcheck_smtp_session_state" })
        #expect(state.value == 0 && state.labels == #"{"host": "127.0.0.1"}"#)
        let total = try #require(samples.first { $0.name == "mailcheck_smtp_session_time_seconds" })
        #expect(total.unit == "seconds" && total.value > 0)
        #expect(!samples.contains { $0.name.contains("_ms") || $0.labels.isEmpty }, "\(samples.map(\.name))")
    }

    @Test func imapLoginCarriesTheFolderAndAFailedLoginIsCriticalInTheGauge() throws {
        let (good, samples) = try run("check_imap_login", ["-H", MailStack.host, "-p", MailStack["IMAP_PORT"], "--starttls",
                                                           "--cacert", MailStack.caCert, "--sni", MailStack["TLS_SERVER_NAME"],
                                                           "-U", MailStack["ALICE_USER"], "--password-file", MailStack["ALICE_PASS_FILE"],
                                                           "--folder", "INBOX"])
        #expect(good.code == 0, "\(good.stdout)")
        let state = try #require(samples.first { $0.name == "mailcheck_imap_login_state" })
        #expect(state.labels == #"{"folder": "INBOX", "host": "127.0.0.1"}"#)
        #expect(samples.contains { $0.name.hasSuffix("_seconds") })
        let (bad, failed) = try run("check_imap_login", ["-H", MailStack.host, "-p", "1", "-t", "3", "-U", MailStack["ALICE_USER"],
                                                         "--password-file", MailStack["ALICE_PASS_FILE"]])
        #expect(bad.code == 2)
        #expect(failed.first { $0.name == "mailcheck_imap_login_state" }?.value == 2)
    }

    @Test func mtaQueueLabelsEachQueueApartFromTheTotals() throws {
        let (run, samples) = try run("check_mta_queue", ["--config-dir", MailStack["MAILSTACK_DIR"] + "/postfix", "--queue", "deferred"])
        #expect(run.code <= 2, "\(run.stdout)")
        #expect(samples.contains { $0.name == "mailcheck_mta_queue_messages" && $0.labels == "{}" })
        #expect(samples.contains { $0.name == "mailcheck_mta_queue_queue_messages" && $0.labels == #"{"queue": "deferred"}"# })
        #expect(samples.contains { $0.name == "mailcheck_mta_queue_queue_oldest_age_seconds" && $0.labels == #"{"queue": "deferred"}"# })
        #expect(samples.contains { $0.name == "mailcheck_mta_queue_oldest_age_seconds" && $0.unit == "seconds" })
    }

    @Test func diskGrowthLabelsEachPathAndPercentIsARatio() throws {
        let state = NSTemporaryDirectory() + "om-state-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: state) }
        let (run, samples) = try run("check_disk_growth", ["-p", "/tmp", "-p", Plugin.root, "--state-dir", state])
        #expect(run.code == 0, "\(run.stdout)")
        let used = samples.filter { $0.name == "mailcheck_disk_growth_used_ratio" }
        #expect(Set(used.map(\.labels)) == [#"{"path": "/tmp"}"#, "{\"path\": \"\(Plugin.root)\"}"])
        #expect(used.allSatisfy { $0.value >= 0 && $0.value <= 1 && $0.unit == "ratio" })
    }

    @Test func aUsageErrorIsAnUnknownStateGaugeStill() throws {
        let (run, samples) = try run("check_imap_login", ["-H", MailStack.host])
        #expect(run.code == 3)
        #expect(samples.first { $0.name == "mailcheck_imap_login_state" }?.value == 3, "\(run.stdout)")
    }

    @Test func hostileTextInALabelStillParses() throws {
        // A host name is the user's text: quotes, backslashes and a newline must not break a line.
        let (run, samples) = try run("check_smtp_session", ["-H", "bad\"host\\name\nx", "-p", "1", "-t", "2"])
        #expect(run.code == 2 || run.code == 3, "\(run.stdout)")
        let state = try #require(samples.first { $0.name == "mailcheck_smtp_session_state" })
        #expect(state.value == Double(run.code))
    }
}
