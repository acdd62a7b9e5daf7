/// Collects what curl delivers to the write callback, up to a limit: the one sink every
/// transfer uses (a fetched message, a custom command's untagged lines, an HTTP body).
public final class DataSink {
    /// The bytes received since the last `reset()`, at most `limit`.
    public private(set) var bytes: [UInt8] = []
    /// Bytes beyond this are dropped, so a server cannot grow memory without end.
    public let limit: Int

    /// When true, bytes past `limit` stop the transfer (HTTP: a body too large is an error);
    /// when false they are dropped quietly (a mail command's reply is judged by what fits).
    public let abortWhenFull: Bool
    /// True once the server sent more than `limit` bytes since the last `reset()`.
    public private(set) var overflowed = false

    init(limit: Int, abortWhenFull: Bool = false) {
        self.limit = limit
        self.abortWhenFull = abortWhenFull
    }

    /// Forgets what was received, for the next command on a kept connection.
    public func reset() {
        bytes.removeAll(keepingCapacity: true)
        overflowed = false
    }

    /// Keeps what fits; false asks curl to abort (only when `abortWhenFull`).
    func append(_ p: UnsafeRawBufferPointer) -> Bool {
        if bytes.count + p.count > limit { overflowed = true }
        if overflowed && abortWhenFull { return false }
        if bytes.count < limit { bytes.append(contentsOf: p.prefix(limit - bytes.count)) }
        return true
    }
}

/// What an upload reads from, in the pieces curl asks for.
public protocol CurlUploadSource: AnyObject {
    /// Fills `buffer` and returns the bytes written: 0 at the end, or curl's
    /// CURL_READFUNC_ABORT (`CurlEasy.abortUpload`) to end the transfer.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int
}

/// A class box, so the C callback gets one concrete type to unwrap.
final class UploadBox {
    let source: any CurlUploadSource
    init(_ source: any CurlUploadSource) { self.source = source }
}
