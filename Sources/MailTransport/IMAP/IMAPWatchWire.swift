#if canImport(Glibc)
import Glibc
#endif
import CLibcurl
import CheckKit

/// One response line of a raw IMAP conversation, with its literals (`{n}` data) kept apart.
public struct IMAPWireLine: Sendable {
    /// The line without CRLF; each literal stays as its `{n}` marker, its bytes are in `literals`.
    public let text: String
    /// The literals in the order they came (a fetched header, for example).
    public let literals: [[UInt8]]
    /// Monotonic time (`Deadline.now()`) the line was complete.
    public let receivedAt: Double
}

/// A tagged command's answer on the raw connection: completion, untagged lines, times.
public struct IMAPWireReply: Sendable {
    /// The command as sent (credentials redacted).
    public let command: String
    /// The completion status.
    public let status: IMAPReply.Status
    /// The completion text after the status word.
    public let text: String
    /// Untagged responses without their `* ` marker.
    public let untagged: [IMAPWireLine]
    /// Monotonic times the command went out and its completion came back.
    public let sentAt: Double
    /// Monotonic time the completion came back.
    public let completedAt: Double

    /// Seconds from sending the command to its completion.
    public var seconds: Double { max(0, completedAt - sentAt) }
    /// `NO [TRYCREATE] ...`, for messages.
    public var completion: String { text.isEmpty ? status.rawValue : "\(status.rawValue) \(text)" }
}

/// Bytes received on a connection that libcurl set up, split into IMAP lines with literals.
/// Bounded: a line (literals included) longer than `limit` ends the run with an error rather
/// than growing without end.
struct IMAPWireBuffer {
    var bytes: [UInt8] = []
    let limit: Int

    init(limit: Int = 4 << 20) { self.limit = limit }

    /// The next complete line with its literals, removed from the buffer; nil when more bytes are needed.
    mutating func nextLine(at time: Double) throws(IMAPWireError) -> IMAPWireLine? {
        var index = 0
        var text: [UInt8] = []
        var literals: [[UInt8]] = []
        while true {
            guard let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) else {
                if bytes.count > limit { throw .tooLong }
                return nil
            }
            var end = newline
            if end > index && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let segment = bytes[index..<end]
            text += segment
            if let size = Self.literalSize(segment) {
                guard size <= limit else { throw .tooLong }
                let start = newline + 1
                guard bytes.count - start >= size else {
                    if bytes.count > limit { throw .tooLong }
                    return nil
                }
                literals.append(Array(bytes[start..<(start + size)]))
                index = start + size
                continue
            }
            bytes.removeFirst(newline + 1)
            return IMAPWireLine(text: String(decoding: text, as: UTF8.self), literals: literals, receivedAt: time)
        }
    }

    /// `n` of a line ending in `{n}` (or `{n+}`); nil for any other ending. A size too large to
    /// hold is `Int.max`, so that it fails the limit instead of passing for a line of text.
    static func literalSize(_ segment: ArraySlice<UInt8>) -> Int? {
        guard segment.last == UInt8(ascii: "}"), let open = segment.lastIndex(of: UInt8(ascii: "{")) else { return nil }
        var digits = segment[(open + 1)..<(segment.endIndex - 1)]
        if digits.last == UInt8(ascii: "+") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        guard digits.count <= 12 else { return Int.max }
        return Int(String(decoding: digits, as: UTF8.self))
    }
}

/// Why reading or writing the raw connection stopped.
enum IMAPWireError: Error {
    case tooLong
    case closed
    case timedOut
    case failed(CURLcode)
}

/// Waits on the socket libcurl connected, bounded by an absolute monotonic time.
enum IMAPWireSocket {
    /// True when `fd` became ready for `events` before `until`; without a socket it naps 1 ms.
    static func wait(_ fd: Int32, events: Int16, until: Double) -> Bool {
        let left = until - Deadline.now()
        guard left > 0 else { return false }
        guard fd >= 0 else {
            usleep(UInt32(min(1000, max(1, left * 1e6))))
            return true
        }
        var entry = pollfd(fd: fd, events: events, revents: 0)
        // Round up so a wait never ends a fraction of a millisecond early and spins.
        let ms = Int32(min(Double(Int32.max), (left * 1000).rounded(.up)))
        let ready = poll(&entry, 1, ms)
        return ready > 0 || (ready < 0 && errno == EINTR)
    }
}
