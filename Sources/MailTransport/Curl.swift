import CLibcurl
import CheckKit

/// libcurl, loaded on first use and initialised once per process.
public enum CurlLibrary {
    nonisolated(unsafe) static var loadError: String? = nil
    nonisolated(unsafe) static var loaded = false

    /// Loads libcurl (dlopen) and runs curl_global_init; UNKNOWN when it is missing.
    public static func load() throws(CheckError) {
        if loaded { return }
        if let loadError { throw .unknown(loadError) }
        var buffer = [CChar](repeating: 0, count: 512)
        if mc_curl_load(&buffer, buffer.count) != 0 {
            let message = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            loadError = message
            throw .unknown(message)
        }
        loaded = true
    }

    /// libcurl's version, for `-vv`.
    public static var version: String {
        loaded ? "\(String(cString: mc_version_string())) from \(String(cString: mc_curl_path()))" : "not loaded"
    }
}

/// One curl easy handle and everything it points at; one owner, freed in deinit. Not
/// Sendable: a handle belongs to the task that made it.
public final class CurlEasy {
    let handle: UnsafeMutableRawPointer
    let errorBuffer: UnsafeMutablePointer<CChar>
    /// Protocol events with their times, filled by the debug callback.
    public let transcript: Transcript
    /// The body curl received (a command's reply, a fetched message), bounded.
    public let body: BodySink
    var lists: [UnsafeMutablePointer<curl_slist>] = []
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
        body = BodySink(limit: bodyLimit)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_FORBID_REUSE, 1)
        try set(CURLOPT_VERBOSE, 1)
        _ = mc_setopt_debug_callback(handle, transcriptCallback)
        try set(CURLOPT_DEBUGDATA, pointer: Unmanaged.passUnretained(transcript).toOpaque())
        _ = mc_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, bodyCallback)
        try set(CURLOPT_WRITEDATA, pointer: Unmanaged.passUnretained(body).toOpaque())
        try acknowledgePromptly()
    }

    /// Acknowledges the server's segments at once instead of after the kernel's delayed-ACK
    /// timer, so a server that leaves Nagle on (Postfix after its TLS 1.3 session tickets) is
    /// timed for its own work; every handle does this, for every protocol and TLS mode.
    public func acknowledgePromptly() throws(CheckError) {
        _ = mc_setopt_sockopt_callback(handle, rememberSocket)
        try set(CURLOPT_SOCKOPTDATA, pointer: Unmanaged.passUnretained(acknowledgement).toOpaque())
        transcript.acknowledgement = acknowledgement
    }

    deinit {
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

    /// Sets a pointer option.
    public func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(CheckError) {
        try check(mc_setopt_pointer(handle, option, pointer), option)
    }

    /// Sets a string-list option; the list lives as long as the handle.
    public func set(_ option: CURLoption, list: [String]) throws(CheckError) {
        var head: UnsafeMutablePointer<curl_slist>? = nil
        for item in list { head = mc_slist_append(head, item) }
        if let head { lists.append(head) }
        try check(mc_setopt_slist(handle, option, head), option)
    }

    func check(_ code: CURLcode, _ option: CURLoption) throws(CheckError) {
        if code != CURLE_OK {
            throw .unknown("libcurl refused option \(option.rawValue): \(String(cString: mc_easy_strerror(code)))")
        }
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

/// A finished transfer's code and message.
public struct CurlOutcome: Sendable {
    public let code: CURLcode
    public let message: String
    public var ok: Bool { code == CURLE_OK }
}

/// Collects what curl delivers to the write callback, up to a limit.
public final class BodySink {
    public private(set) var bytes: [UInt8] = []
    let limit: Int
    init(limit: Int) { self.limit = limit }
    func append(_ p: UnsafeRawBufferPointer) {
        if bytes.count < limit { bytes.append(contentsOf: p.prefix(limit - bytes.count)) }
    }
}

private let bodyCallback: mc_data_callback = { data, size, count, user in
    let total = size * count
    guard let user, let data else { return total }
    Unmanaged<BodySink>.fromOpaque(user).takeUnretainedValue()
        .append(UnsafeRawBufferPointer(start: data, count: total))
    return total
}

private let transcriptCallback: curl_debug_callback = { _, type, data, size, user in
    guard let user, let data else { return 0 }
    let transcript = Unmanaged<Transcript>.fromOpaque(user).takeUnretainedValue()
    // Every event (a command sent, a TLS handshake message, a note) may follow a send that put
    // the kernel back into delayed-ACK mode: leave it before the server's next segment arrives.
    transcript.acknowledgement?.rearm()
    transcript.record(type, UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
