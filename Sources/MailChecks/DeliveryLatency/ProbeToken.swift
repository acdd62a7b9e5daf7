#if canImport(Glibc)
import Glibc
#endif
import CheckKit

/// What makes a probe this check's own: `mailcheck/CHECK-NAME/SENT-MS/RANDOM@HOST`, in the
/// `X-Mailcheck-Probe` header and the Subject. The check name and the send time decide which
/// stale probes a run may sweep; the 128 random bits keep two runs' probes apart.
struct ProbeToken: Equatable, Sendable {
    /// The dedicated header; searched with SEARCH HEADER and verified after a FETCH.
    static let header = "X-Mailcheck-Probe"

    let checkName: String
    /// Wall-clock send time in milliseconds since the epoch (the sending host's clock).
    let sentMillis: Int
    /// 32 lower-case hex digits.
    let random: String
    let host: String

    /// The token as it travels.
    var text: String { "\(Self.prefix(checkName))\(sentMillis)/\(random)@\(host)" }

    /// The beginning every probe of `checkName` shares, for the stale sweep's search.
    static func prefix(_ checkName: String) -> String { "mailcheck/\(checkName)/" }

    /// True for a name that can go into a token unchanged (and into a search without quoting trouble).
    static func isValidName(_ name: String) -> Bool {
        (1...40).contains(name.utf8.count) && name.utf8.allSatisfy(isNameByte)
    }

    static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: "_")
    }

    init(checkName: String, sentMillis: Int, random: String, host: String) {
        self.checkName = checkName
        self.sentMillis = sentMillis
        self.random = random
        self.host = host
    }

    /// Parses a header value strictly: anything that is not exactly a token gives nil, so a
    /// user's message that merely looks similar is never taken for a probe.
    init?(parsing value: String) {
        var text = Substring(value)
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        guard text.hasPrefix("mailcheck/") else { return nil }
        let parts = text.dropFirst("mailcheck/".count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let at = parts[2].firstIndex(of: "@") else { return nil }
        let name = String(parts[0]), millis = parts[1], random = parts[2][..<at], host = String(parts[2][parts[2].index(after: at)...])
        guard Self.isValidName(name), !millis.isEmpty, millis.count <= 15, millis.allSatisfy({ $0.isASCII && $0.isNumber }),
              let sent = Int(millis), random.count == 32, random.allSatisfy({ $0.isHexDigit && !$0.isUppercase }),
              (1...64).contains(host.utf8.count), host.utf8.allSatisfy(Self.isNameByte) else { return nil }
        self.init(checkName: name, sentMillis: sent, random: String(random), host: host)
    }

    /// A fresh token for this run: 16 bytes from the kernel's random source, this host's name.
    static func make(checkName: String, now: Double) throws(CheckError) -> ProbeToken {
        var bytes = [UInt8](repeating: 0, count: 16)
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .unknown("cannot read /dev/urandom: \(FileIO.reason(errno))") }
        defer { close(fd) }
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return read(fd, base + filled, raw.count - filled)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw .unknown("cannot read /dev/urandom: \(n < 0 ? FileIO.reason(errno) : "end of file")") }
            filled += n
        }
        let hex = bytes.map { byte -> String in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
        return ProbeToken(checkName: checkName, sentMillis: Int(max(0, min(now * 1000, 9e15))), random: hex, host: localHostName())
    }

    /// This host's name, reduced to characters a token may hold.
    static func localHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let raw = buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }
        let cleaned = raw.prefix(64).map { isNameByte($0) ? $0 : UInt8(ascii: "-") }
        return cleaned.isEmpty ? "localhost" : String(decoding: cleaned, as: UTF8.self)
    }
}

/// The probe message as it is submitted: headers that identify it, a body that says what it is.
enum ProbeMessage {
    /// CRLF-terminated lines, ready for DATA (curl adds the dot-stuffing and the final dot).
    static func compose(token: ProbeToken, from: String, to: String, staleAfter: Double, sentAt wallClock: Double) -> [UInt8] {
        let headers = [
            "Date: \(MailDate.format(wallClock))",
            "From: <\(from)>",
            "To: <\(to)>",
            "Subject: mailcheck delivery probe \(token.text)",
            "Message-ID: <mailcheck.\(token.sentMillis).\(token.random)@\(token.host)>",
            "\(ProbeToken.header): \(token.text)",
            // Keeps vacation responders and similar robots from answering the probe (RFC 3834).
            "Auto-Submitted: auto-generated",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=us-ascii",
            "Content-Transfer-Encoding: 7bit",
        ]
        let body = [
            "This message is a delivery probe of check_delivery_latency (mailcheck), sent by the",
            "check named \"\(token.checkName)\" on \(token.host). It measures how long mail takes from",
            "submission to this mailbox, and the check deletes it as soon as it has arrived.",
            "",
            "If you can read it, the check stopped waiting before it came; a later run of the",
            "same check removes it once it is older than \(NumberFormat.decimal(staleAfter)) seconds. Other mail",
            "in this mailbox is never touched.",
        ]
        return Array((headers + [""] + body).map { $0 + "\r\n" }.joined().utf8)
    }
}
