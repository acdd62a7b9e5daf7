import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loopback TCP server for what no real server does on request: say nothing, send garbage,
/// send an endless line, or reset. Each accepted connection gets `script` on its own thread.
final class FakeServer: @unchecked Sendable {
    enum Behaviour: Sendable {
        /// Accept and never send a byte.
        case silent
        /// Send these bytes, then keep the connection open without reading further.
        case send([UInt8])
        /// Send bytes without end (an endless line).
        case flood
        /// Accept and close at once.
        case close
        /// Play a script: replies per received line, faults (close, reset, drip, ...) where it says.
        case script(FaultScript)
    }

    let port: Int
    private let listener: Int32
    private let held = Held()

    /// Accepted connections, closed with the server; a class of its own so the accept thread
    /// does not keep the server alive (which would leave its thread blocked in accept).
    /// Each descriptor is closed exactly once, under the lock: a number closed twice could by
    /// then belong to another test's socket (tests run in parallel in one process).
    /// A connection whose thread still uses it is only shut down here (which wakes the thread);
    /// that thread closes it itself with `release`.
    final class Held: @unchecked Sendable {
        private var fds: [Int32: Bool] = [:]
        private let lock = NSLock()
        /// Registers `fd`; `owned` when its serving thread will `release` it.
        func add(_ fd: Int32, owned: Bool) { lock.lock(); fds[fd] = owned; lock.unlock() }
        /// Closes `fd` once its thread is done with it.
        func release(_ fd: Int32) { lock.lock(); if fds.removeValue(forKey: fd) != nil { close(fd) }; lock.unlock() }
        /// Shuts every connection down; closes those no thread uses.
        func closeAll() {
            lock.lock()
            for (fd, owned) in fds {
                shutdown(fd, Int32(SHUT_RDWR))
                if !owned { close(fd); fds[fd] = nil }
            }
            lock.unlock()
        }
    }

    init(_ behaviour: Behaviour) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { close(listener); throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) }
        }
        self.port = Int(UInt16(bigEndian: addr.sin_port))
        let fd = listener
        let held = self.held
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                switch behaviour {
                case .flood, .close, .script: held.add(client, owned: true)
                case .silent, .send: held.add(client, owned: false)
                }
                Thread.detachNewThread { FakeServer.serve(client, behaviour, held) }
            }
        }
    }

    static func serve(_ client: Int32, _ behaviour: Behaviour, _ held: Held) {
        switch behaviour {
        case .silent: break
        case .send(let bytes): _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        case .flood:
            let chunk = [UInt8](repeating: UInt8(ascii: "A"), count: 65536)
            while chunk.withUnsafeBytes({ send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) > 0 {}
            held.release(client)
        case .close: held.release(client)
        case .script(let script):
            script.play(on: client)
            held.release(client)
        }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        held.closeAll()
    }
}
