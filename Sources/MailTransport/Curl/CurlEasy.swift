#if canImport(Glibc)
import Glibc
#endif
import CLibcurl
import CheckKit

/// One curl easy handle and everything it points at; one owner, freed in deinit. Not
/// Sendable: a handle belongs to the task that made it.
public final class CurlEasy {
    /// The C handle: no code outside this type touches it, so every libcurl call made on a
    /// connection goes through a typed method here and every CURLcode is looked at.
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// Protocol events with their times, filled by the debug callback.
    public let transcript: Transcript
    /// The bytes curl received (a command's untagged reply, a fetched message), bounded.
    public let body: DataSink
    /// What an upload reads from; held here so it lives exactly as long as the handle.
    private var upload: UploadBox?
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    /// Re-arms TCP_QUICKACK on the connection's socket (see PromptAcknowledgement).
    let acknowledgement = PromptAcknowledgement()

    /// A fresh handle with the suite's defaults: no signals, no reuse, a bounded sink for
    /// data (curl's default would write to our stdout), and the protocol transcript.
    public init(redact: @escaping @Sendable (String) -> String = { $0 }, bodyLimit: Int = 1 << 20) throws(CheckError) {
        try CurlLibrary.load()
        guard let h = mc_easy_init() else { throw .unknown("curl_easy_init failed") }
        handle = h
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        transcript = Transcript(redact: redact)
        body = DataSink(limit: bodyLimit)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_FORBID_REUSE, 1)
        try set(CURLOPT_VERBOSE, 1)
        try check(mc_setopt_debug_callback(handle, transcriptCallback), CURLOPT_DEBUGFUNCTION)
        try set(CURLOPT_DEBUGDATA, pointer: Unmanaged.passUnretained(transcript).toOpaque())
        try check(mc_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, sinkCallback), CURLOPT_WRITEFUNCTION)
        try set(CURLOPT_WRITEDATA, pointer: Unmanaged.passUnretained(body).toOpaque())
        try acknowledgePromptly()
    }

    /// Acknowledges the server's segments at once instead of after the kernel's delayed-ACK
    /// timer, so a server that leaves Nagle on (Postfix after its TLS 1.3 session tickets) is
    /// timed for its own work; every handle does this, for every protocol and TLS mode.
    func acknowledgePromptly() throws(CheckError) {
        try check(mc_setopt_sockopt_callback(handle, rememberSocket), CURLOPT_SOCKOPTFUNCTION)
        try set(CURLOPT_SOCKOPTDATA, pointer: Unmanaged.passUnretained(acknowledgement).toOpaque())
        transcript.acknowledgement = acknowledgement
    }

    deinit {
        // Cleanup may still talk (curl's own QUIT or LOGOUT on a kept connection) and call the
        // write and read callbacks: `body` and `upload` are stored properties, released only
        // after this body returns, so they are alive for it.
        mc_easy_cleanup(handle)
        lists.forEach { mc_slist_free_all($0) }
        errorBuffer.deallocate()
    }

    /// Sets a `long` option.
    public func set(_ option: CURLoption, _ value: Int) throws(CheckError) {
        try check(mc_setopt_long(handle, option, value), option)
    }

    /// Sets a string option (curl copies it).
    public func set(_ option: CURLoption, _ value: String) throws(CheckError) {
        try check(mc_setopt_string(handle, option, value), option)
    }

    /// Sets a pointer option; private because a pointer's lifetime is this type's to manage.
    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(CheckError) {
        try check(mc_setopt_pointer(handle, option, pointer), option)
    }

    /// Sets a string-list option; the list lives as long as the handle.
    public func set(_ option: CURLoption, list: [String]) throws(CheckError) {
        var head: UnsafeMutablePointer<curl_slist>? = nil
        for item in list { head = mc_slist_append(head, item) }
        if let head { lists.append(head) }
        try check(mc_setopt_slist(handle, option, head), option)
    }

    /// Credentials for the SASL exchange curl runs itself: the secret goes out as a password,
    /// or as an OAuth2 bearer token (CURLOPT_XOAUTH2_BEARER) when `bearer` is set, and curl is
    /// held to `mechanism` (`PLAIN`, `OAUTHBEARER`) instead of picking one on its own.
    public func setLogin(user: String, secret: String, bearer: Bool, mechanism: String) throws(CheckError) {
        try set(CURLOPT_USERNAME, user)
        try set(bearer ? CURLOPT_XOAUTH2_BEARER : CURLOPT_PASSWORD, secret)
        try set(CURLOPT_LOGIN_OPTIONS, "AUTH=\(mechanism)")
    }

    /// Uploads read from `source` (SMTP's message); the source lives as long as the handle.
    public func setUpload(_ source: some CurlUploadSource) throws(CheckError) {
        let box = UploadBox(source)
        upload = box
        try check(mc_setopt_data_callback(handle, CURLOPT_READFUNCTION, uploadCallback), CURLOPT_READFUNCTION)
        try set(CURLOPT_READDATA, pointer: Unmanaged.passUnretained(box).toOpaque())
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(CheckError) {
        if code != CURLE_OK {
            throw .unknown("libcurl refused option \(option.rawValue): \(String(cString: mc_easy_strerror(code)))")
        }
    }

    /// Ends the coming transfers at once when the server sends a line `match` accepts, by
    /// shutting the socket from curl's debug callback; nil turns it off. For replies curl
    /// cannot answer and would otherwise wait on until the timeout: a `+` continuation to a
    /// command curl sent as a custom request (AUTHENTICATE XOAUTH2 with a rejected token,
    /// where the server wants one more client line). curl then fails with a receive error.
    public func hangUp(onReceiving match: ((String) -> Bool)?) {
        transcript.hangUpOn = match
    }

    /// Runs the transfer; the result keeps curl's code and its most specific message.
    public func perform() -> CurlOutcome {
        transcript.start = Deadline.now()
        errorBuffer[0] = 0
        let code = mc_easy_perform(handle)
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: mc_easy_strerror(code)) : detail
        return CurlOutcome(code: code, message: message)
    }

    /// A time from curl's timers, in seconds, or nil when that phase did not happen.
    public func seconds(_ info: CURLINFO) -> Double? {
        var value: curl_off_t = 0
        guard mc_getinfo_off(handle, info, &value) == CURLE_OK, value > 0 else { return nil }
        return Double(value) / 1e6
    }

    /// A numeric fact (response code, ...).
    public func long(_ info: CURLINFO) -> Int? {
        var value: Int = 0
        guard mc_getinfo_long(handle, info, &value) == CURLE_OK else { return nil }
        return value
    }

    /// curl's CURL_READFUNC_ABORT, for a `CurlUploadSource` that must stop the upload.
    public static let abortUpload = 0x1000_0000

    /// curl's short text for a code (`Failure when receiving data from the peer`).
    public static func describe(_ code: CURLcode) -> String { String(cString: mc_easy_strerror(code)) }

    /// The connected socket (CURLINFO_ACTIVESOCKET), or nil when there is none.
    ///
    /// The shim has no `curl_socket_t *` getter; curl writes an int through the pointer, so a
    /// zeroed `long` receives it in its low half on a little-endian host (and in the high half
    /// on a big-endian one). Whatever comes out is checked to be a socket before it is used.
    public func activeSocket() -> Int32? {
        var raw: Int = 0
        guard mc_getinfo_long(handle, CURLINFO_ACTIVESOCKET, &raw) == CURLE_OK else { return nil }
        #if _endian(little)
        let fd = Int32(truncatingIfNeeded: raw)
        #else
        let fd = Int32(truncatingIfNeeded: raw >> 32)
        #endif
        var info = stat()
        guard fd >= 0, fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFSOCK else { return nil }
        return fd
    }

    /// Sends raw bytes on a CONNECT_ONLY connection (curl_easy_send, through TLS when on).
    public func send(_ bytes: UnsafeRawBufferPointer) -> CurlIO {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return .done(0) }
        var sent = 0
        return CurlIO(mc_easy_send(handle, base, bytes.count, &sent), count: sent)
    }

    /// Receives raw bytes on a CONNECT_ONLY connection (curl_easy_recv); `.done(0)` is the peer's close.
    public func receive(into buffer: UnsafeMutableRawBufferPointer) -> CurlIO {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .again }
        var got = 0
        return CurlIO(mc_easy_recv(handle, base, buffer.count, &got), count: got)
    }

    /// The certificate chain's fields (leaf first), when CURLOPT_CERTINFO was set.
    public func certificateChain() -> [[String]] {
        var info: UnsafeMutablePointer<curl_certinfo>? = nil
        guard mc_getinfo_certinfo(handle, &info) == CURLE_OK, let info else { return [] }
        var chain: [[String]] = []
        let count = Int(info.pointee.num_of_certs)
        guard count > 0, let certs = info.pointee.certinfo else { return [] }
        for i in 0..<count {
            var fields: [String] = []
            var node = certs[i]
            while let n = node {
                if let data = n.pointee.data { fields.append(String(cString: data)) }
                node = n.pointee.next
            }
            chain.append(fields)
        }
        return chain
    }
}

