import Glibc
import Testing
@testable import CheckKit

/// Golden strings for `'label'=value[UOM];[warn];[crit];[min];[max]`.
struct PerfDataTests {
    static func range(_ text: String) -> ThresholdRange {
        (try? ThresholdRange(parsing: text)) ?? ThresholdRange(start: 0, end: 0, text: "invalid")
    }

    static func render(_ label: String, _ value: Double, unit: UnitOfMeasure = .none, warning: String? = nil,
                       critical: String? = nil, min: Double? = nil, max: Double? = nil) -> String? {
        PerfDatum(label, value, unit: unit,
                  thresholds: Thresholds(warning: warning.map(range), critical: critical.map(range)),
                  min: min, max: max)?.rendered
    }

    @Test("a plain count")
    func plain() {
        #expect(Self.render("messages", 42) == "messages=42")
    }

    @Test("every field")
    func allFields() {
        #expect(Self.render("time", 0.002, unit: .seconds, warning: "1", critical: "~:2", min: 0, max: 10)
                == "time=0.002s;1;~:2;0;10")
        #expect(Self.render("queue", 17, warning: "10", critical: "20", min: 0) == "queue=17;10;20;0")
    }

    @Test("labels with a space are quoted")
    func quoted() {
        #expect(Self.render("queue size", 42) == "'queue size'=42")
        #expect(Self.render("a b c", 1, unit: .percent, warning: "80", critical: "90", min: 0, max: 100)
                == "'a b c'=1%;80;90;0;100")
        #expect(Self.render("nospace", 1) == "nospace=1")
    }

    @Test("= and ' are replaced in labels", arguments: [
        ("a=b", "a_b=1"), ("it's", "it_s=1"), ("it's a=b", "'it_s a_b'=1"), ("==", "__=1"), ("'", "_=1"),
        ("a|b", "a_b=1"), ("", "_=1"),
    ] as [(String, String)])
    func sanitized(label: String, expected: String) {
        #expect(Self.render(label, 1) == expected)
    }

    @Test("line breaks in labels never break the output line", arguments: ["a\nb", "a\r\nb", "a\rb", "line\r\n", "x\n"])
    func labelLineBreaks(label: String) throws {
        let rendered = try #require(Self.render(label, 1))
        #expect(!rendered.unicodeScalars.contains("\n"), "\(rendered.debugDescription)")
        #expect(!rendered.unicodeScalars.contains("\r"), "\(rendered.debugDescription)")
    }

    @Test("each UOM", arguments: [
        (UnitOfMeasure.none, "x=5"), (.seconds, "x=5s"), (.milliseconds, "x=5ms"), (.microseconds, "x=5us"),
        (.percent, "x=5%"), (.bytes, "x=5B"), (.kilobytes, "x=5KB"), (.megabytes, "x=5MB"), (.terabytes, "x=5TB"),
        (.counter, "x=5c"),
    ] as [(UnitOfMeasure, String)])
    func units(unit: UnitOfMeasure, expected: String) {
        #expect(Self.render("x", 5, unit: unit) == expected)
    }

    @Test("only the guidelines' units exist")
    func unitSet() {
        #expect(Set(UnitOfMeasure.allCases.map(\.rawValue)) == ["", "s", "ms", "us", "%", "B", "KB", "MB", "TB", "c"])
    }

    @Test("trailing empty fields are left off, inner ones kept")
    func trailingFields() {
        #expect(Self.render("x", 1, warning: "5") == "x=1;5")
        #expect(Self.render("x", 1, critical: "5") == "x=1;;5")
        #expect(Self.render("x", 1, min: 0) == "x=1;;;0")
        #expect(Self.render("x", 1, max: 100) == "x=1;;;;100")
        #expect(Self.render("x", 1, warning: "5", max: 100) == "x=1;5;;;100")
        #expect(Self.render("x", 1, unit: .bytes, critical: "9", min: 0) == "x=1B;;9;0")
    }

    @Test("warn/crit are the ranges as the user gave them", arguments: ["@10:20", "~:5", "10:", "+5", "0.50", "-1.0:2", "@~:0"])
    func rangeText(text: String) {
        #expect(Self.render("x", 1, warning: text, critical: text) == "x=1;\(text);\(text)")
    }

    @Test("NaN and infinities cannot become a datum", arguments: [Double.nan, .infinity, -.infinity, -Double.nan])
    func nonFiniteValue(value: Double) {
        #expect(PerfDatum("x", value) == nil)
        #expect(PerfDatum("x", value, unit: .seconds, min: 0, max: 1) == nil)
    }

    @Test("non-finite min and max are left out", arguments: [Double.nan, .infinity, -.infinity])
    func nonFiniteBounds(bound: Double) {
        #expect(Self.render("x", 1, min: bound, max: bound) == "x=1")
        #expect(Self.render("x", 1, min: 0, max: bound) == "x=1;;;0")
    }

    @Test("values in the C locale", arguments: [
        (1e-7, "x=0s"), (123456789012, "x=123456789012s"), (0.1 + 0.2, "x=0.3s"), (-0.0, "x=0s"),
        (-1.5, "x=-1.5s"), (1e20, "x=100000000000000000000s"), (1234567.25, "x=1234567.25s"), (0.000001, "x=0.000001s"),
    ] as [(Double, String)])
    func cLocale(value: Double, expected: String) {
        #expect(Self.render("x", value, unit: .seconds) == expected)
    }

    /// A huge measured value (or min/max) trapped in NumberFormat; run in a child process.
    @Test("huge values and bounds render without trapping")
    func hugeValues() async {
        await #expect(processExitsWith: .success) {
            guard let datum = PerfDatum("x", 1e300, unit: .bytes, min: 0, max: 1e40),
                  datum.rendered == "x=1" + String(repeating: "0", count: 300) + "B;;;0;1" + String(repeating: "0", count: 40)
            else { exit(1) }
        }
    }

    @Test("min and max are C-locale numbers too")
    func boundsFormat() {
        #expect(Self.render("x", 0.5, min: -0.0, max: 1e12) == "x=0.5;;;0;1000000000000")
        #expect(Self.render("x", 0.5, min: 0.1 + 0.2, max: 2.5) == "x=0.5;;;0.3;2.5")
    }

    @Test("no rendering ever contains U, a comma, nan or inf", arguments: [0.0, 1e-9, -7.25, 1e30, 99.5])
    func neverForbidden(value: Double) throws {
        let rendered = try #require(Self.render("metric", value, unit: .percent, warning: "1", critical: "2", min: 0, max: 100))
        let valuePart = rendered.split(separator: "=", maxSplits: 1)[1]
        #expect(!valuePart.contains("U") && !valuePart.contains(",") && !valuePart.lowercased().contains("nan")
                && !valuePart.lowercased().contains("inf") && !valuePart.contains("e"))
    }
}

