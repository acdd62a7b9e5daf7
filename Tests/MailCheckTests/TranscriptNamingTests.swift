import Testing
@testable import MailTransport
import CheckKit

/// libcurl 7.88 writes `(nil)` for the host in its notes when CURLOPT_CONNECT_TO picked the
/// address (--sni); the transcript names the peer instead. Finding and replacing `(nil)` is
/// CheckKit's byte scan (issue 14: the generic string search cost a third of a plain run): pin
/// its edges on the notes it reads.
@Suite struct TranscriptNamingTests {
    @Test(arguments: [
        ("Connected to (nil) (127.0.0.1) port 993 (#0)", 13),
        ("(nil)", 0),
        ("((nil)", 1),
        ("(ni(nil)", 3),
        ("é (nil) ü", 3),
        ("x (nil", nil),
        ("nil)", nil),
        ("(NIL)", nil),
        ("( nil)", nil),
        ("", nil),
        ("Connected to mail.example (127.0.0.1) port 993 (#0)", nil),
    ] as [(String, Int?)])
    func findsNil(line: String, utf8Offset: Int?) {
        let found = line[...].firstRange(ofText: "(nil)")
        #expect(found.map { line.utf8.distance(from: line.startIndex, to: $0.lowerBound) } == utf8Offset)
        if let found { #expect(line[found] == "(nil)") }
    }

    @Test(arguments: [
        ("Connected to (nil) (127.0.0.1) port 993 (#0)", "mail.example", "Connected to mail.example (127.0.0.1) port 993 (#0)"),
        ("Connected to (nil) (127.0.0.1) port 993 (#0)", nil, "Connected to 127.0.0.1 port 993 (#0)"),
        ("Connection #0 to host (nil) left intact", nil, "Connection #0 to host left intact"),
        ("Connection #0 to host (nil) left intact", "mx.example", "Connection #0 to host mx.example left intact"),
        ("(nil) and (nil)", "a", "a and a"),
        ("(nil) and x (nil)", nil, "(nil) and x"),
        ("host é (nil) ü", nil, "host é ü"),
        ("SSL connection using TLSv1.3", "mail.example", "SSL connection using TLSv1.3"),
    ] as [(String, String?, String)])
    func namingPeer(line: String, peer: String?, expected: String) {
        #expect(Transcript.namingPeer(line, peer: peer) == expected)
    }
}
