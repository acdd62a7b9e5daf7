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
