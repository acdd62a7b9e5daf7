import Foundation
import Testing
import CheckKit
@testable import MailChecks

/// The line-oriented listings: `exim -bp` (captured from a real Exim 4.96, and the 4.97+
/// message-ID form), `sendmail -bp` and `smtpctl show queue`.
@Suite struct MTAQueueListingTests {
    static func exim(_ bytes: [UInt8], now: Int64) throws -> EximQueueParser {
        var parser = EximQueueParser(now: now)
        try MTAQueueParserTests.lines(bytes, into: &parser) { p, line, n in try p.line(line, number: n) }
        parser.finish()
        return parser
    }

    static func exim(_ text: String, now: Int64 = 1_700_100_000) throws -> EximQueueParser {
        try exim(Array(text.utf8), now: now)
    }

    /// Captured from the Exim 4.96 that scripts/stacks/mta-queue-exim.sh unpacks, one second after
    /// the last message arrived (IDs 1xWCt1-... are 1795612691).
    @Test func realExim496Listing() throws {
        let parser = try Self.exim(MTAQueueParserTests.fixture("exim-4.96-bpr.txt"), now: 1_795_612_695)
        let tally = parser.tally
        #expect(tally.messages == 8)
        #expect(tally.queue("queued")?.messages == 7)
        #expect(tally.queue("frozen")?.messages == 1)
        // dave@other.example waits; nobody@exim.example.test is marked D (done).
        #expect(tally.recipients == 8)
        #expect(tally.oldestArrival == 1_795_612_691)
        #expect(tally.bytes == 1536 + 3 * 349 + 351 + 286 + 7065 + 1992294)
        #expect(tally.domains.top(3).map(\.key) == ["deferred.test", "big.example", "other.example"])
        #expect(tally.reasons.total == 0)
    }

    @Test func exim497MessageIDsAndBlankSizes() throws {
        let tally = try Self.exim(MTAQueueParserTests.fixture("exim-4.97-bpr.txt"), now: 1_700_100_000).tally
        #expect(tally.messages == 3)
        #expect(tally.queue("queued")?.messages == 2)
        #expect(tally.queue("frozen")?.messages == 1)
        #expect(tally.recipients == 4)
        #expect(tally.bytes == 2969 + 523)
        // Exact to the second from the ID, although the column says only "28h".
        #expect(tally.oldestArrival == 1_700_000_000)
        #expect(tally.queue("queued")?.oldestAge(now: 1_700_100_000) == 100_000)
    }

    @Test(arguments: [
        ("1xWCt1-0003q6-1o", Int64(1_795_612_691)), ("1r31eq-00000000Hz4-00IL", Int64(1_700_000_000)),
        ("1xWCt1-0003q6-1", nil), ("1xWCt1-0003q6_1o", nil), ("1xWCt1-00000000Hz4-00I", nil), ("<user@x>", nil),
    ])
    func messageIDs(id: String, time: Int64?) {
        #expect(EximQueueParser.messageIDTime(Array(id.utf8)[...]) == time)
    }

    /// When the ID's time contradicts the age column (a foreign clock), the column wins.
    @Test func ageColumnWinsOverAnImplausibleID() throws {
        let tally = try Self.exim(" 4d   349 1r31eq-00000000Hz4-00IL <a@example.net>\n          b@example.org\n").tally
        #expect(tally.oldestArrival == Int64(1_700_100_000 - 4 * 86400 + 43200))
    }

    @Test(arguments: ["25m", " 3h", "4d"])
    func ageColumns(column: String) {
        #expect(EximQueueParser.ageColumn(Array(column.trimmingCharacters(in: .whitespaces).utf8)[...]) != nil)
    }

    @Test(arguments: [
        ("garbage at the top\n", "line 1: 'garbage at the top'"),
        (" 5m   349 not-an-id <a@b>\n", "line 1: ' 5m   349 not-an-id <a@b>'"),
        (" 5m  9.9Q 1r31eq-00000000Hz4-00IL <a@b>\n", "line 1: ' 5m  9.9Q 1r31eq-00000000Hz4-00IL <a@b>'"),
        ("          orphan@recipient.example\n", "line 1: '          orphan@recipient.example'"),
    ])
    func eximGarbageIsUnknownWithTheLine(text: String, expected: String) {
        #expect(throws: CheckError.unknown("unparseable exim -bp output: \(expected)")) { try Self.exim(text) }
    }

    @Test func eximSpoolErrorsBecomeNotes() throws {
        let parser = try Self.exim(" 5m   349 1r31eq-00000000Hz4-00IL <a@b.example>\n    *** spool read error: No such file ***\n          c@d.example\n")
        #expect(parser.tally.messages == 1)
        #expect(parser.notes == ["exim: *** spool read error: No such file ***"])
    }

