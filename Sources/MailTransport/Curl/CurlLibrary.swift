#if canImport(Glibc)
import Glibc
#endif
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

    /// Says whether this run may need TLS, before the first handle exists: a plain-text check
    /// (SMTP, IMAP, POP3 without TLS, no token endpoint over HTTPS) then loads
    /// libmailcheck-curl-plain.so, which loads neither libssl nor libcrypto. Without this call
    /// the library with TLS is loaded; after loading, the call changes nothing.
    public static func prepare(needsTLS: Bool) {
        mc_curl_prepare(needsTLS ? 1 : 0)
    }

    /// The path or name of the loaded library (empty before loading).
    public static var path: String { String(cString: mc_curl_path()) }

    /// UNKNOWN when the loaded libcurl has no TLS (the plain library, loaded because the check
    /// said it needs none): a TLS request must never fail obscurely or go out in clear.
    static func requireTLS(_ what: String) throws(CheckError) {
        guard loaded, mc_curl_has_tls() == 0 else { return }
        throw CheckError(.unknown, "\(what) needs TLS, but the libcurl this run loaded has none (\(path))",
                         detail: [(getenv("MAILCHECK_LIBCURL").map { $0.pointee != 0 } ?? false)
                                  ? "MAILCHECK_LIBCURL names a libcurl without TLS (libmailcheck-curl-plain.so is for plain-text checks)"
                                  : "the check chose libmailcheck-curl-plain.so (CurlLibrary.prepare(needsTLS: false)) and then asked for TLS: a bug, please report it"])
    }

    /// libcurl's version, for `-vv`.
    public static var version: String {
        loaded ? "\(String(cString: mc_version_string())) from \(String(cString: mc_curl_path()))" : "not loaded"
    }
}