/// Results built from thresholds: the perfdata and the state come from the same ranges.
struct CheckResultTests {
    @Test("measure evaluates and records the same thresholds")
    func measure() throws {
        let thresholds = Thresholds(warning: PerfDataTests.range("10"), critical: PerfDataTests.range("20"))
        let result = CheckResult.measure("queue", 15, thresholds: thresholds, min: 0, message: "15 queued")
        #expect(result.status == .warning)
        #expect(result.message == "15 queued")
        #expect(result.perfdata.map(\.rendered) == ["queue=15;10;20;0"])
        #expect(CheckResult.measure("queue", 25, thresholds: thresholds, message: "m").status == .critical)
        #expect(CheckResult.measure("queue", 5, thresholds: thresholds, message: "m").status == .ok)
    }

    @Test("a value that cannot be measured is UNKNOWN without perfdata", arguments: [Double.nan, .infinity, -.infinity])
    func unmeasurable(value: Double) {
        let result = CheckResult.measure("lag", value, unit: .seconds, message: "lag is x")
        #expect(result.status == .unknown)
        #expect(result.perfdata.isEmpty)
        #expect(result.message.contains("lag"))
    }

    @Test("metric is perfdata only")
    func metric() {
        let result = CheckResult.metric("connect", 0.25, unit: .seconds, min: 0)
        #expect(result.status == .ok)
        #expect(result.message.isEmpty)
        #expect(!result.inSummary)
        #expect(result.perfdata.map(\.rendered) == ["connect=0.25s;;;0"])
        #expect(CheckResult.metric("connect", .nan).perfdata.isEmpty)
    }
}
