import Testing
@testable import CheckKit

struct OptionParserTests {
    static let specs: [OptionSpec] = [
        OptionSpec("warning", short: "w", value: "RANGE", help: "w"),
        OptionSpec("critical", short: "c", value: "RANGE", help: "c"),
        OptionSpec("verbose", short: "v", help: "v"),
        OptionSpec("tls", help: "t"),
        OptionSpec("port", short: "p", value: "PORT", help: "p"),
        OptionSpec("ratio", value: "NUMBER", help: "r"),
        OptionSpec("mode", value: "MODE", help: "m"),
        OptionSpec("phase-warning", value: "NAME=RANGE", help: "pw"),
        OptionSpec("hostname", short: "H", value: "HOST", help: "h"),
    ]

    static func parse(_ arguments: [String]) throws(UsageError) -> ParsedOptions {
        try OptionParser.parse(arguments, specs: specs)
    }

    static func usageMessage(_ arguments: [String]) -> String? {
        do {
            _ = try parse(arguments)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("value forms", arguments: [
        ["--warning=10:20"], ["--warning", "10:20"], ["-w", "10:20"], ["-w10:20"],
    ])
    func valueForms(arguments: [String]) throws {
        let options = try Self.parse(arguments)
        #expect(options.string("warning") == "10:20")
        #expect(options.has("warning"))
        #expect(!options.has("critical"))
        #expect(options.string("critical") == nil)
    }

    @Test("values may look like options or be empty")
    func oddValues() throws {
        let options = try Self.parse(["-w", "-5:", "--critical=", "--hostname", "--tls"])
        #expect(options.string("warning") == "-5:")
        #expect(options.string("critical") == "")
        #expect(options.string("hostname") == "--tls")
        #expect(!options.flag("tls"))
    }

    @Test("an = in an inline value is kept")
    func equalsInValue() throws {
        let options = try Self.parse(["--phase-warning=ehlo=0.5", "--mode=a=b"])
        #expect(options.string("phase-warning") == "ehlo=0.5")
        #expect(options.string("mode") == "a=b")
    }

    @Test("-vvv counts", arguments: [
        (["-vvv"], 3), (["-v", "-v"], 2), (["--verbose", "-vv"], 3), ([], 0), (["-v"], 1), (["-vvvvv"], 5),
    ] as [([String], Int)])
    func counting(arguments: [String], expected: Int) throws {
        let options = try Self.parse(arguments)
        #expect(options.count("verbose") == expected)
        #expect(options.flag("verbose") == (expected > 0))
        #expect(options.has("verbose") == (expected > 0))
    }

    @Test("bundled flags end at an option that takes a value")
    func bundled() throws {
        let options = try Self.parse(["-vvw5", "-vc", "7"])
        #expect(options.count("verbose") == 3)
        #expect(options.string("warning") == "5")
        #expect(options.string("critical") == "7")
    }

    @Test("the last value wins, every value is kept")
    func repeated() throws {
        let options = try Self.parse(["-w", "1", "--warning=2", "-w3"])
        #expect(options.string("warning") == "3")
        #expect(options.strings("warning") == ["1", "2", "3"])
        #expect(options.strings("critical") == [])
    }

    @Test("long flags")
    func longFlag() throws {
        let options = try Self.parse(["--tls", "--tls"])
        #expect(options.flag("tls"))
        #expect(options.count("tls") == 2)
    }

    @Test("errors name the option", arguments: [
        (["--bogus"], "unknown option --bogus"),
        (["--bogus=1"], "unknown option --bogus"),
        (["-x"], "unknown option -x"),
        (["-vx"], "unknown option -x"),
        (["--"], nil),
        (["-w"], "option -w/--warning needs a value (RANGE)"),
        (["--warning"], "option -w/--warning needs a value (RANGE)"),
        (["-v", "--critical"], "option -c/--critical needs a value (RANGE)"),
        (["--ratio"], "option --ratio needs a value (NUMBER)"),
        (["--verbose=3"], "option -v/--verbose takes no value"),
        (["--tls=yes"], "option --tls takes no value"),
        (["--tls="], "option --tls takes no value"),
        (["stray"], "unexpected argument 'stray'"),
        (["-w", "5", "stray"], "unexpected argument 'stray'"),
        (["-"], "unexpected argument '-'"),
        (["--", "-w"], "unexpected argument '-w'"),
        (["-w", "1", "--", "extra"], "unexpected argument 'extra'"),
        (["--Warning=1"], "unknown option --Warning"),
        (["-W"], "unknown option -W"),
    ] as [([String], String?)])
    func errors(arguments: [String], expected: String?) {
        #expect(Self.usageMessage(arguments) == expected)
    }

    @Test("-- ends the options")
    func doubleDash() throws {
        let options = try Self.parse(["-w", "1", "--"])
        #expect(options.string("warning") == "1")
    }

    @Test("displayName")
    func displayName() {
        #expect(OptionSpec("warning", short: "w", value: "R", help: "").displayName == "-w/--warning")
        #expect(OptionSpec("tls", help: "").displayName == "--tls")
    }
}

struct ParsedOptionsTests {
    static func parse(_ arguments: [String]) -> ParsedOptions? {
        try? OptionParser.parse(arguments, specs: OptionParserTests.specs)
    }

    static func message<T>(_ body: () throws(UsageError) -> T) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return error.message
        }
    }

