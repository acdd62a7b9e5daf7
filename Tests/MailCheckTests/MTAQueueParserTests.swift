import Foundation
import Testing
@testable import MailChecks

/// The parsers of check_mta_queue, in-process: the streaming JSON scanner, `postqueue -j`
/// records, Exim, Sendmail and OpenSMTPD listings, reason grouping, bounded counting.
@Suite struct MTAQueueParserTests {
    static let fixtures = Plugin.root + "/Tests/MailCheckTests/Fixtures/mta_queue/"

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: fixtures + name)))
    }

    /// Feeds `bytes` to a Postfix scanner in chunks of `chunk` bytes.
    static func postfix(_ bytes: [UInt8], chunk: Int = 65536) throws -> (QueueTally, Int) {
        var scanner = JSONStreamScanner(sink: PostfixRecordSink())
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + chunk)
            let piece = Array(bytes[start..<end])
            try piece.withUnsafeBytes { raw in try scanner.feed(raw) }
            start = end
        }
        try scanner.finish()
        return (scanner.sink.tally, scanner.objects)
    }

    static func lines<P>(_ bytes: [UInt8], into parser: inout P, _ feed: (inout P, ArraySlice<UInt8>, Int) throws -> Void) throws {
        var splitter = LineSplitter()
        var collected: [(ArraySlice<UInt8>, Int)] = []
        bytes.withUnsafeBytes { raw in splitter.feed(raw) { line, n in collected.append((line, n)) } }
        splitter.finish { line, n in collected.append((line, n)) }
        for (line, n) in collected { try feed(&parser, line, n) }
    }

    // MARK: JSON scanner

    @Test func realPostqueueOutputIsCountedPerQueue() throws {
        let (tally, records) = try Self.postfix(Self.fixture("postfix-3.7-j.jsonl"))
        #expect(records == 8)
        #expect(tally.messages == 8)
        #expect(tally.queue("deferred")?.messages == 7)
        #expect(tally.queue("hold")?.messages == 1)
        #expect(tally.recipients == 8)
        #expect(tally.bytes == 5 * 409 + 3 * 395)
        #expect(tally.oldestArrival == 1795612177)
        #expect(tally.reasons.top(5).map(\.key) == ["connect to 127.0.0.1[...]:1: Connection refused", "mail transport unavailable"])
        #expect(tally.reasons.top(1).first?.count == 5)
        #expect(tally.domains.top(5).map(\.key) == ["deferred.test", "gone.test"])
    }

    /// Every chunking of the input gives the same result (a chunk may end anywhere: inside
    /// a string, an escape, a number or a literal).
    @Test(arguments: [1, 2, 3, 7, 64, 4096])
    func chunkBoundariesDoNotMatter(chunk: Int) throws {
        let bytes = try Self.fixture("postfix-edge.jsonl")
        let (whole, _) = try Self.postfix(bytes)
        let (pieces, records) = try Self.postfix(bytes, chunk: chunk)
        #expect(records == 5)
        #expect(pieces.queues == whole.queues)
        #expect(pieces.reasons.top(9).map(\.key) == whole.reasons.top(9).map(\.key))
    }

    @Test func unknownMembersAndQueuesAreTolerated() throws {
        let (tally, _) = try Self.postfix(Self.fixture("postfix-edge.jsonl"))
        #expect(tally.messages == 5)
        #expect(tally.queues.map(\.name) == ["active", "deferred", "hold", "incoming", "maildrop", "corrupt"])
        #expect(tally.queue("active")?.recipients == 2)
        #expect(tally.queue("incoming")?.messages == 1)
        #expect(tally.queue("corrupt")?.messages == 1)
        #expect(tally.oldestArrival == 1699990000)
        // Two recipients rejected alike by one MX group as one reason; domains lower-cased.
        #expect(tally.reasons.top(5).map(\.key) == ["host mx.two.example[...] said: 450 4.7.1 <...>: Recipient address rejected: try again (in reply to RCPT TO command)"])
        #expect(tally.reasons.top(1).first?.count == 2)
        #expect(tally.domains.top(5).map(\.key) == ["two.example"])
    }

    @Test(arguments: [
        ("", 0),
        ("\n\n", 0),
        ("{}", 1),
        ("{\"queue_name\":\"active\",\"arrival_time\":1,\"message_size\":2}\n{\"queue_name\":\"hold\",\"arrival_time\":1,\"message_size\":2}", 2),
        ("{\"queue_name\":\"active\",\"arrival_time\":1.7e9,\"message_size\":-0,\"recipients\":[]}", 1),
    ])
    func wellFormedInput(text: String, records: Int) throws {
        var scanner = JSONStreamScanner(sink: NullSink())
        try Array(text.utf8).withUnsafeBytes { raw in try scanner.feed(raw) }
        try scanner.finish()
        #expect(scanner.objects == records)
    }

    @Test(arguments: [
        ("Mail queue is empty\n", "line 1: expected '{' at the start of a record, found 'M'"),
        ("{\"queue_name\":\"a\",\"arrival_time\":1,\"message_size\":1}\n[1]", "line 2: expected '{' at the start of a record, found '['"),
        ("{\"a\" 1}", "line 1: expected ':', found '1'"),
        ("{\"a\":1,}", "line 1: expected a member name, found '}'"),
        ("{\"a\":01}", "line 1: malformed number"),
        ("{\"a\":1.}", "line 1: malformed number"),
        ("{\"a\":tru}", "line 1: unexpected '}'"),
        ("{\"a\":\"x\\q\"}", "line 1: bad escape \\'q' in a string"),
        ("{\"a\":\"\\u12G4\"}", "line 1: bad \\u escape in a string"),
        ("{\"a\":\"line\nbreak\"}", "line 1: control character inside a string"),
        ("{\"a\":[1,2}", "line 1: expected ',' or the end of an array, found '}'"),
        ("{\"a\":", "line 1: the output ends inside a JSON value"),
        ("{\"queue_name\":\"active\",\"arrival_time\":5}", "line 1: message 1 has no message_size"),
        (String(repeating: "{\"a\":", count: 40) + "1" + String(repeating: "}", count: 40), "line 1: JSON nested deeper than 32 levels"),
    ])
    func malformedInputNamesTheLine(text: String, expected: String) {
        var scanner = JSONStreamScanner(sink: PostfixRecordSink())
        do {
            try Array(text.utf8).withUnsafeBytes { raw in try scanner.feed(raw) }
            try scanner.finish()
            Issue.record("accepted: \(text)")
        } catch let error as JSONScanError {
            #expect("line \(error.line): \(error.reason)" == expected)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func escapesAreDecodedAndLongStringsCut() throws {
        var scanner = JSONStreamScanner(sink: CollectingSink(), maxStringBytes: 12)
        let text = #"{"k":"caf\u00e9 \ud83d\udce8","lone":"\ud800x","long":"0123456789abcdef"}"#
        try Array(text.utf8).withUnsafeBytes { raw in try scanner.feed(raw) }
        try scanner.finish()
        #expect(scanner.sink.strings == ["café 📨", "\u{FFFD}x", "0123456789ab"])
        #expect(scanner.sink.truncated == [false, false, true])
    }

    // MARK: grouping and counting

    @Test(arguments: [
        ("connect to mx.example.net[192.0.2.7]:25: Connection timed out", "connect to mx.example.net[...]:25: Connection timed out"),
        ("delivery temporarily suspended: connect to mx.example.net[192.0.2.7]:25: Connection timed out", "connect to mx.example.net[...]:25: Connection timed out"),
        ("host mx[2001:db8::1] said: 452 4.2.2 <bob@example.net>: Mailbox full", "host mx[...] said: 452 4.2.2 <...>: Mailbox full"),
        ("  two   spaces\tand\r\nbreaks  ", "two spaces and breaks"),
        ("unclosed [bracket", "unclosed [...]"),
        ("", "(no reason given)"),
    ])
    func reasonsAreGrouped(raw: String, grouped: String) {
        #expect(DeferralReason.group(raw.utf8) == grouped)
    }

    @Test func longReasonsAreCutAtACharacterBoundary() {
        let grouped = DeferralReason.group(String(repeating: "é", count: 200).utf8)
        #expect(grouped.hasSuffix("..."))
        #expect(grouped.utf8.count <= DeferralReason.maxLength + 3)
        #expect(!grouped.contains("\u{FFFD}"))
    }

    @Test func topCounterIsExactWhileItFitsAndKeepsHeavyHittersBeyond() {
        var counter = TopCounter(capacity: 4)
        for i in 0..<1000 { counter.add("noise-\(i)") ; if i % 3 == 0 { counter.add("dead.example") } }
        #expect(counter.distinct == 4)
        #expect(counter.approximate)
        #expect(counter.top(1).first?.key == "dead.example")
        #expect(counter.total == 1334)
        var exact = TopCounter(capacity: 4)
        for key in ["b", "a", "b", "c"] { exact.add(key) }
        #expect(!exact.approximate)
        #expect(exact.top(5).map { "\($0.count)x\($0.key)" } == ["2xb", "1xa", "1xc"])
    }

    @Test(arguments: [
        ("1795612177", Int64(1795612177)), ("-5", Int64(-5)), ("1.7e9", Int64(1_700_000_000)), ("12.9", Int64(12)),
        ("99999999999999999999999", Int64.max), ("-99999999999999999999999", Int64.min), ("1e400", Int64(1)),
    ])
    func childNumbersNeverTrap(text: String, value: Int64) {
        #expect(ChildNumber.integer(text.utf8) == value)
    }

    @Test func hugeSizesSaturate() {
        var tally = QueueTally(queueNames: ["deferred"])
        tally.add(QueuedMessage(queue: "deferred", arrival: 1, size: Int.max, recipients: Int.max))
        tally.add(QueuedMessage(queue: "deferred", arrival: 2, size: Int.max, recipients: 1))
        #expect(tally.bytes == Int.max)
        #expect(tally.recipients == Int.max)
    }

    @Test func absurdArrivalTimesNeverTrap() throws {
        let text = #"{"queue_name":"deferred","arrival_time":-99999999999999999999999,"message_size":1e30}"# + "\n" +
            #"{"queue_name":"active","arrival_time":99999999999999999999999,"message_size":-5}"#
        let (tally, _) = try Self.postfix(Array(text.utf8))
        #expect(tally.queue("deferred")?.oldestAge(now: 1_700_000_000) == Int64.max)
        #expect(tally.queue("active")?.oldestAge(now: 1_700_000_000) == 0)
        #expect(tally.bytes == Int.max)
    }

    @Test(arguments: [(0.0, "0 s"), (119, "119 s"), (120, "2 min"), (7199, "119 min"), (7500, "2 h 5 min"), (200_000, "2 d 7 h")])
    func durationsReadWell(seconds: Double, text: String) {
        #expect(QueueReport.duration(seconds) == text)
    }
}

/// A sink that ignores everything (scanner-only tests).
struct NullSink: JSONEventSink {
    mutating func beginObject(depth: Int) throws(JSONScanError) {}
    mutating func endObject(depth: Int) throws(JSONScanError) {}
    mutating func beginArray(depth: Int) {}
    mutating func endArray(depth: Int) {}
    mutating func key(_ bytes: [UInt8]) {}
    mutating func string(_ bytes: [UInt8], truncated: Bool) {}
    mutating func number(_ text: [UInt8]) {}
    mutating func literal() {}
}

/// A sink that keeps string values.
struct CollectingSink: JSONEventSink {
    var strings: [String] = []
    var truncated: [Bool] = []
    mutating func beginObject(depth: Int) throws(JSONScanError) {}
    mutating func endObject(depth: Int) throws(JSONScanError) {}
    mutating func beginArray(depth: Int) {}
    mutating func endArray(depth: Int) {}
    mutating func key(_ bytes: [UInt8]) {}
    mutating func string(_ bytes: [UInt8], truncated: Bool) {
        strings.append(String(decoding: bytes, as: UTF8.self))
        self.truncated.append(truncated)
    }
    mutating func number(_ text: [UInt8]) {}
    mutating func literal() {}
}
