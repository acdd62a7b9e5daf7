#if canImport(Glibc)
import Glibc
#endif

/// RFC 5322 dates (`Tue, 25 Nov 2026 13:58:12 +0000`) without Foundation: written for the
/// probe's Date header, read from Received headers. Whole seconds only, as the format has.
enum MailDate {
    static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `seconds` since the epoch as an RFC 5322 date in UTC.
    static func format(_ seconds: Double) -> String {
        var time = time_t(max(0, min(seconds, 1e11)).rounded(.down))
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return "Thu, 01 Jan 1970 00:00:00 +0000" }
        let day = days[Int(parts.tm_wday) % 7]
        let month = months[Int(parts.tm_mon) % 12]
        return "\(day), \(two(Int(parts.tm_mday))) \(month) \(Int(parts.tm_year) + 1900) " +
            "\(two(Int(parts.tm_hour))):\(two(Int(parts.tm_min))):\(two(Int(parts.tm_sec))) +0000"
    }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    /// Seconds since the epoch of a date as Received headers carry it: an optional day name,
    /// `D Mon YYYY HH:MM[:SS]`, a numeric zone or UT/UTC/GMT/Z, an optional comment. Nil for
    /// anything else, and for fields out of range.
    static func parse(_ text: String) -> Double? {
        var words = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," }).map(String.init)
        if let first = words.first, days.contains(where: { first.caseInsensitiveEquals($0) }) { words.removeFirst() }
        guard words.count >= 4,
              let day = Int(words[0]), (1...31).contains(day),
              let month = months.firstIndex(where: { words[1].caseInsensitiveEquals($0) }),
              var year = Int(words[2]), words[2].count <= 4 else { return nil }
        // RFC 5322 obsolete two-digit years.
        if year < 50 { year += 2000 } else if year < 1000 { year += 1900 }
        let clock = words[3].split(separator: ":").map { Int($0) }
        guard clock.count == 2 || clock.count == 3, let hour = clock[0], let minute = clock[1],
              (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        let second = clock.count == 3 ? (clock[2] ?? -1) : 0
        guard (0...60).contains(second) else { return nil }
        guard let offset = zone(words.count > 4 ? words[4] : "+0000") else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Double(timegm(&parts)) - Double(offset)
    }

    /// A zone's offset east of UTC in seconds: `+0100`, `-0530`, UT, UTC, GMT, Z.
    static func zone(_ text: String) -> Int? {
        if ["UT", "UTC", "GMT", "Z"].contains(where: { text.caseInsensitiveEquals($0) }) { return 0 }
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"),
              bytes[1...].allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        let digits = bytes[1...].map { Int($0) - 48 }
        let hours = digits[0] * 10 + digits[1], minutes = digits[2] * 10 + digits[3]
        guard hours <= 23, minutes <= 59 else { return nil }
        let offset = hours * 3600 + minutes * 60
        return bytes[0] == UInt8(ascii: "-") ? -offset : offset
    }
}

extension String {
    /// ASCII case-insensitive equality (month and zone names).
    func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = Array(utf8), b = Array(other.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { x, y in
            let lx = x >= 65 && x <= 90 ? x + 32 : x
            let ly = y >= 65 && y <= 90 ? y + 32 : y
            return lx == ly
        }
    }
}
