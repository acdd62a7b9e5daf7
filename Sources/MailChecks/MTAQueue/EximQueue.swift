import CheckKit

/// Reads `exim -bp`/`-bpr` line by line. A message is a line `AGE SIZE ID <sender>` (with
/// ` *** frozen ***` when frozen) followed by its recipients, indented, `D ` before those
/// already delivered. Message IDs have the classic form `1xWCp2-000342-1u` or the 4.97+ form
/// `1rZ5Sx-00000000Hz4-00IL`; both begin with the arrival time in base 62, which gives the
/// age to the second where the listing's own column says only `25m`, `3h` or `4d`.
struct EximQueueParser {
    static let queueNames = ["queued", "frozen"]

    var tally = QueueTally(queueNames: EximQueueParser.queueNames)
    let now: Int64
    private var current: QueuedMessage? = nil
    /// Problems the listing itself reports (spool read errors), for the long output.
    private(set) var notes: [String] = []

    init(now: Int64) { self.now = now }

    /// One line of output; `number` is its line number for errors.
    mutating func line(_ line: ArraySlice<UInt8>, number: Int) throws(CheckError) {
        let indent = ListingText.indent(line)
        let fields = ListingText.fields(line)
        guard let first = fields.first else { return }
        if indent <= 3, let age = Self.ageColumn(first) {
            commit()
            current = try message(fields, columnAge: age, line: line, number: number)
            return
        }
        guard indent >= 4, current != nil else { throw Self.unparseable(line, number: number) }
        if ListingText.hasPrefix(first, "***") {
            if notes.count < 5 { notes.append("exim: " + ListingText.quote(line.drop { $0 == 0x20 })) }
            return
        }
        // "D address": delivered already; otherwise a recipient still waiting.
        if ListingText.equals(first, "D") && fields.count >= 2 { return }
        current?.recipients += 1
        tally.addDeferred(domain: QueueTally.domain(of: first), reason: nil)
    }

    /// Counts the last message.
    mutating func finish() { commit() }

    private mutating func commit() {
        if let current { tally.add(current) }
        current = nil
    }

    private func message(_ fields: [ArraySlice<UInt8>], columnAge: ClosedRange<Int64>, line: ArraySlice<UInt8>,
                         number: Int) throws(CheckError) -> QueuedMessage {
        // Exim leaves the size column blank for an empty message: the ID may come second.
        var i = 1
        var size = 0
        if i < fields.count, Self.messageIDTime(fields[i]) == nil {
            guard let parsed = Self.size(fields[i]) else { throw Self.unparseable(line, number: number) }
            size = parsed
            i += 1
        }
        guard i < fields.count, let idTime = Self.messageIDTime(fields[i]) else { throw Self.unparseable(line, number: number) }
        var rest = line[...]
        while rest.last == 0x20 { rest = rest.dropLast() }
        let frozen = rest.reversed().starts(with: "*** frozen ***".utf8.reversed())
        // The ID's time is exact; the column is rounded. Trust the ID unless the two disagree
        // (a clock step, or an ID from a host with another clock): then the column wins.
        let idAge = now > idTime ? now - idTime : 0
        let slack: Int64 = 120
        let arrival = idAge >= columnAge.lowerBound - slack && idAge <= columnAge.upperBound + slack
            ? idTime : now - columnAge.lowerBound
        return QueuedMessage(queue: frozen ? "frozen" : "queued", arrival: arrival, size: size, recipients: 0)
    }

    private static func unparseable(_ line: ArraySlice<UInt8>, number: Int) -> CheckError {
        .unknown("unparseable exim -bp output: line \(number): '\(ListingText.quote(line, limit: 60))'")
    }

    /// The age column (`0m`, `25m`, `3h`, `4d`) as the range of seconds it stands for.
    static func ageColumn(_ field: ArraySlice<UInt8>) -> ClosedRange<Int64>? {
        guard field.count >= 2, let unit = field.last, let n = ChildNumber.integer(field.dropLast()), n >= 0,
              n < 1_000_000 else { return nil }
        switch unit {
        case UInt8(ascii: "m"): return n * 60...(n * 60 + 59)
        case UInt8(ascii: "h"): return max(0, n * 3600 - 1800)...(n * 3600 + 1799)
        case UInt8(ascii: "d"): return max(0, n * 86400 - 43200)...(n * 86400 + 43199)
        default: return nil
        }
    }

