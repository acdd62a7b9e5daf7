import CheckKit
#if canImport(Glibc)
import Glibc
#endif

/// Parsing and wording of the check's quantities: durations with units, byte ranges with
/// suffixes, rates, times to full and UTC dates. No Foundation, C locale only.
enum GrowthUnits {
    static let day: Double = 86400
    /// Ten years in seconds, the longest `--window`.
    static let longestWindow: Double = 3650 * day

    /// `90s`, `30m`, `12h`, `7d` or a bare number of seconds (fractions allowed), in seconds.
    static func duration(_ text: String, option: String) throws(UsageError) -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": day]
        var body = Substring(text)
        var scale: Double = 1
        if let last = body.last, let unit = units[last] {
            scale = unit
            body = body.dropLast()
        }
        guard let number = plainNumber(body), number >= 0, number * scale <= longestWindow else {
            throw UsageError("invalid value '\(text)' for \(option): expected a duration such as 90s, 30m, 12h or 7d (at most 3650d)")
        }
        return number * scale
    }

    /// A byte-rate range `[@]start:end` whose endpoints may end in K, M, G or T (powers of
    /// 1024), rewritten in plain bytes so that the perfdata carries the same unit as the value.
    static func byteRange(_ text: String, option: String) throws(UsageError) -> ThresholdRange {
        let multipliers: [Character: Double] = ["K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776]
        var body = Substring(text)
        var prefix = ""
        if body.first == "@" {
            prefix = "@"
            body = body.dropFirst()
        }
        var parts: [String] = []
        for part in body.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false) {
            guard let last = part.last, let multiplier = multipliers[Character(last.uppercased())] else {
                parts.append(String(part))
                continue
            }
            guard let number = plainNumber(part.dropLast()) else {
                throw UsageError("invalid range '\(text)' for \(option): '\(part)' is not a number of bytes")
            }
            parts.append(NumberFormat.decimal(number * multiplier, fractionDigits: 3))
        }
        do {
            return try ParsedOptions.range(prefix + parts.joinedText(":"), option: option)
        } catch {
            // Name the text the user typed, not the rewritten one.
            throw UsageError("invalid range '\(text)' for \(option): expected [@]START:END in bytes per day, K/M/G/T allowed")
        }
    }

    /// An optionally signed decimal without exponent, `inf` or `nan` (Double(String) takes all three).
    static func plainNumber(_ s: Substring) -> Double? {
        var digits = 0
        var dots = 0
        for (i, c) in s.enumerated() {
            if c == "-" || c == "+" {
                if i != 0 { return nil }
            } else if c == "." {
                dots += 1
            } else if c.isASCII && c.isNumber {
                digits += 1
            } else {
                return nil
            }
        }
        guard digits > 0, dots <= 1, let value = Double(String(s)), value.isFinite else { return nil }
        return value
    }

    /// `+2.1 GiB/day`, `-512 B/day`.
    static func rate(bytesPerDay: Double) -> String {
        (bytesPerDay < 0 ? "-" : "+") + NumberFormat.bytes(abs(bytesPerDay)) + "/day"
    }

    /// `+350 inodes/day`, `+0.4 inodes/day`.
    static func rate(inodesPerDay: Double) -> String {
        let magnitude = abs(inodesPerDay)
        return (inodesPerDay < 0 ? "-" : "+") + NumberFormat.decimal(magnitude, fractionDigits: magnitude < 10 ? 1 : 0) + " inodes/day"
    }

    /// How long until full, rounded down so the text never promises more time than the fit:
    /// `43 days`, `4.5 days`, `30 hours`, `45 minutes`.
    static func span(_ seconds: Double) -> String {
        let s = max(0, seconds)
        if s >= 10 * day { return NumberFormat.decimal((s / day).rounded(.down), fractionDigits: 0) + " days" }
        if s >= 2 * day { return NumberFormat.decimal((s / day * 10).rounded(.down) / 10, fractionDigits: 1) + " days" }
        if s >= 2 * 3600 { return NumberFormat.decimal((s / 3600).rounded(.down), fractionDigits: 0) + " hours" }
        if s >= 120 { return NumberFormat.decimal((s / 60).rounded(.down), fractionDigits: 0) + " minutes" }
        return NumberFormat.decimal(s.rounded(.down), fractionDigits: 0) + " seconds"
    }

    /// A duration option echoed back: `7d`, `1.5h`, `90s`.
    static func shortDuration(_ seconds: Double) -> String {
        for (unit, size) in [("d", day), ("h", 3600.0), ("m", 60.0)] where seconds >= size {
            return NumberFormat.decimal(seconds / size, fractionDigits: 1) + unit
        }
        return NumberFormat.decimal(seconds, fractionDigits: 1) + "s"
    }

    /// `2027-01-07` (UTC), or `2027-01-07 14:03 UTC` with `time`; "?" for a moment gmtime cannot show.
    static func date(_ epoch: Double, time: Bool = false) -> String {
        // Within +-3000 years the conversion to time_t can neither trap nor overflow gmtime.
        guard epoch.isFinite, abs(epoch) < 9e10 else { return "?" }
        var seconds = time_t(epoch.rounded(.down))
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return "?" }
        var text = "\(Int(parts.tm_year) + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))"
        if time { text += " \(pad(parts.tm_hour)):\(pad(parts.tm_min)) UTC" }
        return text
    }

    static func pad(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Used percent in the summary, rounded up as df(1) does: 0.1 % used is "1%", never "0%".
    static func percent(_ value: Double) -> String {
        NumberFormat.decimal(min(100, max(0, value)).rounded(.up), fractionDigits: 0) + "%"
    }
}
