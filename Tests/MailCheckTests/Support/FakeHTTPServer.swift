import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback HTTP/1.1 server for what no real web server does on request (redirect loops,
/// endless bodies, silence), and for counting connections. Each connection runs on its own
/// thread and serves requests until the client closes it.
final class FakeHTTPServer: @unchecked Sendable {
    /// One parsed request.
    struct Request: Sendable {
        let method: String
        let path: String
        let headers: [String: String]  // lower-cased names
        let body: [UInt8]
    }

    /// What to do with a request.
    enum Reply: Sendable {
        /// Status, headers and body, sent with Content-Length.
        case answer(Int, [(String, String)], [UInt8])
        /// Say nothing and keep the connection open.
        case silent
        /// Headers then `bytes` of body without Content-Length, then close.
        case stream(Int)
        /// Reset the connection (RST) without a word: what sogod does now and then to a
        /// kept-alive connection it had already decided to close.
        case reset
    }

    /// The port the kernel gave.
    var port: Int { listener.port }
    private var listener: LoopbackListener!
    private let lock = NSLock()
    private var _connections = 0
    private var _requests: [Request] = []
    /// Connections accepted so far.
    var connections: Int { lock.lock(); defer { lock.unlock() }; return _connections }
    /// Requests received so far.
    var requests: [Request] { lock.lock(); defer { lock.unlock() }; return _requests }

    init(_ handler: @escaping @Sendable (Request) -> Reply) throws {
        let counts = Tally()
        listener = try LoopbackListener { client in
            counts.connected()
            counts.server?.serve(client, handler)
            return .close
        }
        counts.server = self
    }

    /// Hands the listener's threads the server without keeping it alive.
    private final class Tally: @unchecked Sendable {
        weak var server: FakeHTTPServer?
        func connected() { guard let server else { return }; server.lock.lock(); server._connections += 1; server.lock.unlock() }
    }

    /// `http://127.0.0.1:PORT` + path.
    func url(_ path: String = "/") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Serves requests on one connection until the client closes it (the listener closes it then).
    private func serve(_ client: Int32, _ handler: (Request) -> Reply) {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            // Read until the end of the headers, then the declared body.
            var headerEnd: Int? = nil
            while headerEnd == nil {
                let n = recv(client, &chunk, chunk.count, 0)
                if n <= 0 { return }
                buffer += chunk[0..<n]
                headerEnd = Self.find([13, 10, 13, 10], in: buffer)
            }
            guard let end = headerEnd else { return }
            let head = String(decoding: buffer[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
            let first = head[0].split(separator: " ")
            var headers: [String: String] = [:]
            for line in head.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            buffer.removeFirst(end + 4)
            while buffer.count < length {
                let n = recv(client, &chunk, chunk.count, 0)
                if n <= 0 { return }
                buffer += chunk[0..<n]
            }
            let body = Array(buffer.prefix(length))
            buffer.removeFirst(length)
            let request = Request(method: first.first.map(String.init) ?? "", path: first.count > 1 ? String(first[1]) : "",
                                  headers: headers, body: body)
            lock.lock(); _requests.append(request); lock.unlock()
            switch handler(request) {
            case .silent:
                // Hold the connection until the client gives up.
                while recv(client, &chunk, chunk.count, 0) > 0 {}
                return
            case .answer(let status, let extra, let bytes):
                var text = "HTTP/1.1 \(status) Fake\r\nContent-Length: \(bytes.count)\r\n"
                for (name, value) in extra { text += "\(name): \(value)\r\n" }
                guard sendAll(client, Array((text + "\r\n").utf8) + bytes) else { return }
            case .reset:
                var linger = linger(l_onoff: 1, l_linger: 0)
                setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
                return
            case .stream(let total):
                guard sendAll(client, Array("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n".utf8)) else { return }
                let block = [UInt8](repeating: UInt8(ascii: "x"), count: 65536)
                var sent = 0
                while sent < total, sendAll(client, block) { sent += block.count }
                return
            }
        }
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}