    @Test("int: default, value, errors naming option and text")
    func int() throws {
        let absent = try #require(Self.parse([]))
        #expect(try absent.int("port", default: 25, in: 1...65535) == 25)
        let given = try #require(Self.parse(["-p", "587"]))
        #expect(try given.int("port", default: 25, in: 1...65535) == 587)
        for bad in ["0", "65536", "x", "25x", " 25", "2.5", "", "99999999999999999999999"] {
            let options = try #require(Self.parse(["--port", bad]))
            #expect(Self.message { () throws(UsageError) in try options.int("port", default: 25, in: 1...65535) }
                    == "invalid value '\(bad)' for -p/--port: expected a whole number from 1 to 65535")
        }
    }

    @Test("double: strict decimals within bounds")
    func double() throws {
        #expect(try #require(Self.parse([])).double("ratio", in: 0...1) == nil)
        #expect(try #require(Self.parse(["--ratio", "0.25"])).double("ratio", in: 0...1) == 0.25)
        #expect(try #require(Self.parse(["--ratio=1"])).double("ratio", in: 0...1) == 1)
        #expect(try #require(Self.parse(["--ratio=-0.5"])).double("ratio", in: -1...1) == -0.5)
        for bad in ["1.5", "-0.1", "nan", "inf", "1e-1", "x", "", "0.5x", " 0.5", "1.2.3"] {
            let options = try #require(Self.parse(["--ratio", bad]))
            #expect(Self.message { () throws(UsageError) in try options.double("ratio", in: 0...1) }
                    == "invalid value '\(bad)' for --ratio: expected a number from 0 to 1")
        }
        let options = try #require(Self.parse(["--ratio", "9"]))
        #expect(Self.message { () throws(UsageError) in try options.double("ratio", in: 0.5...2.25) }
                == "invalid value '9' for --ratio: expected a number from 0.5 to 2.25")
    }

    @Test("range: parsed strictly, errors name option and text", arguments: [
        ("10x", "invalid range '10x' for -w/--warning: '10x' is not a number"),
        ("20:10", "invalid range '20:10' for -w/--warning: start is greater than end"),
        ("", "invalid range '' for -w/--warning: empty range"),
        ("@", "invalid range '@' for -w/--warning: empty range"),
        (":10", "invalid range ':10' for -w/--warning: start is empty (use ~ for minus infinity)"),
        ("1e5", "invalid range '1e5' for -w/--warning: '1e5' is not a number"),
    ] as [(String, String)])
    func rangeErrors(text: String, expected: String) throws {
        let options = try #require(Self.parse(["-w", text]))
        #expect(Self.message { () throws(UsageError) in try options.range("warning") } == expected)
    }

    @Test("range and thresholds when valid")
    func rangeValid() throws {
        let options = try #require(Self.parse(["-w", "10", "-c", "@20:30"]))
        #expect(try options.range("warning")?.text == "10")
        #expect(try options.range("hostname") == nil)
        let thresholds = try options.thresholds()
        #expect(thresholds.warning?.end == 10)
        #expect(thresholds.critical?.alertsInside == true)
        #expect(thresholds.evaluate(25) == .critical)
        #expect(thresholds.evaluate(11) == .warning)
        #expect(thresholds.evaluate(5) == .ok)
        let none = try #require(Self.parse([]))
        #expect(try none.thresholds().isEmpty)
    }

    @Test("thresholds names the critical option in its error")
    func thresholdsError() throws {
        let options = try #require(Self.parse(["-w", "10", "-c", "abc"]))
        #expect(Self.message { () throws(UsageError) in try options.thresholds() }
                == "invalid range 'abc' for -c/--critical: 'abc' is not a number")
    }

    @Test("choice")
    func choice() throws {
        #expect(try #require(Self.parse([])).choice("mode", ["a", "b"], default: "a") == "a")
        #expect(try #require(Self.parse(["--mode", "b"])).choice("mode", ["a", "b"], default: "a") == "b")
        let bad = try #require(Self.parse(["--mode", "B"]))
        #expect(Self.message { () throws(UsageError) in try bad.choice("mode", ["a", "b"], default: "a") }
                == "invalid value 'B' for --mode: expected one of a, b")
    }

    @Test("namedRanges")
    func namedRanges() throws {
        let options = try #require(Self.parse(["--phase-warning", "ehlo=0.5", "--phase-warning=CONNECT=@1:2"]))
        let ranges = try options.namedRanges("phase-warning", names: ["connect", "ehlo", "tls"])
        #expect(ranges.count == 2)
        #expect(ranges["ehlo"]?.text == "0.5")
        #expect(ranges["connect"]?.alertsInside == true)
        #expect(try #require(Self.parse([])).namedRanges("phase-warning", names: ["x"]).isEmpty)
    }

    @Test("namedRanges errors name the option and the bad text", arguments: [
        ("ehlo", "invalid value 'ehlo' for --phase-warning: expected NAME=RANGE"),
        ("helo=1", "unknown name 'helo' in --phase-warning: expected one of connect, ehlo"),
        ("ehlo=x", "invalid range 'x' for --phase-warning ehlo: 'x' is not a number"),
        ("ehlo=", "invalid range '' for --phase-warning ehlo: empty range"),
        ("connect=5:1", "invalid range '5:1' for --phase-warning connect: start is greater than end"),
    ] as [(String, String)])
    func namedRangesErrors(item: String, expected: String) throws {
        let options = try #require(Self.parse(["--phase-warning", item]))
        #expect(Self.message { () throws(UsageError) in try options.namedRanges("phase-warning", names: ["connect", "ehlo"]) }
                == expected)
    }

    @Test("the static range helper names the option")
    func staticRange() {
        #expect(Self.message { () throws(UsageError) in try ParsedOptions.range("nan", option: "--lag") }
                == "invalid range 'nan' for --lag: 'nan' is not a number")
    }
}
