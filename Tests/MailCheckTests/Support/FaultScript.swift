import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One thing a scripted fake server does on a connection.
enum FaultStep: Sendable {
    /// Send these bytes at once (one write, so they travel in one packet on loopback).
    case send([UInt8])
    /// Send the bytes one at a time, `every` seconds apart.
    case drip([UInt8], every: Double)
    /// Send `count` bytes of `A` without a line end, in chunks (a reply line without end).
    case stream(Int)
    /// Read whatever the client sends next (a TLS ClientHello), at least one byte.
    case readRaw
    /// Wait this long.
    case sleep(Double)
    /// Close the connection (FIN).
    case close
    /// Reset the connection (SO_LINGER 0, then close: RST).
    case reset
    /// Keep the connection open and send nothing more.
    case hold

    /// Text sent as is (write `\r\n` where a line ends).
    static func text(_ text: String) -> FaultStep { .send(Array(text.utf8)) }

    /// Random bytes that surely include NUL, 0xFF and a bare LF, from a fixed seed.
    static func garbage(_ count: Int) -> FaultStep {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes: [UInt8] = [0, 0xFF, 0x0A, 0xFE, 0x00, 0x80]
        while bytes.count < count {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes.append(UInt8(truncatingIfNeeded: state >> 33))
        }
        return .send(bytes)
    }
}

/// A fake server's part of one connection: `opening` first, then for each line the client
/// sends, the steps `respond` returns (none: read on). It ends at close, reset or hold.
struct FaultScript: Sendable {
    var opening: [FaultStep]
    var respond: @Sendable (_ line: String) -> [FaultStep]

    /// The first word of a line (the IMAP tag) and its second, upper-cased (the IMAP verb).
    static func words(_ line: String) -> (first: String, second: String) {
        let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
        return (parts.first ?? "", parts.count > 1 ? parts[1].uppercased() : "")
    }

    /// An SMTP server that answers EHLO with `ehlo` and everything else with 250, except where
    /// `fault` returns steps for a command verb (EHLO, STARTTLS, NOOP, QUIT, ...).
    static func smtp(banner: [FaultStep] = [.text("220 fake.example ESMTP\r\n")],
                     ehlo: String = "250-fake.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
                     fault: @escaping @Sendable (_ verb: String) -> [FaultStep]? = { _ in nil }) -> FaultScript {
        FaultScript(opening: banner) { line in
            let verb = words(line).first.uppercased()
            if let steps = fault(verb) { return steps }
            switch verb {
            case "EHLO": return [.text(ehlo)]
            case "QUIT": return [.text("221 bye\r\n"), .close]
            default: return [.text("250 2.0.0 ok\r\n")]
            }
        }
    }

    /// An IMAP server where any login works and folders are empty, except where `fault`
    /// returns steps for a command verb (the tag is passed along to complete it).
    static func imap(greeting: [FaultStep] = [.text("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN STARTTLS] fake ready\r\n")],
                     capabilities: String = "IMAP4rev1 SASL-IR AUTH=PLAIN STARTTLS",
                     fault: @escaping @Sendable (_ verb: String, _ tag: String) -> [FaultStep]? = { _, _ in nil }) -> FaultScript {
        FaultScript(opening: greeting) { line in
            let (tag, verb) = words(line)
            if let steps = fault(verb, tag) { return steps }
            switch verb {
            case "CAPABILITY": return [.text("* CAPABILITY \(capabilities)\r\n\(tag) OK done\r\n")]
            case "LOGOUT": return [.text("* BYE bye\r\n\(tag) OK bye\r\n"), .close]
            case "STATUS": return [.text("* STATUS INBOX (MESSAGES 0 UNSEEN 0)\r\n\(tag) OK done\r\n")]
            case "EXAMINE": return [.text("* 0 EXISTS\r\n* OK [UIDVALIDITY 1] x\r\n\(tag) OK [READ-ONLY] done\r\n")]
            case "": return []
            default: return [.text("\(tag) OK done\r\n")]
            }
        }
    }

    /// A POP3 server where USER/PASS work and STAT is `+OK 0 0`, except where `fault`
    /// returns steps for a command verb.
    static func pop3(greeting: [FaultStep] = [.text("+OK fake POP3 ready\r\n")],
                     capa: [String] = ["USER", "STLS"],
                     fault: @escaping @Sendable (_ verb: String) -> [FaultStep]? = { _ in nil }) -> FaultScript {
        FaultScript(opening: greeting) { line in
            let verb = words(line).first.uppercased()
            if let steps = fault(verb) { return steps }
            switch verb {
            case "CAPA": return [.text((["+OK"] + capa + ["."]).joined(separator: "\r\n") + "\r\n")]
            case "STAT": return [.text("+OK 0 0\r\n")]
            case "QUIT": return [.text("+OK bye\r\n"), .close]
            default: return [.text("+OK\r\n")]
            }
        }
    }

    /// Plays the script on `client`; returns once the connection is over (or the server shut it).
    func play(on client: Int32) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        /// Runs steps; false when the connection is over.
        func run(_ steps: [FaultStep]) -> Bool {
            for step in steps {
                switch step {
                case .send(let bytes):
                    if !Self.write(client, bytes) { return false }
                case .drip(let bytes, let every):
                    for byte in bytes {
                        if !Self.write(client, [byte]) { return false }
                        usleep(UInt32(every * 1e6))
                    }
                case .stream(let count):
                    let chunk = [UInt8](repeating: UInt8(ascii: "A"), count: 65536)
                    var left = count
                    while left > 0 {
                        if !Self.write(client, Array(chunk.prefix(left))) { return false }
                        left -= min(left, chunk.count)
                    }
                case .readRaw:
                    if !pending.isEmpty { pending.removeAll(); continue }
                    let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                    if n <= 0 { return false }
                case .sleep(let seconds):
                    usleep(UInt32(seconds * 1e6))
                case .close:
                    return false
                case .reset:
                    var linger = linger(l_onoff: 1, l_linger: 0)
                    setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
                    return false
                case .hold:
                    // Read and drop until the client or the server's shutdown ends it.
                    while buffer.withUnsafeMutableBytes({ recv(client, $0.baseAddress, $0.count, 0) }) > 0 {}
                    return false
                }
            }
            return true
        }
        guard run(opening) else { return }
        while true {
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                guard run(respond(String(decoding: line, as: UTF8.self))) else { return }
            }
            let n = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return }
            pending += buffer[0..<n]
        }
    }

    static func write(_ client: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }
}
