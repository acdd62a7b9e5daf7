/// Receives the events of `JSONStreamScanner`, in document order.
protocol JSONEventSink {
    /// An object opened; `depth` counts the containers now open (1 for a top-level object).
    mutating func beginObject(depth: Int) throws(JSONScanError)
    /// An object closed; `depth` counts the containers still open.
    mutating func endObject(depth: Int) throws(JSONScanError)
    mutating func beginArray(depth: Int)
    mutating func endArray(depth: Int)
    /// A member name, as raw UTF-8 (escapes resolved), at most `maxStringBytes` long.
    mutating func key(_ bytes: [UInt8])
    /// A string value; `truncated` when it was longer than `maxStringBytes`.
    mutating func string(_ bytes: [UInt8], truncated: Bool)
    /// A number as its JSON text (already validated as a JSON number).
    mutating func number(_ text: [UInt8])
    /// `true`, `false` or `null`.
    mutating func literal()
}

/// Why a JSON stream could not be read: where and what was expected.
struct JSONScanError: Error, Equatable {
    let line: Int
    let reason: String
}

/// An incremental JSON-lines tokenizer: bytes go in as they arrive (any chunking), events
/// come out. It keeps only the container stack and the current token, so memory does not
/// grow with the input; top-level values must be objects (one per line in `postqueue -j`).
struct JSONStreamScanner<Sink: JSONEventSink> {
    private enum Mode: UInt8 {
        case topLevel, value, firstKeyOrEnd, key, colon, commaOrEnd, firstValueOrEnd
        case string, escape, unicode, number, literal
    }

    var sink: Sink
    /// Longest string kept; longer strings are cut (the rest is scanned and dropped).
    let maxStringBytes: Int
    /// Deepest nesting accepted; deeper input is refused rather than grown into.
    let maxDepth: Int
    /// Input lines seen so far (1-based), for error messages.
    private(set) var line = 1
    /// Top-level objects completed.
    private(set) var objects = 0

    private var mode = Mode.topLevel
    private var stack: [Bool] = []          // true: object, false: array
    private var token: [UInt8] = []
    private var truncated = false
    private var stringIsKey = false
    private var hex: UInt32 = 0
    private var hexDigits = 0
    private var highSurrogate: UInt32 = 0
    private var literalRest: ArraySlice<UInt8> = []

    init(sink: Sink, maxStringBytes: Int = 2048, maxDepth: Int = 32) {
        self.sink = sink
        self.maxStringBytes = maxStringBytes
        self.maxDepth = maxDepth
        token.reserveCapacity(min(maxStringBytes, 4096))
    }

