import Foundation
import Testing
@testable import MailChecks
@testable import MailTransport

/// The pieces of check_delivery_latency that read what servers and other people wrote: the
/// probe token (strict), mail dates, Received headers and the hops made of them, the raw IMAP
/// line splitter with literals, and the queue ID of a 250 reply.
@Suite struct DeliveryLatencyParserTests {
    static let hex = String(repeating: "0f", count: 16)

    @Test func tokenRoundTripsAndParsesStrictly() throws {
        let token = ProbeToken(checkName: "mx-in", sentMillis: 1_795_615_490_866, random: Self.hex, host: "mon1.example.net")
        #expect(token.text == "mailcheck/mx-in/1795615490866/\(Self.hex)@mon1.example.net")
        #expect(ProbeToken(parsing: token.text) == token)
        #expect(ProbeToken(parsing: "  \(token.text)\t") == token)
        #expect(token.text.hasPrefix(ProbeToken.prefix("mx-in")))
    }

    @Test(arguments: [
        "", "mailcheck/", "mailcheck/mx/123/\(hex)", "mailcheck/mx/123/\(hex)@", "Mailcheck/mx/123/\(hex)@h",
        "mailcheck/mx/12a/\(hex)@h", "mailcheck/mx/123/\(hex.uppercased())@h", "mailcheck/mx/123/\(hex)0@h",
        "mailcheck/mx/123/\(hex)@h x", "mailcheck/m/x/123/\(hex)@h", "mailcheck//123/\(hex)@h",
        "mailcheck/mx/9999999999999999/\(hex)@h", "xmailcheck/mx/123/\(hex)@h", "mailcheck/mx/123/\(hex)@h/i",
    ])
    func tokensThatAreNotExactlyOursAreRejected(text: String) {
        #expect(ProbeToken(parsing: text) == nil)
    }

    @Test func freshTokensAreRandomAndCarryTheSendTime() throws {
        let a = try ProbeToken.make(checkName: "x", now: 1_700_000_000.123)
        let b = try ProbeToken.make(checkName: "x", now: 1_700_000_000.123)
        #expect(a.random != b.random && a.random.count == 32)
        #expect(a.sentMillis == 1_700_000_000_123)
        #expect(ProbeToken(parsing: a.text) == a)
    }

    @Test func probeMessageSaysWhatItIs() {
        let token = ProbeToken(checkName: "mx", sentMillis: 1000, random: Self.hex, host: "h")
        let text = String(decoding: ProbeMessage.compose(token: token, from: "a@b", to: "c@d", staleAfter: 3600, sentAt: 0), as: UTF8.self)
        #expect(text.hasPrefix("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\nFrom: <a@b>\r\nTo: <c@d>\r\nSubject: mailcheck delivery probe \(token.text)\r\n"))
        #expect(text.contains("\r\nX-Mailcheck-Probe: \(token.text)\r\n"))
        #expect(text.contains("\r\nAuto-Submitted: auto-generated\r\n"))
        #expect(text.contains("\r\n\r\nThis message is a delivery probe of check_delivery_latency"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "bare LF")
    }

    @Test(arguments: [
        ("Tue, 25 Nov 2026 13:58:12 +0000", 1_795_615_092.0),
        ("25 Nov 2026 13:58:12 +0000 (UTC)", 1_795_615_092.0),
        ("Tue, 25 Nov 2026 14:58:12 +0100", 1_795_615_092.0),
        ("tue, 25 nov 2026 08:28:12 -0530", 1_795_615_092.0),
        ("Tue, 25 Nov 2026 13:58 GMT", 1_795_615_080.0),
        (" Tue,\t25 Nov 26 13:58:12 UT", 1_795_615_092.0),
    ])
    func mailDatesParse(text: String, expected: Double) {
        #expect(MailDate.parse(text) == expected)
    }

    @Test(arguments: ["", "yesterday", "32 Nov 2026 13:58:12 +0000", "25 Foo 2026 13:58:12 +0000", "25 Nov 2026 24:00:00 +0000",
                      "25 Nov 2026 13:58:12 +2400", "25 Nov 2026 13:58:12 EST", "25 Nov 99999 13:58:12 +0000",
                      "99999999999999999999 Nov 2026 1:2:3 +0000", "25 Nov 2026 13:x:12 +0000"])
    func badMailDatesAreNil(text: String) {
        #expect(MailDate.parse(text) == nil)
    }

    @Test func mailDateFormatIsRFC5322() {
        #expect(MailDate.format(1_795_615_092.9) == "Wed, 25 Nov 2026 13:58:12 +0000")
        #expect(MailDate.parse(MailDate.format(1_795_615_092)) == 1_795_615_092)
    }

