import CLibcurl
import CheckKit

/// Response header lines of one transfer; a new status line (after a 1xx) starts over.
public final class HTTPHeaderSink {
    /// The status line (`HTTP/1.1 200 OK`), without the line end.
    public private(set) var statusLine = ""
    /// Header lines after the status line, as received.
    public private(set) var lines: [String] = []
    static let maxLines = 500

    /// An empty sink.
    public init() {}

    /// Forgets the previous response.
    public func reset() { statusLine = ""; lines = [] }

    func append(_ bytes: UnsafeRawBufferPointer) {
        var raw = bytes.prefix(8192)
        while let last = raw.last, last == 10 || last == 13 { raw = raw.dropLast() }
        let line = SafeText.decode(raw)
        if line.hasPrefix("HTTP/") {
            statusLine = line
            lines = []
        } else if !line.isEmpty && lines.count < Self.maxLines {
            lines.append(line)
        }
    }
}

/// curl's header callback: each call is one header line, handed to the sink CurlEasy set.
let headerCallback: mc_data_callback = { data, size, count, user in
    let total = size * count
    guard let user, let data else { return total }
    Unmanaged<HTTPHeaderSink>.fromOpaque(user).takeUnretainedValue()
        .append(UnsafeRawBufferPointer(start: data, count: total))
    return total
}
