#if canImport(Glibc)
import Glibc
#endif

/// Small POSIX file helpers: no Foundation, errors carry the system's reason.
public enum FileIO {
    /// The C library's text for an errno value.
    public static func reason(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text).lowercased()
    }

    /// Reads a whole file of at most `limit` bytes. Throws a short reason on failure.
    public static func read(_ path: String, limit: Int = 1 << 20) throws(CheckError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unknown("cannot read \(path): \(reason(errno))") }
        defer { close(fd) }
        return try readAll(fd: fd, path: path, limit: limit)
    }

    /// Reads from an open descriptor until end of file, refusing more than `limit` bytes.
    public static func readAll(fd: Int32, path: String, limit: Int) throws(CheckError) -> [UInt8] {
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unknown("cannot read \(path): \(reason(errno))")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
            if out.count > limit { throw .unknown("\(path) is larger than \(limit) bytes") }
        }
        return out
    }

    /// Writes all bytes to a descriptor, retrying short writes.
    public static func writeAll(fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// True when something exists at `path`.
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// An environment variable, or nil.
    public static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}