    @Test func receivedHeadersOfPostfixAndDovecot() throws {
        let header = Array(("Return-Path: <p@example.test>\r\n" +
            "Received: from mail.example.test\r\n\tby mail.example.test with LMTP\r\n\tid gkQBBHfp (envelope-from <p@example.test>)\r\n\tfor <bob@example.test>; Tue, 25 Nov 2026 13:58:15 +0000\r\n" +
            "Received: from vm (localhost [127.0.0.1])\r\n\tby mail.example.test (Postfix) with ESMTP id CB916F82150\r\n\tfor <bob@example.test>; Tue, 25 Nov 2026 13:58:12 +0000 (UTC)\r\n" +
            "X-Mailcheck-Probe: x\r\n\r\nbody: not a header\r\n").utf8)
        let fields = HeaderFields(header)
        let received = fields.values("received")
        #expect(received.count == 2)
        #expect(fields.values("X-MAILCHECK-PROBE") == ["x"])
        #expect(fields.values("body").isEmpty)
        let postfix = ReceivedHop(received[1])
        #expect(postfix.by == "mail.example.test" && postfix.software == "Postfix" && postfix.with == "ESMTP" && postfix.id == "CB916F82150")
        #expect(postfix.from == "vm" && postfix.date == 1_795_615_092)
        let lines = ReceivedHops.describe(received, submittedAt: 1_795_615_092.4)
        #expect(lines == [
            "hops (Received headers, oldest first; whole seconds by each host's clock):",
            "  1. mail.example.test (Postfix, ESMTP, id CB916F82150) from vm: 0 s after submission",
            "  2. mail.example.test (LMTP, id gkQBBHfp) from mail.example.test: 3 s after hop 1",
        ])
    }

    @Test func hopsWithSkewedOrMissingDatesAreShownNotSubtracted() {
        let lines = ReceivedHops.describe([
            "from b by c with SMTP; Tue, 25 Nov 2026 13:58:10 +0000",
            "from a by b with ESMTP; garbage",
            "from x by a with ESMTPA; Tue, 25 Nov 2026 13:59:12 +0000",
        ], submittedAt: 1_795_615_092)
        #expect(lines[1] == "  1. a (ESMTPA) from x: 60 s after submission")
        #expect(lines[2] == "  2. b (ESMTP) from a: no readable date")
        #expect(lines[3] == "  3. c (SMTP) from b")
        #expect(ReceivedHops.describe([], submittedAt: 0) == ["hops: the delivered probe carries no Received header"])
        let skew = ReceivedHops.describe(["by a; Tue, 25 Nov 2026 13:58:02 +0000"], submittedAt: 1_795_615_092)
        #expect(skew[1] == "  1. a: 0 s after submission (its clock reads 10 s earlier)")
    }

    @Test func wireBufferSplitsLinesAndLiterals() throws {
        var buffer = IMAPWireBuffer(limit: 1000)
        buffer.bytes = Array("* 1 FETCH (UID 7 BODY[HEADER] {5}\r\nab\r\n".utf8)
        #expect(try buffer.nextLine(at: 0) == nil, "literal incomplete")
        buffer.bytes += Array("c)\r\nW1 OK done\r\n* SEARCH".utf8)
        let fetch = try #require(try buffer.nextLine(at: 1))
        #expect(fetch.text == "* 1 FETCH (UID 7 BODY[HEADER] {5})")
        #expect(fetch.literals == [Array("ab\r\nc".utf8)])
        #expect(try buffer.nextLine(at: 2)?.text == "W1 OK done")
        #expect(try buffer.nextLine(at: 3) == nil)
        #expect(IMAPWireBuffer.literalSize(Array("x {12+}".utf8)[...]) == 12)
        #expect(IMAPWireBuffer.literalSize(Array("x {}".utf8)[...]) == nil)
        #expect(IMAPWireBuffer.literalSize(Array("x {9999999999999}".utf8)[...]) == Int.max)
        #expect(IMAPWireBuffer.literalSize(Array("x {12a}".utf8)[...]) == nil)
        var huge = IMAPWireBuffer(limit: 100)
        huge.bytes = Array("* 1 FETCH {101}\r\n".utf8)
        #expect(throws: IMAPWireError.self) { try huge.nextLine(at: 0) }
        var endless = IMAPWireBuffer(limit: 10)
        endless.bytes = Array(repeating: UInt8(ascii: "x"), count: 11)
        #expect(throws: IMAPWireError.self) { try endless.nextLine(at: 0) }
    }

    @Test(arguments: [
        ("250 2.0.0 Ok: queued as 4XyZ1ABC", "4XyZ1ABC"),
        ("250 OK id=1vG5Xy-0001Ab-2C", "1vG5Xy-0001Ab-2C"),
        ("250 2.0.0 5APEx1ab012345 Message accepted for delivery", "5APEx1ab012345"),
        ("250 Ok", nil),
        ("250 2.0.0 Ok: queued as <", nil),
    ])
    func queueIDsOfAcceptanceReplies(reply: String, id: String?) {
        #expect(SMTPSubmitter.queueID(reply) == id)
    }
}
