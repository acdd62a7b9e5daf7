import Testing
@testable import CheckKit

/// The range grammar of the conventions, pinned with boundary values.
struct RangeTests {
    /// (range text, value, alerts?)
    static let alertTable: [(String, Double, Bool)] = [
        // `10`: alert when < 0 or > 10
        ("10", -1, true), ("10", -0.0001, true), ("10", 0, false), ("10", 5, false),
        ("10", 10, false), ("10", 10.0001, true), ("10", 11, true),
        // `0`: only zero is fine
        ("0", 0, false), ("0", 0.1, true), ("0", -0.1, true),
        // `10:`: alert when < 10
        ("10:", -5, true), ("10:", 9.999, true), ("10:", 10, false), ("10:", 11, false), ("10:", 1e12, false),
        // `~:10`: alert when > 10
        ("~:10", -1e12, false), ("~:10", -1, false), ("~:10", 10, false), ("~:10", 10.5, true),
        // `10:20`: alert outside [10, 20]
        ("10:20", 9.99, true), ("10:20", 10, false), ("10:20", 15, false), ("10:20", 20, false), ("10:20", 20.01, true),
        // `@10:20`: alert inside [10, 20], endpoints included
        ("@10:20", 9.99, false), ("@10:20", 10, true), ("@10:20", 15, true), ("@10:20", 20, true), ("@10:20", 20.01, false),
        // `@` with the other forms
        ("@10", -1, false), ("@10", 0, true), ("@10", 10, true), ("@10", 10.5, false),
        ("@10:", 9, false), ("@10:", 10, true), ("@10:", 1e12, true),
        ("@~:10", -1e12, true), ("@~:10", 10, true), ("@~:10", 10.1, false),
        // negative endpoints
        ("-10:-5", -10.5, true), ("-10:-5", -10, false), ("-10:-5", -7, false), ("-10:-5", -5, false), ("-10:-5", -4.9, true),
        ("~:-5", -5, false), ("~:-5", -4.99, true),
        ("-5:", -5, false), ("-5:", -5.01, true),
        // fractional endpoints
        ("0.5:1.5", 0.49, true), ("0.5:1.5", 0.5, false), ("0.5:1.5", 1.5, false), ("0.5:1.5", 1.51, true),
        ("@-1.5:2.25", -1.51, false), ("@-1.5:2.25", -1.5, true), ("@-1.5:2.25", 0, true), ("@-1.5:2.25", 2.25, true), ("@-1.5:2.25", 2.26, false),
        ("0.25", 0.25, false), ("0.25", 0.2501, true),
        // explicit plus sign
        ("+5", 5, false), ("+5", 5.5, true),
        // degenerate one-point ranges
        ("5:5", 5, false), ("5:5", 5.001, true), ("@5:5", 5, true), ("@5:5", 4.999, false),
    ]

    @Test("alerts(on:) follows the conventions' table", arguments: alertTable)
    func alerts(text: String, value: Double, expected: Bool) throws {
        let range = try ThresholdRange(parsing: text)
        #expect(range.alerts(on: value) == expected, "range \(text) value \(value)")
    }

    /// (text, start, end, inside)
    static let structureTable: [(String, Double, Double, Bool)] = [
        ("10", 0, 10, false),
        ("10:", 10, .infinity, false),
        ("~:10", -.infinity, 10, false),
        ("10:20", 10, 20, false),
        ("@10:20", 10, 20, true),
        ("@10", 0, 10, true),
        ("@~:10", -.infinity, 10, true),
        ("-10:-5", -10, -5, false),
        ("-1.5:2.25", -1.5, 2.25, false),
        ("0", 0, 0, false),
        ("+7", 0, 7, false),
        ("-0", 0, 0, false),
    ]

    @Test("parses start, end and @", arguments: structureTable)
    func structure(text: String, start: Double, end: Double, inside: Bool) throws {
        let range = try ThresholdRange(parsing: text)
        #expect(range.start == start)
        #expect(range.end == end)
        #expect(range.alertsInside == inside)
        #expect(range.text == text)
        #expect(range.description == text)
    }