    // MARK: Sendmail

    static func localTime(_ year: Int32, _ month: Int32, _ day: Int32, _ hour: Int32, _ minute: Int32) -> Int64 {
        var t = tm()
        t.tm_year = year - 1900; t.tm_mon = month - 1; t.tm_mday = day; t.tm_hour = hour; t.tm_min = minute; t.tm_isdst = -1
        return Int64(mktime(&t))
    }

    @Test func sendmailListing() throws {
        let now = Self.localTime(2026, 9, 29, 6, 0)
        var parser = SendmailQueueParser(now: now)
        try MTAQueueParserTests.lines(MTAQueueParserTests.fixture("sendmail-bp.txt"), into: &parser) { p, l, n in try p.line(l, number: n) }
        parser.finish()
        parser.clientQueue = true
        try MTAQueueParserTests.lines(MTAQueueParserTests.fixture("sendmail-bp-client.txt"), into: &parser) { p, l, n in try p.line(l, number: n) }
        parser.finish()
        let tally = parser.tally
        #expect(parser.counted == 5)
        #expect(parser.reportedTotal == 5)
        #expect(tally.queue("deferred")?.messages == 2)
        #expect(tally.queue("active")?.messages == 1)
        #expect(tally.queue("hold")?.messages == 1)
        #expect(tally.queue("maildrop")?.messages == 1)
        #expect(tally.bytes == 27 + 62 + 410812 + 100 + 512)
        #expect(tally.recipients == 5)
        #expect(tally.oldestArrival == Self.localTime(2026, 9, 27, 4, 40))
        #expect(tally.reasons.top(3).map { "\($0.count) x \($0.key)" } ==
                ["2 x Connection timed out with mailer.example.net.", "1 x Connection refused by [...]", "1 x held by milter"])
        #expect(tally.domains.top(1).first?.key == "example.net")
    }

    @Test func sendmailDateWithoutYearIsNeverInTheFuture() {
        let now = Self.localTime(2026, 1, 2, 12, 0)
        let arrival = SendmailQueueParser.arrival(month: Array("Dec".utf8)[...], day: Array("31".utf8)[...], time: Array("23:59".utf8)[...], now: now)
        #expect(arrival == Self.localTime(2025, 12, 31, 23, 59))
    }

    @Test func sendmailEmptyQueue() throws {
        var parser = SendmailQueueParser(now: 0)
        try MTAQueueParserTests.lines(Array("/var/spool/mqueue is empty\n\t\tTotal requests: 0\n".utf8), into: &parser) { p, l, n in try p.line(l, number: n) }
        parser.finish()
        #expect(parser.tally.messages == 0)
        #expect(parser.reportedTotal == 0)
    }

    // MARK: OpenSMTPD

    @Test func openSMTPDEnvelopesAreGroupedIntoMessages() throws {
        var parser = OpenSMTPDQueueParser()
        try MTAQueueParserTests.lines(MTAQueueParserTests.fixture("opensmtpd-show-queue.txt"), into: &parser) { p, l, n in try p.line(l, number: n) }
        parser.finish()
        let tally = parser.tally
        #expect(tally.messages == 3)
        #expect(tally.queue("deferred")?.messages == 1)
        #expect(tally.queue("deferred")?.recipients == 2)
        #expect(tally.queue("active")?.messages == 1)
        #expect(tally.queue("hold")?.messages == 1)
        #expect(tally.oldestArrival == 1_700_000_000)
        #expect(!parser.offline)
        #expect(tally.reasons.top(3).map { "\($0.count) x \($0.key)" } ==
                ["2 x Network error on destination MXs", "1 x 450 4.2.0 <...> greylisted|try later"])
    }

    @Test func openSMTPDOfflineMeansDown() throws {
        var parser = OpenSMTPDQueueParser()
        let line = "a1b2c3d4e5f60001|inet4|mta||a@b.example|c@d.example|c@d.example|1700000000|1700864000|0|0|offline||\n"
        try MTAQueueParserTests.lines(Array(line.utf8), into: &parser) { p, l, n in try p.line(l, number: n) }
        parser.finish()
        #expect(parser.offline)
        #expect(parser.tally.messages == 1)
    }

    @Test func openSMTPDGarbageIsUnknown() {
        var parser = OpenSMTPDQueueParser()
        #expect(throws: CheckError.self) {
            try MTAQueueParserTests.lines(Array("smtpctl: connect: Permission denied\n".utf8), into: &parser) { p, l, n in try p.line(l, number: n) }
        }
    }
}