    /// Exim's size column: `349`, `2.9K`, `12K`, `1.2M`, `15M` (binary units, rounded).
    static func size(_ field: ArraySlice<UInt8>) -> Int? {
        guard let last = field.last else { return nil }
        let scale: Double
        var digits = field
        switch last {
        case UInt8(ascii: "K"): scale = 1024; digits = field.dropLast()
        case UInt8(ascii: "M"): scale = 1_048_576; digits = field.dropLast()
        case UInt8(ascii: "G"): scale = 1_073_741_824; digits = field.dropLast()
        default: scale = 1
        }
        guard !digits.isEmpty, digits.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }),
              let value = Double(String(decoding: digits, as: UTF8.self)), value.isFinite, value * scale < 9e18 else { return nil }
        return Int(value * scale)
    }

    /// The arrival time encoded in a message ID (its first six base-62 digits), or nil when the
    /// field is not an Exim message ID of either form.
    static func messageIDTime(_ field: ArraySlice<UInt8>) -> Int64? {
        let parts = field.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 6,
              (parts[1].count == 6 && parts[2].count == 2) || (parts[1].count == 11 && parts[2].count == 4),
              parts.allSatisfy({ $0.allSatisfy { base62($0) != nil } }) else { return nil }
        var value: Int64 = 0
        for b in parts[0] { value = value * 62 + Int64(base62(b) ?? 0) }
        return value
    }

    private static func base62(_ b: UInt8) -> Int? {
        switch b {
        case 0x30...0x39: Int(b - 0x30)
        case 0x41...0x5A: Int(b - 0x41) + 10
        case 0x61...0x7A: Int(b - 0x61) + 36
        default: nil
        }
    }
}

/// Exim through `exim -bpr` (the unsorted listing: the same lines, cheaper on a big queue).
struct EximBackend: QueueBackend {
    let exim: String
    /// `exim -C FILE`: a configuration other than the compiled-in one.
    let config: String?

    var arguments: [String] { (config.map { ["-C", $0] } ?? []) + ["-bpr"] }

    func snapshot(_ context: RunContext, now: Int64) throws(CheckError) -> QueueSnapshot {
        let name = exim.split(separator: "/").last.map(String.init) ?? "exim"
        context.log(2, "running: \(exim) \(arguments.joinedText(" "))")
        context.activity("\(name) -bpr")
        var parser = EximQueueParser(now: now)
        var lines = LineSplitter()
        let result = try Subprocess.run(exim, arguments, deadline: context.deadline) { chunk throws(CheckError) in
            try lines.feed(chunk) { line, number throws(CheckError) in try parser.line(line, number: number) }
        }
        let errors = ChildOutcome.stderrLines(result)
        for line in errors { context.log(2, "stderr: \(line)") }
        if let killed = ChildOutcome.killed("\(name) -bpr", result) { throw killed }
        if result.exitCode != 0 {
            let text = errors.joinedText("\n")
            // Checked before permissions: without its configuration Exim also fails to open
            // its log files, and "permission denied" would hide the cause.
            if let problem = configurationProblem(errors) {
                throw .unknown("\(name): \(problem)", detail: errors)
            }
            if ChildOutcome.isPermissionProblem(text) {
                throw .unknown("\(name) -bp: permission denied for \(ChildOutcome.userName) (Exim lists its queue to root, its exim user and group, Debian-exim on Debian, and admin_groups)", detail: errors)
            }
            if text.containsText("configuration file") {
                throw .unknown("\(name): cannot read its configuration\(config.map { " \($0) (--config)" } ?? ""): \(ChildOutcome.mainError(errors) ?? "")", detail: errors)
            }
            throw ChildOutcome.failure("\(name) -bpr", result)
        }
        try lines.finish { line, number throws(CheckError) in try parser.line(line, number: number) }
        parser.finish()
        var snapshot = QueueSnapshot(tally: parser.tally, mta: "Exim")
        snapshot.notes = parser.notes + ["exim -bp shows no deferral reasons (see exinext or the message logs); sizes are as rounded by exim"]
        return snapshot
    }

    /// What Exim said about its configuration file, as a short clause: a missing file (Exim
    /// lists every name it tried) or one it may not read.
    func configurationProblem(_ errors: [String]) -> String? {
        let option = config == nil ? " (--config names another)" : " (--config)"
        for line in errors {
            if let range = line.firstRange(ofText: "non-existent configuration file(s): ") {
                return "configuration file \(line[range.upperBound...].prefix(200)) not found" + option
            }
            if let range = line.firstRange(ofText: "failed to open configuration file ") {
                let rest = line[range.upperBound...]
                let file = rest.prefix { $0 != ":" }
                let reason = String(rest.dropFirst(file.count + 1).prefix { $0 != "(" }).trimmingBlanksAndNewlines.lowercased()
                return "cannot read its configuration file \(file.prefix(200))\(option): \(reason.isEmpty ? "cannot open" : reason) for \(ChildOutcome.userName)"
            }
        }
        return nil
    }
}
