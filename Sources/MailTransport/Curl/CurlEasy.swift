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
    /// Where response headers go, when captured; held so it lives as long as the handle.
    private var headers: HTTPHeaderSink?
    /// Re-arms TCP_QUICKACK on the connection's socket (see PromptAcknowledgement).
    let acknowledgement = PromptAcknowledgement()

    /// A fresh handle with the suite's defaults: no signals, no reuse, a bounded sink for
    /// data (curl's default would write to our stdout), and the protocol transcript.
    /// With `abortWhenFull` a body beyond `bodyLimit` ends the transfer (CURLE_WRITE_ERROR,
    /// `body.overflowed`) instead of being cut silently: HTTP wants to say "too large".
    public init(redact: @escaping @Sendable (String) -> String = { $0 }, bodyLimit: Int = 1 << 20,
                abortWhenFull: Bool = false) throws(CheckError) {
        try CurlLibrary.load()
        guard let h = mc_easy_init() else { throw .unknown("curl_easy_init failed") }
        handle = h
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        transcript = Transcript(redact: redact)
        body = DataSink(limit: bodyLimit, abortWhenFull: abortWhenFull)
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
        if option == CURLOPT_USE_SSL && value != Int(CURLUSESSL_NONE.rawValue) { try CurlLibrary.requireTLS("STARTTLS") }
        try check(mc_setopt_long(handle, option, value), option)
    }

    /// Sets a string option (curl copies it).
    public func set(_ option: CURLoption, _ value: String) throws(CheckError) {
        if option == CURLOPT_URL, let scheme = value.split(separator: ":", maxSplits: 1).first,
           ["https", "imaps", "pop3s", "smtps", "ftps", "ldaps"].contains(scheme.lowercased()) {
            try CurlLibrary.requireTLS("\(scheme.lowercased())://")
        }
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

    /// Sets a `curl_off_t` option (sizes: CURLOPT_MAXFILESIZE_LARGE, ...).
    public func set(_ option: CURLoption, offset value: Int64) throws(CheckError) {
        try check(mc_setopt_off(handle, option, curl_off_t(value)), option)
    }

    /// Unsets a string option (back to curl's default), e.g. CURLOPT_CUSTOMREQUEST between
    /// requests of one kept handle.
    public func clear(_ option: CURLoption) throws(CheckError) {
        try check(mc_setopt_string(handle, option, nil), option)
    }

    /// The request body (HTTP POST and friends); curl copies the bytes (COPYPOSTFIELDS), so
    /// they need not outlive this call.
    public func setPostFields(_ bytes: [UInt8]) throws(CheckError) {
        try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(bytes.count))
        var copy = bytes
        copy.append(0)
        let code = copy.withUnsafeMutableBytes { mc_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
        try check(code, CURLOPT_COPYPOSTFIELDS)
    }

    /// Delivers the response header lines to `sink` (curl's default drops them).
    public func captureHeaders(into sink: HTTPHeaderSink) throws(CheckError) {
        try check(mc_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback), CURLOPT_HEADERFUNCTION)
        try set(CURLOPT_HEADERDATA, pointer: Unmanaged.passUnretained(sink).toOpaque())
        headers = sink
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

    /// A string fact of the last transfer (effective URL, redirect target, content type).
    public func string(_ info: CURLINFO) -> String? {
        var value: UnsafeMutablePointer<CChar>? = nil
        guard mc_getinfo_string(handle, info, &value) == CURLE_OK, let value else { return nil }
        return String(cString: value)
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

    /// Asks for the server's certificate facts: read from the TLS connection right after the
    /// handshake when libcurl uses OpenSSL, else through CURLOPT_CERTINFO.
    public func collectCertificate() throws(CheckError) {
        if mc_peer_certificate_supported() != 0 {
            transcript.readsCertificate = true
        } else {
            try set(CURLOPT_CERTINFO, 1)
        }
    }

    /// The server's leaf certificate of the last TLS handshake (collectCertificate() first).
    public func peerCertificate() -> CertificateFacts? {
        transcript.certificate ?? CertificateFacts(chain: certificateChain())
    }

    /// Trust anchors: the user's CA file or directory as given; else only the system's hashed
    /// CA directory, where OpenSSL reads just the CA it needs, instead of curl's default bundle
    /// file, which it parses whole (every CA of the system) on every run.
    public func useCAs(file: String?, directory: String?) throws(CheckError) {
        if file != nil || directory != nil {
            if let file { try set(CURLOPT_CAINFO, file) }
            if let directory { try set(CURLOPT_CAPATH, directory) }
            return
        }
        guard let system = CurlLibrary.systemCADirectory else { return }
        try clear(CURLOPT_CAINFO)
        try set(CURLOPT_CAPATH, system)
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
