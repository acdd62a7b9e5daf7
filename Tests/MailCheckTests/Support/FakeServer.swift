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

    var port: Int { listener.port }
    private let listener: LoopbackListener

    init(_ behaviour: Behaviour) throws {
        listener = try LoopbackListener { client in FakeServer.serve(client, behaviour) }
    }

    static func serve(_ client: Int32, _ behaviour: Behaviour) -> LoopbackListener.AfterServe {
        switch behaviour {
        case .silent:
            return .keepOpen
        case .send(let bytes):
            // A failed send is the client's hang-up: nothing to report, the test reads the check's output.
            _ = bytes.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            return .keepOpen
        case .flood:
            let chunk = [UInt8](repeating: UInt8(ascii: "A"), count: 65536)
            while chunk.withUnsafeBytes({ send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) > 0 {}
            return .close
        case .close:
            return .close
        case .script(let script):
            script.play(on: client)
            return .close
        }
    }
}