    /// Scans one chunk of input.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(JSONScanError) {
        var i = 0
        let n = bytes.count
        while i < n {
            if mode == .string {
                // Most bytes are string content: copy the run up to the next quote, backslash
                // or control byte in one go instead of byte by byte.
                var j = i
                while j < n {
                    let b = bytes[j]
                    if b == 0x22 || b == 0x5C || b < 0x20 { break }
                    j += 1
                }
                if j > i {
                    appendRun(UnsafeRawBufferPointer(rebasing: bytes[i..<j]))
                    i = j
                    if i == n { return }
                }
            }
            try scan(bytes[i])
            i += 1
        }
    }

    private mutating func appendRun(_ run: UnsafeRawBufferPointer) {
        if highSurrogate != 0 { appendReplacement() }
        let room = maxStringBytes - token.count
        if run.count > room { truncated = true }
        if room > 0 { token.append(contentsOf: UnsafeRawBufferPointer(rebasing: run[0..<min(room, run.count)])) }
    }

    /// Ends the input: anything left open is an error (a cut-off stream must not count).
    mutating func finish() throws(JSONScanError) {
        if mode == .number { try endNumber() }
        guard mode == .topLevel, stack.isEmpty else {
            throw JSONScanError(line: line, reason: "the output ends inside a JSON value")
        }
    }

    private func fail(_ reason: String) -> JSONScanError { JSONScanError(line: line, reason: reason) }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D }

    private static func describe(_ b: UInt8) -> String {
        (0x21...0x7E).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte \(b)"
    }

    @inline(__always)
    private mutating func scan(_ b: UInt8) throws(JSONScanError) {
        switch mode {
        case .string:
            if b == 0x22 { try endString() }
            else if b == 0x5C { mode = .escape }
            else if b < 0x20 { throw fail("control character inside a string") }
            else { append(b) }
        case .escape:
            mode = .string
            switch b {
            case 0x22, 0x5C, 0x2F: append(b)
            case 0x62: append(0x08)
            case 0x66: append(0x0C)
            case 0x6E: append(0x0A)
            case 0x72: append(0x0D)
            case 0x74: append(0x09)
            case 0x75: mode = .unicode; hex = 0; hexDigits = 0
            default: throw fail("bad escape \\\(Self.describe(b)) in a string")
            }
        case .unicode:
            guard let digit = Self.hexValue(b) else { throw fail("bad \\u escape in a string") }
            hex = hex << 4 | digit
            hexDigits += 1
            if hexDigits == 4 { mode = .string; appendScalar(hex) }
        case .number:
            if (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x65 || b == 0x45 || b == 0x2B || b == 0x2D {
                if token.count < 64 { token.append(b) } else { throw fail("number too long") }
            } else {
                try endNumber()
                try scan(b)
            }
        case .literal:
            guard let expected = literalRest.first, expected == b else { throw fail("unexpected \(Self.describe(b))") }
            literalRest = literalRest.dropFirst()
            if literalRest.isEmpty { sink.literal(); valueDone() }
        default:
            if Self.isSpace(b) {
                if b == 0x0A { line += 1 }
                return
            }
            try structural(b)
        }
    }

    private mutating func structural(_ b: UInt8) throws(JSONScanError) {
        switch mode {
        case .topLevel:
            guard b == 0x7B else { throw fail("expected '{' at the start of a record, found \(Self.describe(b))") }
            try open(object: true)
        case .value, .firstValueOrEnd:
            if mode == .firstValueOrEnd && b == 0x5D { try close(object: false); return }
            try startValue(b)
        case .firstKeyOrEnd, .key:
            if mode == .firstKeyOrEnd && b == 0x7D { try close(object: true); return }
            guard b == 0x22 else { throw fail("expected a member name, found \(Self.describe(b))") }
            startString(key: true)
        case .colon:
            guard b == 0x3A else { throw fail("expected ':', found \(Self.describe(b))") }
            mode = .value
        case .commaOrEnd:
            let inObject = stack.last ?? false
            if b == 0x2C { mode = inObject ? .key : .value }
            else if b == 0x7D && inObject { try close(object: true) }
            else if b == 0x5D && !inObject { try close(object: false) }
            else { throw fail("expected ',' or the end of \(inObject ? "an object" : "an array"), found \(Self.describe(b))") }
        default:
            throw fail("internal scanner state")
        }
    }

    private mutating func startValue(_ b: UInt8) throws(JSONScanError) {
        switch b {
        case 0x7B: try open(object: true)
        case 0x5B: try open(object: false)
        case 0x22: startString(key: false)
        case 0x74: mode = .literal; literalRest = JSONLiterals.trueRest[...]
        case 0x66: mode = .literal; literalRest = JSONLiterals.falseRest[...]
        case 0x6E: mode = .literal; literalRest = JSONLiterals.nullRest[...]
        case 0x2D, 0x30...0x39: mode = .number; token.removeAll(keepingCapacity: true); token.append(b)
        default: throw fail("expected a value, found \(Self.describe(b))")
        }
    }


    private mutating func open(object: Bool) throws(JSONScanError) {
        guard stack.count < maxDepth else { throw fail("JSON nested deeper than \(maxDepth) levels") }
        stack.append(object)
        if object {
            try sink.beginObject(depth: stack.count)
            mode = .firstKeyOrEnd
        } else {
            sink.beginArray(depth: stack.count)
            mode = .firstValueOrEnd
        }
    }

    private mutating func close(object: Bool) throws(JSONScanError) {
        stack.removeLast()
        if object {
            // A record the sink refuses (a required member missing) is reported at this line.
            do { try sink.endObject(depth: stack.count) } catch { throw fail(error.reason) }
        } else {
            sink.endArray(depth: stack.count)
        }
        if stack.isEmpty { objects += 1 }
        valueDone()
    }

    /// After a complete value: back to the top level, or wait for a separator.
    private mutating func valueDone() {
        mode = stack.isEmpty ? .topLevel : .commaOrEnd
    }

    private mutating func startString(key: Bool) {
        stringIsKey = key
        token.removeAll(keepingCapacity: true)
        truncated = false
        highSurrogate = 0
        mode = .string
    }

    private mutating func endString() throws(JSONScanError) {
        if highSurrogate != 0 { appendReplacement() }
        if stringIsKey {
            sink.key(token)
            mode = .colon
        } else {
            sink.string(token, truncated: truncated)
            valueDone()
        }
    }

    private mutating func endNumber() throws(JSONScanError) {
        guard Self.isJSONNumber(token) else { throw fail("malformed number") }
        sink.number(token)
        valueDone()
    }

    @inline(__always)
    private mutating func append(_ b: UInt8) {
        if highSurrogate != 0 { appendReplacement() }
        if token.count < maxStringBytes { token.append(b) } else { truncated = true }
    }

    /// Adds a `\u` scalar as UTF-8; surrogate pairs are joined, lone halves become U+FFFD.
    private mutating func appendScalar(_ value: UInt32) {
        if (0xD800...0xDBFF).contains(value) {
            if highSurrogate != 0 { appendReplacement() }
            highSurrogate = value
            return
        }
        var scalarValue = value
        if (0xDC00...0xDFFF).contains(value) {
            guard highSurrogate != 0 else { appendReplacement(); return }
            scalarValue = 0x10000 + ((highSurrogate - 0xD800) << 10) + (value - 0xDC00)
            highSurrogate = 0
        } else if highSurrogate != 0 {
            appendReplacement()
        }
        let scalar = Unicode.Scalar(scalarValue) ?? "\u{FFFD}"
        for unit in String(scalar).utf8 { append(unit) }
    }

    private mutating func appendReplacement() {
        highSurrogate = 0
        for unit in "\u{FFFD}".utf8 { append(unit) }
    }

    private static func hexValue(_ b: UInt8) -> UInt32? {
        switch b {
        case 0x30...0x39: UInt32(b - 0x30)
        case 0x41...0x46: UInt32(b - 0x41 + 10)
        case 0x61...0x66: UInt32(b - 0x61 + 10)
        default: nil
        }
    }

    /// RFC 8259 number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    static func isJSONNumber(_ t: [UInt8]) -> Bool {
        var i = 0
        func digits() -> Int {
            let start = i
            while i < t.count, t[i] >= 0x30, t[i] <= 0x39 { i += 1 }
            return i - start
        }
        if i < t.count, t[i] == 0x2D { i += 1 }
        guard i < t.count else { return false }
        if t[i] == 0x30 { i += 1 } else if digits() == 0 { return false }
        if i < t.count, t[i] == 0x2E {
            i += 1
            if digits() == 0 { return false }
        }
        if i < t.count, t[i] == 0x65 || t[i] == 0x45 {
            i += 1
            if i < t.count, t[i] == 0x2B || t[i] == 0x2D { i += 1 }
            if digits() == 0 { return false }
        }
        return i == t.count
    }
}

/// The tails of the three JSON literals after their first letter.
private enum JSONLiterals {
    static let trueRest: [UInt8] = Array("rue".utf8)
    static let falseRest: [UInt8] = Array("alse".utf8)
    static let nullRest: [UInt8] = Array("ull".utf8)
}
