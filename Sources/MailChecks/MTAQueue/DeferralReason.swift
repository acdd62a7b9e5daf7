import CheckKit
/// Groups deferral reasons that differ only in details an operator does not act on, so that
/// 412 messages to one dead MX show up as one line, not 412.
enum DeferralReason {
    /// Longest grouped reason kept, in bytes.
    static let maxLength = 160
    private static let suspended = Array("delivery temporarily suspended: ".utf8)

    /// The reason with addresses and bracketed details replaced by `...`:
    /// `connect to mx.example.net[192.0.2.7]:25: Connection timed out` becomes
    /// `connect to mx.example.net[...]:25: Connection timed out`, and
    /// `<bob@example.net>: Recipient address rejected` becomes `<...>: Recipient address rejected`.
    /// Postfix's "delivery temporarily suspended: " (the destination was marked dead after the
    /// failure that follows) is dropped, so both forms group with their cause. Works on UTF-8
    /// bytes: it runs once per deferred recipient.
    static func group<Bytes: Collection<UInt8>>(_ reason: Bytes) -> String {
        var text = reason[...]
        if text.starts(with: suspended) { text = text.dropFirst(suspended.count) }
        var out: [UInt8] = []
        out.reserveCapacity(min(text.count, maxLength + 8))
        var closing: UInt8 = 0
        var lastWasSpace = true
        var cut = false
        for b in text {
            if closing != 0 {
                if b == closing { out.append(b); closing = 0 }
                continue
            }
            if out.count >= maxLength { cut = true; break }
            switch b {
            case UInt8(ascii: "["), UInt8(ascii: "<"):
                out.append(b)
                out += [0x2E, 0x2E, 0x2E]
                closing = b == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: ">")
                lastWasSpace = false
            case 0...0x20, 0x7F:
                // Line breaks, tabs, control bytes and runs of blanks become one space.
                if !lastWasSpace { out.append(0x20) }
                lastWasSpace = true
            default:
                out.append(b)
                lastWasSpace = false
            }
        }
        if closing != 0 { out.append(closing) }
        while out.last == 0x20 { out.removeLast() }
        // Do not end inside a multi-byte character.
        if cut {
            while let last = out.last, last & 0xC0 == 0x80 { out.removeLast() }
            if let last = out.last, last >= 0xC0 { out.removeLast() }
            out += [0x2E, 0x2E, 0x2E]
        }
        return out.isEmpty ? "(no reason given)" : SafeText.decode(out)
    }
}