/// What one raw send or receive on a CONNECT_ONLY connection did.
public enum CurlIO: Equatable {
    /// This many bytes went out or came in (0 on receive: the peer closed).
    case done(Int)
    /// Nothing now (CURLE_AGAIN): wait on the socket and try again.
    case again
    /// curl failed with this code.
    case failed(CURLcode)

    init(_ code: CURLcode, count: Int) {
        switch code {
        case CURLE_OK: self = .done(count)
        case CURLE_AGAIN: self = .again
        default: self = .failed(code)
        }
    }
}

/// A finished transfer's code and message.
public struct CurlOutcome: Sendable {
    /// curl's result code.
    public let code: CURLcode
    /// The sentence shown to the user.
    public let message: String
    /// True when curl reported success.
    public var ok: Bool { code == CURLE_OK }
}

private let sinkCallback: mc_data_callback = { data, size, count, user in
    let total = size * count
    guard let user, let data else { return total }
    Unmanaged<DataSink>.fromOpaque(user).takeUnretainedValue()
        .append(UnsafeRawBufferPointer(start: data, count: total))
    return total
}

private let uploadCallback: mc_data_callback = { buffer, size, count, user in
    guard let user, let buffer else { return 0 }
    return Unmanaged<UploadBox>.fromOpaque(user).takeUnretainedValue().source
        .read(into: UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
}

private let transcriptCallback: curl_debug_callback = { _, type, data, size, user in
    guard let user, let data else { return 0 }
    let transcript = Unmanaged<Transcript>.fromOpaque(user).takeUnretainedValue()
    // Every event (a command sent, a TLS handshake message, a note) may follow a send that put
    // the kernel back into delayed-ACK mode: leave it before the server's next segment arrives.
    transcript.acknowledgement?.rearm()
    let before = transcript.events.count
    transcript.record(type, UnsafeRawBufferPointer(start: data, count: size))
    if transcript.wantsHangUp(from: before), let fd = transcript.acknowledgement?.socket, fd >= 0 {
        shutdown(fd, Int32(SHUT_RDWR))
    }
    return 0
}