    static let rejected: [String] = [
        "@", "", ":10", ":", "10x", "x", "nan", "inf", "1e5", "20:10", "1.2.3", "--1", " 10",
        "10 ", "10: ", " ", "@@10", "@:10", "10:20:30", "~", "~10", "-", "+", ".", "-.", "10:x", "x:10",
        "NaN", "-inf", "Infinity", "1E5", "0x10", "1,5", "1_000", "10:-10", "-5", "+-1", "1-", "5:~",
        "1e400", "10:inf", "@20:10", "\u{0661}\u{0660}", "10\n", "1" + String(repeating: "0", count: 400),
    ]

    @Test("rejects malformed ranges with the text and a reason", arguments: rejected)
    func rejects(text: String) {
        #expect {
            _ = try ThresholdRange(parsing: text)
        } throws: { error in
            guard let error = error as? ThresholdRange.ParseError else { return false }
            return error.text == text && !error.reason.isEmpty
        }
    }

    @Test("an inverted range says start is greater than end")
    func invertedReason() {
        #expect(throws: ThresholdRange.ParseError(text: "20:10", reason: "start is greater than end")) {
            _ = try ThresholdRange(parsing: "20:10")
        }
    }

    @Test("an empty start says to use ~")
    func emptyStartReason() throws {
        do {
            _ = try ThresholdRange(parsing: ":10")
            Issue.record("':10' was accepted")
        } catch {
            #expect(error.reason.contains("~"))
        }
    }

    @Test("junk names the bad number")
    func junkReason() throws {
        do {
            _ = try ThresholdRange(parsing: "5:10x")
            Issue.record("'5:10x' was accepted")
        } catch {
            #expect(error.reason.contains("'10x'"))
        }
    }

    @Test("built ranges keep their text and bounds")
    func builtRange() {
        let range = ThresholdRange(start: 7, end: .infinity, text: "7:")
        #expect(range.alerts(on: 6.9))
        #expect(!range.alerts(on: 7))
        #expect(range.description == "7:")
        let inside = ThresholdRange(start: 1, end: 2, alertsInside: true, text: "@1:2")
        #expect(inside.alerts(on: 1.5))
        #expect(!inside.alerts(on: 3))
    }
}

/// Warning/critical pairs: critical first, and the two are never swapped.
struct ThresholdsTests {
    static func range(_ text: String) -> ThresholdRange {
        // Only called with valid literals below.
        (try? ThresholdRange(parsing: text)) ?? ThresholdRange(start: 0, end: 0, text: "invalid")
    }

    /// (warning, critical, value, expected)
    static let table: [(String?, String?, Double, Status)] = [
        // -w 10 -c 20: upper limits
        ("10", "20", 5, .ok), ("10", "20", 10, .ok), ("10", "20", 10.5, .warning), ("10", "20", 15, .warning),
        ("10", "20", 20, .warning), ("10", "20", 20.5, .critical), ("10", "20", -1, .critical),
        // lower limits: -w 10: -c 5:
        ("10:", "5:", 11, .ok), ("10:", "5:", 10, .ok), ("10:", "5:", 7, .warning), ("10:", "5:", 5, .warning), ("10:", "5:", 4.9, .critical),
        // ~ form
        ("~:100", "~:200", 100, .ok), ("~:100", "~:200", 150, .warning), ("~:100", "~:200", 201, .critical),
        // inside ranges
        ("@10:20", "@15:17", 9, .ok), ("@10:20", "@15:17", 12, .warning), ("@10:20", "@15:17", 16, .critical), ("@10:20", "@15:17", 17.5, .warning),
        // only one of the two
        ("10", nil, 11, .warning), ("10", nil, 9, .ok),
        (nil, "20", 21, .critical), (nil, "20", 15, .ok),
        (nil, nil, 1e9, .ok),
        // critical evaluated first even when warning also alerts
        ("5", "3", 4, .critical), ("5", "3", 6, .critical), ("3", "5", 4, .warning), ("3", "5", 6, .critical),
    ]

    @Test("critical is evaluated before warning", arguments: table)
    func evaluate(warning: String?, critical: String?, value: Double, expected: Status) {
        let thresholds = Thresholds(warning: warning.map(Self.range), critical: critical.map(Self.range))
        #expect(thresholds.evaluate(value) == expected, "w=\(warning ?? "-") c=\(critical ?? "-") value=\(value)")
    }

    @Test func isEmpty() {
        #expect(Thresholds().isEmpty)
        #expect(!Thresholds(warning: Self.range("1")).isEmpty)
        #expect(!Thresholds(critical: Self.range("1")).isEmpty)
    }
}
