/// A Nagios range `[@]start:end`, parsed strictly: junk, empty numbers, NaN, infinities and an
/// inverted range are errors, never a silent 0 (as the reference C parser does).
public struct ThresholdRange: Sendable, Equatable, CustomStringConvertible {
    /// Lower bound; `-infinity` for `~`.
    public let start: Double
    /// Upper bound; `+infinity` when left empty (`10:`).
    public let end: Double
    /// `@`: alert when the value is inside [start, end] instead of outside.
    public let alertsInside: Bool
    /// The text exactly as the user gave it; perfdata repeats it.
    public let text: String

    /// Why a range text was refused, phrased to follow "invalid range 'TEXT': ".
    public struct ParseError: Error, Equatable, Sendable {
        /// The refused range text, as given.
        public let text: String
        /// Why it was refused.
        public let reason: String
    }

    /// Parses the conventions' grammar: `10`, `10:`, `~:10`, `10:20`, `@10:20`.
    public init(parsing text: String) throws(ParseError) {
        self.text = text
        var body = Substring(text)
        if body.first == "@" {
            alertsInside = true
            body = body.dropFirst()
        } else {
            alertsInside = false
        }
        guard !body.isEmpty else { throw ParseError(text: text, reason: "empty range") }
        if let colon = body.firstIndex(of: ":") {
            let startText = body[..<colon]
            let endText = body[body.index(after: colon)...]
            if startText == "~" {
                start = -Double.infinity
            } else if startText.isEmpty {
                throw ParseError(text: text, reason: "start is empty (use ~ for minus infinity)")
            } else {
                start = try Self.number(startText, in: text)
            }
            end = endText.isEmpty ? Double.infinity : try Self.number(endText, in: text)
        } else {
            start = 0
            end = try Self.number(body, in: text)
        }
        if start > end {
            throw ParseError(text: text, reason: "start is greater than end")
        }
    }

    /// Builds a range from bounds, for ranges a check derives itself (e.g. "fewer than N days").
    public init(start: Double, end: Double, alertsInside: Bool = false, text: String) {
        self.start = start
        self.end = end
        self.alertsInside = alertsInside
        self.text = text
    }

    /// True when `value` should raise the alert this range stands for.
    public func alerts(on value: Double) -> Bool {
        let inside = value >= start && value <= end
        return alertsInside ? inside : !inside
    }

    /// The range as the user gave it.
    public var description: String { text }

    /// A plain decimal: optional sign, digits with an optional fraction. No exponent, no
    /// `inf`/`nan` spellings, no surrounding blanks.
    static func number(_ s: Substring, in text: String) throws(ParseError) -> Double {
        var digits = 0
        var dots = 0
        for (i, c) in s.enumerated() {
            if c == "+" || c == "-" {
                if i != 0 { throw ParseError(text: text, reason: "'\(s)' is not a number") }
            } else if c == "." {
                dots += 1
            } else if c.isASCII && c.isNumber {
                digits += 1
            } else {
                throw ParseError(text: text, reason: "'\(s)' is not a number")
            }
        }
        guard digits > 0, dots <= 1, let value = Double(String(s)), value.isFinite else {
            throw ParseError(text: text, reason: "'\(s)' is not a number")
        }
        return value
    }
}
