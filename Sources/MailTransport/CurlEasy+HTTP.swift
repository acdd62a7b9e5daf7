import CLibcurl
import CheckKit

/// Typed HTTP settings for one handle: the HTTP code calls these and never touches the raw
/// handle, so the one gate to libcurl stays in this module's Curl files.
extension CurlEasy {
    /// Sets the URL of the next transfer.
    public func setURL(_ url: String) throws(CheckError) {
        try set(CURLOPT_URL, url)
    }

    /// Sets the request method and body. GET and HEAD send no body; any other method sends
    /// `body` (possibly empty) as POST data would, under its own method name.
    public func setMethod(_ method: String, body: [UInt8]?) throws(CheckError) {
        // Reset what an earlier request of this handle may have left behind.
        try check(mc_setopt_string(handle, CURLOPT_CUSTOMREQUEST, nil), CURLOPT_CUSTOMREQUEST)
        try set(CURLOPT_HTTPGET, 1)
        switch method {
        case "GET":
            return
        case "HEAD":
            try set(CURLOPT_NOBODY, 1)
            return
        default:
            let bytes = body ?? []
            try check(mc_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)), CURLOPT_POSTFIELDSIZE_LARGE)
            // COPYPOSTFIELDS copies the bytes, so the array need not outlive this call.
            var copy = bytes
            copy.append(0)
            let code = copy.withUnsafeMutableBytes { mc_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
            try check(code, CURLOPT_COPYPOSTFIELDS)
            if method != "POST" { try set(CURLOPT_CUSTOMREQUEST, method) }
        }
    }

    /// Request headers (`Name: value`) for the next transfer; an empty list sends curl's defaults only.
    public func setRequestHeaders(_ headers: [String]) throws(CheckError) {
        if headers.isEmpty {
            try check(mc_setopt_slist(handle, CURLOPT_HTTPHEADER, nil), CURLOPT_HTTPHEADER)
        } else {
            try set(CURLOPT_HTTPHEADER, list: headers)
        }
    }

    /// Turns on curl's cookie engine in memory only: an empty COOKIEFILE reads no file, and no
    /// COOKIEJAR is ever set, so no cookie reaches the disk.
    public func enableMemoryCookies() throws(CheckError) {
        try set(CURLOPT_COOKIEFILE, "")
    }

    /// Sends HTTP basic authentication, or none when `user` is nil.
    public func setBasicAuth(user: String?, password: String?) throws(CheckError) {
        if let user {
            try set(CURLOPT_HTTPAUTH, 1)  // CURLAUTH_BASIC: a macro Swift does not import
            try set(CURLOPT_USERNAME, user)
            try set(CURLOPT_PASSWORD, password ?? "")
        } else {
            try check(mc_setopt_string(handle, CURLOPT_USERNAME, nil), CURLOPT_USERNAME)
            try check(mc_setopt_string(handle, CURLOPT_PASSWORD, nil), CURLOPT_PASSWORD)
        }
    }

    /// Keeps connections open between transfers of this handle (HTTP keep-alive).
    public func allowConnectionReuse(_ allow: Bool) throws(CheckError) {
        try set(CURLOPT_FORBID_REUSE, allow ? 0 : 1)
    }

    /// Routes the connection to `host:port` whatever the URL names (SNI and verification keep the URL's name).
    public func connect(to host: String, port: Int) throws(CheckError) {
        let target = host.contains(":") ? "[\(host)]" : host
        try set(CURLOPT_CONNECT_TO, list: ["::\(target):\(port)"])
        transcript.peerName = host
    }

    /// Delivers the response headers to `sink` instead of nowhere.
    public func captureHeaders(into sink: HTTPHeaderSink) throws(CheckError) {
        try check(mc_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback), CURLOPT_HEADERFUNCTION)
        try set(CURLOPT_HEADERDATA, pointer: Unmanaged.passUnretained(sink).toOpaque())
    }

    /// Delivers the body to `sink`; the transfer aborts (CURLE_WRITE_ERROR) once the sink is full,
    /// and a declared Content-Length over the limit fails before any byte (CURLE_FILESIZE_EXCEEDED).
    public func captureBody(into sink: HTTPBodySink) throws(CheckError) {
        try check(mc_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, cappedBodyCallback), CURLOPT_WRITEFUNCTION)
        try set(CURLOPT_WRITEDATA, pointer: Unmanaged.passUnretained(sink).toOpaque())
        try check(mc_setopt_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(sink.limit)), CURLOPT_MAXFILESIZE_LARGE)
    }

    /// A string fact of the last transfer (effective URL, redirect target, content type).
    public func string(_ info: CURLINFO) -> String? {
        var value: UnsafeMutablePointer<CChar>? = nil
        guard mc_getinfo_string(handle, info, &value) == CURLE_OK, let value else { return nil }
        return String(cString: value)
    }
}

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

/// The body of one transfer, up to a limit; past it the sink refuses bytes so curl aborts,
/// which keeps memory bounded whatever the server sends.
public final class HTTPBodySink {
    /// The bytes received so far.
    public private(set) var bytes: [UInt8] = []
    /// The most bytes kept.
    public let limit: Int
    /// True once the server sent more than `limit` bytes.
    public private(set) var overflowed = false

    /// A sink that keeps at most `limit` bytes.
    public init(limit: Int) { self.limit = limit }

    /// Forgets the previous body.
    public func reset() { bytes = []; overflowed = false }

    func append(_ p: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count + p.count <= limit else { overflowed = true; return false }
        bytes.append(contentsOf: p)
        return true
    }
}

private let headerCallback: mc_data_callback = { data, size, count, user in
    let total = size * count
    guard let user, let data else { return total }
    Unmanaged<HTTPHeaderSink>.fromOpaque(user).takeUnretainedValue()
        .append(UnsafeRawBufferPointer(start: data, count: total))
    return total
}

private let cappedBodyCallback: mc_data_callback = { data, size, count, user in
    let total = size * count
    guard let user, let data else { return total }
    let accepted = Unmanaged<HTTPBodySink>.fromOpaque(user).takeUnretainedValue()
        .append(UnsafeRawBufferPointer(start: data, count: total))
    return accepted ? total : 0
}
