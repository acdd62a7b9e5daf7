import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one listener every fake server uses: bound to 127.0.0.1 on a free port, each accepted
/// connection served on a thread of its own, every connection shut down when the listener goes.
final class LoopbackListener: @unchecked Sendable {
    /// What happens to a connection when its serve function returns.
    enum AfterServe: Sendable {
        /// Closed now (the script ended, or the server hung up on purpose).
        case close
        /// Left open without a reader until the listener goes (a server that says nothing more).
        case keepOpen
    }

    /// The port the kernel gave.
    let port: Int
    private let fd: Int32
    private let held = Held()

    /// Listens and calls `serve` for each connection on its own thread.
    init(serve: @escaping @Sendable (Int32) -> AfterServe) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard named == 0 else { close(fd); throw POSIXError(.EBADF) }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: addr.sin_port))
        // The thread holds `held`, not self: otherwise it would keep the listener alive, blocked in accept.
        let held = self.held
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                // The listener is closed here, by the one thread that uses it: closed in deinit,
                // its number could be reused by another test's socket before this loop calls
                // accept again, and that test's connections would be stolen.
                if client < 0 { close(fd); return }
                held.add(client)
                Thread.detachNewThread {
                    switch serve(client) {
                    case .close: held.release(client)
                    case .keepOpen: held.disown(client)
                    }
                }
            }
        }
    }

    deinit {
        // Wakes accept (which then fails for good); the accept thread closes the descriptor.
        shutdown(fd, Int32(SHUT_RDWR))
        held.closeAll()
    }

    /// Accepted connections. Each descriptor is closed exactly once, under the lock: a number
    /// closed twice could by then belong to another test's socket (tests run in parallel in one
    /// process). One still being served is only shut down by `closeAll` (which wakes its
    /// thread); that thread then closes it through `release` or `disown`.
    final class Held: @unchecked Sendable {
        /// fd -> a thread still serves it.
        private var fds: [Int32: Bool] = [:]
        private var shut = false
        private let lock = NSLock()

        func add(_ fd: Int32) {
            lock.lock(); defer { lock.unlock() }
            fds[fd] = true
            if shut { shutdown(fd, Int32(SHUT_RDWR)) }
        }

        /// The serving thread is done and the connection ends.
        func release(_ fd: Int32) {
            lock.lock(); defer { lock.unlock() }
            if fds.removeValue(forKey: fd) != nil { close(fd) }
        }

        /// The serving thread is done but the connection stays open until `closeAll`.
        func disown(_ fd: Int32) {
            lock.lock(); defer { lock.unlock() }
            guard fds[fd] != nil else { return }
            if shut { fds[fd] = nil; close(fd) } else { fds[fd] = false }
        }

        func closeAll() {
            lock.lock(); defer { lock.unlock() }
            shut = true
            for (fd, serving) in fds {
                shutdown(fd, Int32(SHUT_RDWR))
                if !serving { close(fd); fds[fd] = nil }
            }
        }
    }
}
