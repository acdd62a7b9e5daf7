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
        /// Seconds since the transfer started.
        public let time: Double
        /// Sent, received, or a note of curl.
        public let direction: Direction
        /// The line without CRLF.
        public let line: String
    }

    /// Every event so far, in order.
    public private(set) var events: [Event] = []
    var start: Double = Deadline.now()
    let redact: @Sendable (String) -> String
    /// The host curl connects to when it cannot name it itself (CURLOPT_CONNECT_TO).
    var peerName: String?
    /// Re-armed by the debug callback on each event; set by CurlEasy.acknowledgePromptly().
    var acknowledgement: PromptAcknowledgement?
    /// A received line this matches makes the debug callback shut the socket (see
    /// CurlEasy.hangUp(onReceiving:)); nil: never.
    var hangUpOn: ((String) -> Bool)?
    /// True when the debug callback reads the server's certificate after each TLS handshake
    /// (CurlEasy.collectCertificate()); the last one read is in `certificate`.
    var readsCertificate = false
    /// The server's leaf certificate, read during the last TLS handshake.
    var certificate: CertificateFacts?
    static let maxEvents = 4000

    init(redact: @escaping @Sendable (String) -> String) { self.redact = redact }

    /// True when a line received since `from` matches `hangUpOn`.
    func wantsHangUp(from: Int) -> Bool {
        guard let hangUpOn else { return false }
        return events[min(from, events.count)...].contains { $0.direction == .received && hangUpOn($0.line) }
    }

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
        // graphemes cost more than all the rest of a run's Swift code. Same lines either way
        // (empty ones dropped); an index scan, because `split` builds an array of slices whose
        // generic type is instantiated at run time on the first call (issue 14).
        let text = UnsafeRawBufferPointer(rebasing: bytes.prefix(4096))
        var lineStart = 0
        for end in 0...text.count where end == text.count || text[end] == 10 || text[end] == 13 {
            defer { lineStart = end + 1 }
            guard end > lineStart, events.count < Transcript.maxEvents else { continue }
            append(UnsafeRawBufferPointer(rebasing: text[lineStart..<min(end, lineStart + 512)]), direction, now)
        }
    }

    /// Stores one line (at most 512 bytes, at most 512 characters once escaped).
    private func append(_ piece: UnsafeRawBufferPointer, _ direction: Direction, _ now: Double) {
        // A server's bytes are shown as sent: invalid UTF-8 and control, bidi and zero-width
        // code points escaped (SafeText), never silently replaced.
        var line = SafeText.decode(piece)
        // Cutting at 512 Characters walks graphemes; a line of 512 UTF-8 bytes or fewer has no
        // more Characters than that, so only a longer (escaped) one is cut.
        if line.utf8.count > 512 { line = String(line.prefix(512)) }
        if direction == .info { line = Self.namingPeer(line, peer: peerName) }
        events.append(Event(time: now, direction: direction, line: direction == .sent ? redact(line) : line))
    }

    /// libcurl 7.88 names the host `(nil)` in its notes (`Connected to (nil) (127.0.0.1) port
    /// 993`, `Connection #0 to host (nil) left intact`) when CURLOPT_CONNECT_TO picked the
    /// address (--sni): `peer` (the -H host) takes its place, or, unknown, the address alone stays.
    /// Every note passes here: CheckKit's byte search, not the standard library's generic one
    /// (0.9M instructions on first use, a third of a plain check's run; issue 14).
    static func namingPeer(_ line: String, peer: String?) -> String {
        guard line.containsText("(nil)") else { return line }
        if let peer { return line.replacingText("(nil)", with: peer) }
        let broken = "Connected to (nil) ("
        if line.hasPrefix(broken) {
            let rest = line.dropFirst(broken.count)
            if let close = rest.firstIndex(of: ")") { return "Connected to \(rest[..<close])\(rest[rest.index(after: close)...])" }
        }
        return line.replacingText(" (nil)", with: "")
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
