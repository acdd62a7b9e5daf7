/// The top-level members of one JSON object whose values are strings, numbers or literals (a
/// token endpoint's reply); nested values are skipped. Read with the suite's bounded scanner.
struct OAuth2JSON: JSONEventSink {
    private(set) var strings: [String: String] = [:]
    private(set) var numbers: [String: Double] = [:]
    private var depth = 0
    private var pendingKey: String?

    /// The members of `bytes`, or nil when it is not one JSON object.
    static func parse(_ bytes: [UInt8]) -> OAuth2JSON? {
        var scanner = JSONStreamScanner(sink: OAuth2JSON(), maxStringBytes: 16 << 10, maxDepth: 8)
        // A closure that throws a typed error into withUnsafeBytes crashes Swift 6.3's IRGen: catch inside.
        let fed = bytes.withUnsafeBytes { raw -> Bool in
            do { try scanner.feed(raw); return true } catch { return false }
        }
        guard fed else { return nil }
        do { try scanner.finish() } catch { return nil }
        return scanner.objects == 1 ? scanner.sink : nil
    }

    mutating func beginObject(depth: Int) throws(JSONScanError) { self.depth = depth; pendingKey = nil }
    mutating func endObject(depth: Int) throws(JSONScanError) { self.depth = depth }
    mutating func beginArray(depth: Int) { self.depth = depth; pendingKey = nil }
    mutating func endArray(depth: Int) { self.depth = depth }
    mutating func key(_ bytes: [UInt8]) { pendingKey = depth == 1 ? String(decoding: bytes, as: UTF8.self) : nil }
    mutating func string(_ bytes: [UInt8], truncated: Bool) {
        if let key = pendingKey, !truncated { strings[key] = String(decoding: bytes, as: UTF8.self) }
        pendingKey = nil
    }
    mutating func number(_ text: [UInt8]) {
        if let key = pendingKey, let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite { numbers[key] = value }
        pendingKey = nil
    }
    mutating func literal() { pendingKey = nil }
}
