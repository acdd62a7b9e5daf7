/// A run's results; the worst state wins and decides both the first line and the exit code.
public struct CheckReport: Sendable, Equatable {
    /// Upper-case plugin name (`SMTP`, `MTA_QUEUE`).
    public var name: String
    /// The run's evaluated sub-checks.
    public var results: [CheckResult]
    /// Summary used when the run is OK; derived from the results when nil.
    public var okSummary: String?
    /// Long-output lines: shown with `-v`, or whenever the state is not OK.
    public var details: [String]

    /// A report of `results` under the plugin name; `okSummary` replaces the first line's text when all is OK.
    public init(name: String, results: [CheckResult], okSummary: String? = nil, details: [String] = []) {
        self.name = name
        self.results = results
        self.okSummary = okSummary
        self.details = details
    }

    /// A report of one line from an error: the run ended before it could measure everything.
    public init(name: String, error: CheckError) {
        self.init(name: name, results: [CheckResult(error.status, error.message)], details: error.detail)
    }

    /// Worst state of all results (OK when there are none... which a check should never return).
    public var status: Status {
        results.map(\.status).max() ?? .unknown
    }

    /// The short text after `STATE - `: the results that decided a non-OK state, else the OK summary.
    public var summary: String {
        let worst = status
        if worst != .ok {
            let failing = results.filter { $0.status != .ok && !$0.message.isEmpty }
                .sorted { $0.status > $1.status }
            let text = failing.map(\.message).joinedText(", ")
            if !text.isEmpty { return text }
        }
        if let okSummary, worst == .ok { return okSummary }
        let text = results.filter { $0.inSummary && !$0.message.isEmpty }.map(\.message).joinedText(", ")
        return text.isEmpty ? (results.isEmpty ? "no result" : worst.label.lowercased()) : text
    }

    /// Every perfdata item of every result, in order.
    public var perfdata: [PerfDatum] { results.flatMap(\.perfdata) }

    /// The most characters of the first line's text; room for a sentence and a quoted reply.
    public static let summaryLimit = 320
    /// The most characters of one long-output line.
    public static let detailLimit = 1000
    /// The most long-output lines (details plus trace): `-vvv` of a long session stays readable.
    public static let maxLongLines = 2000

    /// The Nagios text: first line, then long output. `verbosity` 0 hides details on OK.
    /// Every piece of text is escaped and bounded here, whatever its source.
    public func renderNagios(verbosity: Int = 0, trace: [String] = []) -> String {
        var first = "\(name) \(status.label) - \(Self.oneLine(SafeText.bounded(summary, limit: Self.summaryLimit)))"
        let perf = perfdata.map(\.rendered).joinedText(" ")
        if !perf.isEmpty { first += " | " + perf }
        var long: [String] = []
        if verbosity > 0 || status != .ok {
            let described = results.filter { !$0.message.isEmpty }
            if described.count > 1 {
                long += described.map { "\($0.status.label): \($0.message)" }
            }
            long += details
        }
        long += trace
        var lines = [first]
        for line in long.prefix(Self.maxLongLines) {
            lines.append(Self.oneLine(SafeText.bounded(line, limit: Self.detailLimit)))
        }
        if long.count > Self.maxLongLines { lines.append("(\(long.count - Self.maxLongLines) more lines left out)") }
        return lines.joinedText("\n") + "\n"
    }

    /// One JSON object with state, summary, results, metrics and details, for scripts.
    public func renderJSON(trace: [String] = []) -> String {
        let resultItems = results.filter { !$0.message.isEmpty }.map {
            "{\"state\":\(JSON.string($0.status.label)),\"message\":\(JSON.string(SafeText.bounded(Self.flattened($0.message), limit: Self.detailLimit)))}"
        }
        let metricItems = perfdata.map { p -> String in
            var fields = ["\"label\":\(JSON.string(p.label))", "\"value\":\(NumberFormat.decimal(p.value))",
                          "\"uom\":\(JSON.string(p.unit.rawValue))"]
            if let w = p.warning { fields.append("\"warning\":\(JSON.string(w.text))") }
            if let c = p.critical { fields.append("\"critical\":\(JSON.string(c.text))") }
            if let m = p.minimum { fields.append("\"min\":\(NumberFormat.decimal(m))") }
            if let m = p.maximum { fields.append("\"max\":\(NumberFormat.decimal(m))") }
            return "{" + fields.joinedText(",") + "}"
        }
        let body = [
            "\"name\":\(JSON.string(name))",
            "\"state\":\(JSON.string(status.label))",
            "\"exit_code\":\(status.rawValue)",
            "\"summary\":\(JSON.string(SafeText.bounded(Self.flattened(summary), limit: Self.summaryLimit)))",
            "\"results\":[\(resultItems.joinedText(","))]",
            "\"metrics\":[\(metricItems.joinedText(","))]",
            "\"details\":[\((details + trace).prefix(Self.maxLongLines).map { JSON.string(SafeText.bounded(Self.flattened($0), limit: Self.detailLimit)) }.joinedText(","))]",
        ]
        return "{" + body.joinedText(",") + "}\n"
    }

    /// One line of plugin output from any text: unsafe code points escaped (SafeText), CR/LF
    /// and `|` (which would start perfdata) replaced.
    static func oneLine(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        // Scalars, not Characters: "\r\n" is one Character and would slip past a comparison.
        for scalar in SafeText.escape(text.contains(where: { $0.isNewline }) ? flattened(text) : text).unicodeScalars {
            out.append(scalar == "|" ? "/" : scalar)
        }
        return String(out)
    }

    /// CR and LF as spaces (not escapes): a multi-line server reply reads as one sentence.
    static func flattened(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            out.append(scalar == "\n" || scalar == "\r" ? " " : scalar)
        }
        return String(out)
    }
}

/// Minimal JSON string encoding (RFC 8259), enough for plugin output.
enum JSON {
    /// A JSON string of `s` with unsafe code points escaped first (SafeText), so a web front
    /// end that decodes the JSON still never receives a bidi or control character.
    static func string(_ s: String) -> String {
        var out = "\""
        for scalar in SafeText.escape(s).unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
