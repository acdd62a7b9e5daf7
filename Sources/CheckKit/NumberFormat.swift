/// C-locale number rendering without Foundation: `.` as decimal point, no exponent, no grouping.
public enum NumberFormat {
    /// Renders `value` with at most `fractionDigits` decimals, trailing zeros trimmed
    /// (`0.5`, `12`, `0.000123`). Non-finite values render as "0" and must be filtered before.
    public static func decimal(_ value: Double, fractionDigits: Int = 6) -> String {
        guard value.isFinite else { return "0" }
        let digits = max(0, min(fractionDigits, 9))
        var scale: Double = 1
        for _ in 0..<digits { scale *= 10 }
        let magnitude = abs(value)
        // Beyond 2^63 / scale the fixed-point path would overflow; such values are integral
        // for any practical purpose, so print them without a fraction.
        if magnitude * scale >= 9.2e18 {
            return integral(value)
        }
        let scaled = UInt64((magnitude * scale).rounded())
        let whole = scaled / UInt64(scale)
        var fraction = scaled % UInt64(scale)
        var text = (value < 0 && scaled != 0 ? "-" : "") + String(whole)
        if fraction != 0 {
            var width = digits
            while fraction % 10 == 0 { fraction /= 10; width -= 1 }
            let f = String(fraction)
            text += "." + String(repeating: "0", count: width - f.count) + f
        }
        return text
    }

    /// Whole-number rendering for very large magnitudes, digit by digit, never exponent form.
    static func integral(_ value: Double) -> String {
        let v = abs(value).rounded()
        let sign = value < 0 ? "-" : ""
        if v < 9.2e18 { return sign + String(UInt64(v)) }
        // Swift prints such values as the shortest round-trip form, `1.2345e+36`: expand the
        // exponent into zeros (the digits beyond the significand are not known anyway).
        let text = "\(v)"
        guard let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }),
              let exponent = Int(text[text.index(after: e)...].filter { $0 != "+" }) else { return sign + text }
        let significand = text[..<e]
        let parts = significand.split(separator: ".", maxSplits: 1)
        let whole = parts.first.map(String.init) ?? "0"
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        let zeros = max(0, exponent - fraction.count)
        return sign + whole + fraction + String(repeating: "0", count: zeros)
    }

    /// A duration in seconds for human text: `0.012 s`, `1.5 s`.
    public static func seconds(_ value: Double) -> String {
        decimal(value, fractionDigits: value < 0.01 ? 4 : (value < 1 ? 3 : 2)) + " s"
    }

    /// A byte count for human text in binary units: `512 B`, `1.5 MiB`.
    public static func bytes(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var v = value
        var i = 0
        while abs(v) >= 1024 && i < units.count - 1 { v /= 1024; i += 1 }
        return decimal(v, fractionDigits: i == 0 ? 0 : 1) + " " + units[i]
    }
}
