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

    /// The system's CA directory when it holds OpenSSL's hash links (`5ad8a5d6.0`, as Debian's
    /// update-ca-certificates makes them beside ca-certificates.crt); nil otherwise.
    static let systemCADirectory: String? = {
        let directory = "/etc/ssl/certs"
        guard access(directory + "/ca-certificates.crt", R_OK) == 0, let dir = opendir(directory) else { return nil }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix(while: { $0 != 0 })) }
            // 8 hex digits, a dot, a digit: a hash link.
            if name.count >= 10, name[8] == UInt8(ascii: "."), name[9] >= UInt8(ascii: "0"), name[9] <= UInt8(ascii: "9"),
               name[..<8].allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) {
                return directory
            }
        }
        return nil
    }()

    /// libcurl's version and where it came from, for `-vv`; says so when the bundled OpenSSL was
    /// passed over for the system's (an OpenSSL update since the build).
    public static var version: String {
        guard loaded else { return "not loaded" }
        let note = String(cString: mc_curl_note())
        return "\(String(cString: mc_version_string())) from \(String(cString: mc_curl_path()))\(note.isEmpty ? "" : "; \(note)")"
    }
}
