/// Collects what curl delivers to the write callback, up to a limit: the one sink every
/// transfer uses (a fetched message, a custom command's untagged lines).
public final class DataSink {
    /// The bytes received since the last `reset()`, at most `limit`.
    public private(set) var bytes: [UInt8] = []
    /// Bytes beyond this are dropped, so a server cannot grow memory without end.
    public let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Forgets what was received, for the next command on a kept connection.
    public func reset() { bytes.removeAll(keepingCapacity: true) }

    func append(_ p: UnsafeRawBufferPointer) {
        if bytes.count < limit { bytes.append(contentsOf: p.prefix(limit - bytes.count)) }
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
