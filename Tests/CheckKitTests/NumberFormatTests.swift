import Glibc
import Testing
@testable import CheckKit

/// C-locale rendering: `.` as decimal point, no exponent, no grouping.
struct NumberFormatTests {
    static let decimalTable: [(Double, String)] = [
        (0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (12, "12"), (0.5, "0.5"), (-1.5, "-1.5"),
        (0.1 + 0.2, "0.3"), (1.0 / 3.0, "0.333333"), (2.0 / 3.0, "0.666667"),
        (0.000123, "0.000123"), (0.000001, "0.000001"), (0.0000004, "0"), (-0.0000004, "0"),
        (123456789012, "123456789012"), (1234567.5, "1234567.5"), (-123456789012, "-123456789012"),
        (1e13, "10000000000000"), (1e15, "1000000000000000"), (1e20, "100000000000000000000"),
        (-1e20, "-100000000000000000000"), (9.9999999, "10"), (100.25, "100.25"), (0.05, "0.05"),
    ]

    @Test("decimal renders in the C locale", arguments: decimalTable)
    func decimal(value: Double, expected: String) {
        #expect(NumberFormat.decimal(value) == expected)
    }

    static let extremes: [Double] = [
        1e-7, -1e-7, 1e-300, Double.leastNonzeroMagnitude, 1e30, -1e30, 1e35,
        9.2e18, 9.3e18, 18446744073709551616, 123456789.123456789, 0.1 + 0.2, -0.0,
    ]

    @Test("no exponent, no comma, no blanks, no sign on zero", arguments: extremes)
    func plainDigits(value: Double) {
        let text = NumberFormat.decimal(value)
        #expect(!text.isEmpty)
        #expect(text.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }, "\(value) -> \(text)")
        #expect(!text.contains("e") && !text.contains("E") && !text.contains(","))
        #expect(text != "-0")
        #expect(text.filter { $0 == "." }.count <= 1)
        if let parsed = Double(text) {
            // Rounded to at most 6 decimals; big values are exact up to double precision.
            #expect(abs(parsed - value) <= max(0.5e-6, abs(value) * 1e-12), "\(value) -> \(text)")
        } else {
            Issue.record("\(text) is not a number")
        }
    }

    /// Values from about 1e36 up trapped in `integral` (Int conversion of a huge remainder); a trap
    /// would end the plugin with "return code 132", so they run in a child process here.
    @Test("huge magnitudes render as plain digits without trapping")
    func hugeValues() async {
        await #expect(processExitsWith: .success) {
            let values: [Double] = [1e36, -1e36, 3.4e38, 1e40, 1e100, -1e100, 1e300,
                                    Double.greatestFiniteMagnitude, -Double.greatestFiniteMagnitude]
            for value in values {
                let text = NumberFormat.decimal(value)
                let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
                guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                      let parsed = Double(text), abs(parsed - value) <= abs(value) * 1e-12 else { exit(1) }
            }
        }
    }

    @Test("1e-7 renders without exponent, exactly with enough digits")
    func tiny() {
        #expect(NumberFormat.decimal(1e-7) == "0")
        #expect(NumberFormat.decimal(1e-7, fractionDigits: 9) == "0.0000001")
        #expect(NumberFormat.decimal(-1e-7, fractionDigits: 9) == "-0.0000001")
    }

    @Test("fraction digits are clamped and trailing zeros trimmed", arguments: [
        (2.5, 0, "3"), (2.4, 0, "2"), (1.23456789, 2, "1.23"), (1.235, 1, "1.2"), (1.25, 1, "1.3"),
        (1.5, -3, "2"), (0.123456789123, 20, "0.123456789"), (0.10, 3, "0.1"), (3.14159, 4, "3.1416"),
    ] as [(Double, Int, String)])
    func fractionDigits(value: Double, digits: Int, expected: String) {
        #expect(NumberFormat.decimal(value, fractionDigits: digits) == expected)
    }

    @Test("non-finite values render as 0 (callers filter them first)", arguments: [Double.nan, .infinity, -.infinity])
    func nonFinite(value: Double) {
        #expect(NumberFormat.decimal(value) == "0")
    }

    @Test("seconds for human text", arguments: [
        (0.012, "0.012 s"), (1.5, "1.5 s"), (0.0001234, "0.0001 s"), (12.346, "12.35 s"), (0, "0 s"), (0.5, "0.5 s"),
    ] as [(Double, String)])
    func seconds(value: Double, expected: String) {
        #expect(NumberFormat.seconds(value) == expected)
    }

    @Test("bytes in binary units", arguments: [
        (512.0, "512 B"), (0, "0 B"), (1024, "1 KiB"), (1536, "1.5 KiB"), (1.5 * 1048576, "1.5 MiB"),
        (3 * 1073741824.0, "3 GiB"), (1099511627776, "1 TiB"), (2 * 1125899906842624.0, "2 PiB"),
        (4096 * 1125899906842624.0, "4096 PiB"), (-2048, "-2 KiB"),
    ] as [(Double, String)])
    func bytes(value: Double, expected: String) {
        #expect(NumberFormat.bytes(value) == expected)
    }
}
