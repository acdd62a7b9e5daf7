import Foundation
import Testing
@testable import CheckKit

struct ReportTests {
    static func range(_ text: String) -> ThresholdRange {
        (try? ThresholdRange(parsing: text)) ?? ThresholdRange(start: 0, end: 0, text: "invalid")
    }

    /// Lines split on the scalar, not the Character: "\r\n" is one Character in Swift.
    static func lineCount(_ text: String) -> Int {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).count
    }

    @Test("worst state wins: OK < UNKNOWN < WARNING < CRITICAL", arguments: [
        ([Status.ok], Status.ok), ([.ok, .ok], .ok), ([.ok, .unknown], .unknown), ([.unknown, .warning], .warning),
        ([.warning, .unknown], .warning), ([.critical, .unknown], .critical), ([.unknown, .critical, .warning, .ok], .critical),
        ([.warning, .ok, .warning], .warning), ([.unknown], .unknown),
    ] as [([Status], Status)])
    func worstState(states: [Status], expected: Status) {
        let report = CheckReport(name: "X", results: states.enumerated().map { CheckResult($1, "r\($0)") })
        #expect(report.status == expected)
        #expect(report.renderNagios().hasPrefix("X \(expected.label) - "))
    }

    @Test("a report without results is not OK")
    func empty() {
        let report = CheckReport(name: "X", results: [])
        #expect(report.status == .unknown)
        #expect(report.renderNagios() == "X UNKNOWN - no result\n")
    }

    @Test("first line: NAME STATE - summary | perfdata")
    func firstLine() {
        let thresholds = Thresholds(warning: Self.range("10"), critical: Self.range("20"))
        let report = CheckReport(name: "MTA_QUEUE", results: [
            CheckResult.measure("messages", 5, thresholds: thresholds, min: 0, message: "5 messages queued"),
            CheckResult.metric("time", 0.012, unit: .seconds, min: 0),
        ])
        #expect(report.renderNagios() == "MTA_QUEUE OK - 5 messages queued | messages=5;10;20;0 time=0.012s;;;0\n")
    }

    @Test("no perfdata, no pipe")
    func noPerfdata() {
        let report = CheckReport(name: "SMTP", results: [CheckResult(.ok, "banner in 0.002 s")])
        #expect(report.renderNagios() == "SMTP OK - banner in 0.002 s\n")
    }

    @Test("the okSummary is used only when OK")
    func okSummary() {
        let ok = CheckReport(name: "X", results: [CheckResult(.ok, "a"), CheckResult(.ok, "b")], okSummary: "all fine")
        #expect(ok.summary == "all fine")
        let bad = CheckReport(name: "X", results: [CheckResult(.ok, "a"), CheckResult(.warning, "b is high")], okSummary: "all fine")
        #expect(bad.summary == "b is high")
    }

    @Test("a non-OK summary names the failing results, worst first")
    func failingSummary() {
        let report = CheckReport(name: "X", results: [
            CheckResult(.ok, "fine"), CheckResult(.warning, "w1"), CheckResult(.critical, "c1"), CheckResult(.unknown, "u1"),
        ])
        #expect(report.summary == "c1, w1, u1")
    }

    @Test("an OK summary joins results shown in the summary")
    func okJoined() {
        let report = CheckReport(name: "X", results: [
            CheckResult(.ok, "a"), CheckResult(.ok, "hidden", inSummary: false), CheckResult(.ok, "b"),
        ])
        #expect(report.summary == "a, b")
    }

    @Test("a failing result that is not in the summary still decides it")
    func failingHidden() {
        let report = CheckReport(name: "X", results: [CheckResult(.ok, "a"), CheckResult(.critical, "c", inSummary: false)])
        #expect(report.summary == "c")
    }

    @Test("long output only with verbosity or a non-OK state")
    func longOutput() {
        let results = [CheckResult(.ok, "first"), CheckResult(.ok, "second")]
        let ok = CheckReport(name: "X", results: results, details: ["detail line"])
        #expect(ok.renderNagios(verbosity: 0) == "X OK - first, second\n")
        #expect(ok.renderNagios(verbosity: 1) == "X OK - first, second\nOK: first\nOK: second\ndetail line\n")

        let bad = CheckReport(name: "X", results: [CheckResult(.ok, "first"), CheckResult(.critical, "second")], details: ["why"])
        #expect(bad.renderNagios(verbosity: 0) == "X CRITICAL - second\nOK: first\nCRITICAL: second\nwhy\n")
    }

    @Test("a single described result is not repeated in the long output")
    func singleResult() {
        let report = CheckReport(name: "X", results: [CheckResult(.warning, "w"), CheckResult.metric("m", 1)], details: ["d"])
        #expect(report.renderNagios() == "X WARNING - w | m=1\nd\n")
    }

    @Test("trace lines follow the long output")
    func trace() {
        let report = CheckReport(name: "X", results: [CheckResult(.ok, "fine")])
        #expect(report.renderNagios(verbosity: 2, trace: ["> EHLO", "< 250 ok"]) == "X OK - fine\n> EHLO\n< 250 ok\n")
    }

    @Test("an error becomes a one-result report with its detail")
    func fromError() {
        let report = CheckReport(name: "IMAP", error: .critical("connection refused", detail: ["connect to 127.0.0.1:143"]))
        #expect(report.status == .critical)
        #expect(report.renderNagios() == "IMAP CRITICAL - connection refused\nconnect to 127.0.0.1:143\n")
        let unknown = CheckReport(name: "IMAP", error: .unknown("bad"))
        #expect(unknown.renderNagios() == "IMAP UNKNOWN - bad\n")
    }

    @Test("| and line breaks in messages are neutralised", arguments: [
        "a|b", "a\nb", "a\rb", "a\r\nb", "250 ok\r\n", "x | y\n| z", "multi\r\nline\r\nreply",
    ])
    func neutralised(message: String) {
        let report = CheckReport(name: "X", results: [CheckResult(.critical, message), CheckResult(.warning, message)],
                                 details: [message])
        let text = report.renderNagios(verbosity: 1)
        // first line, two result lines, one detail line, then the final empty string
        #expect(Self.lineCount(text) == 5, "\(text.debugDescription)")
        #expect(!text.unicodeScalars.contains("\r"), "\(text.debugDescription)")
        #expect(!text.unicodeScalars.contains("|"), "\(text.debugDescription)")
        let oneLine = CheckReport.oneLine(message)
        #expect(!oneLine.unicodeScalars.contains { $0 == "\n" || $0 == "\r" || $0 == "|" }, "\(oneLine.debugDescription)")
    }

    @Test("perfdata after a pipe is the only pipe on the first line")
    func onlyPerfdataPipe() {
        let report = CheckReport(name: "X", results: [
            CheckResult.measure("a b", 1, message: "reply was 'x|y'"),
        ])
        #expect(report.renderNagios() == "X OK - reply was 'x/y' | 'a b'=1\n")
    }

    @Test("JSON output parses and has name, state, exit_code, summary, metrics")
    func json() throws {
        let thresholds = Thresholds(warning: Self.range("10"), critical: Self.range("@20:30"))
        let report = CheckReport(name: "MTA_QUEUE", results: [
            CheckResult.measure("messages", 25, thresholds: thresholds, min: 0, max: 1000, message: "25 \"messages\" queued\n\t|"),
            CheckResult.metric("time", 0.1 + 0.2, unit: .seconds),
            CheckResult(.ok, "control \u{01} char"),
        ], details: ["detail \\ backslash"])
        let text = report.renderJSON(trace: ["trace line"])
        #expect(text.hasSuffix("}\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["name"] as? String == "MTA_QUEUE")
        #expect(object["state"] as? String == "CRITICAL")
        #expect((object["exit_code"] as? NSNumber)?.intValue == 2)
        // Controls reach JSON already escaped (SafeText): a consumer that decodes the JSON
        // still gets no control character; a line break reads as a space.
        #expect(object["summary"] as? String == "25 \"messages\" queued \\x09|")
        let metrics = try #require(object["metrics"] as? [[String: Any]])
        #expect(metrics.count == 2)
        #expect(metrics[0]["label"] as? String == "messages")
        #expect((metrics[0]["value"] as? NSNumber)?.doubleValue == 25)
        #expect(metrics[0]["uom"] as? String == "")
        #expect(metrics[0]["warning"] as? String == "10")
        #expect(metrics[0]["critical"] as? String == "@20:30")
        #expect((metrics[0]["min"] as? NSNumber)?.doubleValue == 0)
        #expect((metrics[0]["max"] as? NSNumber)?.doubleValue == 1000)
        #expect(metrics[1]["label"] as? String == "time")
        #expect((metrics[1]["value"] as? NSNumber)?.doubleValue == 0.3)
        #expect(metrics[1]["uom"] as? String == "s")
        #expect(metrics[1]["warning"] == nil)
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.count == 2)
        #expect(results[1]["message"] as? String == "control \\x01 char")
        #expect(results[0]["state"] as? String == "CRITICAL")
        #expect(object["details"] as? [String] == ["detail \\ backslash", "trace line"])
    }

    @Test("JSON for each state carries its exit code", arguments: Status.allCases)
    func jsonStates(status: Status) throws {
        let text = CheckReport(name: "X", results: [CheckResult(status, "m")]).renderJSON()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["state"] as? String == status.label)
        #expect((object["exit_code"] as? NSNumber)?.int32Value == status.exitCode)
    }

    @Test("JSON string escaping", arguments: [
        ("plain", "\"plain\""), ("q\"b\\", "\"q\\\"b\\\\\""), ("a\nb\rc\td", "\"a\\\\x0Ab\\\\x0Dc\\\\x09d\""),
        ("\u{01}\u{1f}", "\"\\\\x01\\\\x1F\""), ("é😀", "\"é😀\""), ("\r\n", "\"\\\\x0D\\\\x0A\""),
        ("\u{202E}", "\"\\\\u{202E}\""),
    ] as [(String, String)])
    func jsonString(input: String, expected: String) {
        #expect(JSON.string(input) == expected)
    }
}
