import CLibcurl
import CheckKit

/// The protocol conversation of one transfer, line by line with times, as curl's debug
/// callback reports it. Phase timings and server replies are read from it; credentials are
/// redacted before a line is stored.
public final class Transcript {
    /// Which way a line went.
    public enum Direction: Sendable { case received, sent, info }

    /// One line and when it happened, in seconds since the transfer started.
    public struct Event: Sendable {
        public let time: Double
        public let direction: Direction
        public let line: String
    }

    public private(set) var events: [Event] = []
    var start: Double = Deadline.now()
    let redact: @Sendable (String) -> String
    static let maxEvents = 4000

    init(redact: @escaping @Sendable (String) -> String) { self.redact = redact }

    func record(_ type: curl_infotype, _ bytes: UnsafeRawBufferPointer) {
        let direction: Direction
        switch type {
        case CURLINFO_HEADER_IN: direction = .received
        case CURLINFO_HEADER_OUT: direction = .sent
        case CURLINFO_TEXT: direction = .info
        default: return  // payload and TLS records are not protocol lines
        }
        let now = Deadline.now() - start
        // Split the bytes at CR and LF, not Characters: breaking every verbose TLS line into
        // graphemes cost more than all the rest of a run's Swift code. Same lines either way.
        for piece in bytes.prefix(4096).split(whereSeparator: { $0 == 10 || $0 == 13 }) where events.count < Transcript.maxEvents {
            // A server's bytes are shown as sent: invalid UTF-8 and control, bidi and zero-width
            // code points escaped (SafeText), never silently replaced.
            let line = String(SafeText.decode(piece.prefix(512)).prefix(512))
            events.append(Event(time: now, direction: direction, line: direction == .sent ? redact(line) : line))
        }
    }

    /// Lines received, in order.
    public var received: [Event] { events.filter { $0.direction == .received } }

    /// The last line the server sent, for error messages.
    public var lastReply: String? { events.last(where: { $0.direction == .received })?.line }

    /// The trace for `-vvv`: `<` received, `>` sent, `*` curl's notes.
    public func traceLines() -> [String] {
        events.map { event in
            let mark = event.direction == .received ? "<" : (event.direction == .sent ? ">" : "*")
            return "\(mark) [\(NumberFormat.decimal(event.time, fractionDigits: 4))] \(event.line)"
        }
    }
}
