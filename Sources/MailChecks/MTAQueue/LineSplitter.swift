import CheckKit
/// Cuts a byte stream that arrives in arbitrary chunks into lines, holding at most one line
/// (up to `maxLineBytes`; the rest of a longer line is dropped) so memory stays flat.
struct LineSplitter {
    let maxLineBytes: Int
    private var pending: [UInt8] = []
    private var overlong = false
    /// Lines completed so far.
    private(set) var lineNumber = 0

    init(maxLineBytes: Int = 64 << 10) {
        self.maxLineBytes = maxLineBytes
    }

    /// Calls `handle` with each complete line (without its newline or a trailing CR) and its
    /// 1-based number.
    mutating func feed<E: Error>(_ bytes: UnsafeRawBufferPointer, _ handle: (ArraySlice<UInt8>, Int) throws(E) -> Void) throws(E) {
        var start = 0
        let count = bytes.count
        while start < count {
            var end = start
            while end < count && bytes[end] != 0x0A { end += 1 }
            let room = maxLineBytes - pending.count
            if room > 0 {
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<min(end, start + room)]))
            }
            if end - start > room { overlong = true }
            if end == count { return }
            try emit(handle)
            start = end + 1
        }
    }

    /// Hands over a last line that had no newline.
    mutating func finish<E: Error>(_ handle: (ArraySlice<UInt8>, Int) throws(E) -> Void) throws(E) {
        if !pending.isEmpty || overlong { try emit(handle) }
    }

    private mutating func emit<E: Error>(_ handle: (ArraySlice<UInt8>, Int) throws(E) -> Void) throws(E) {
        lineNumber += 1
        var line = pending[...]
        if line.last == 0x0D { line = line.dropLast() }
        try handle(line, lineNumber)
        pending.removeAll(keepingCapacity: true)
        overlong = false
    }
}

/// Small helpers for the line-oriented queue listings.
enum ListingText {
    /// The line split at runs of blanks (spaces and tabs).
    static func fields(_ line: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
    }

    /// Leading blanks, a tab counted as 8.
    static func indent(_ line: ArraySlice<UInt8>) -> Int {
        var n = 0
        for b in line {
            if b == 0x20 { n += 1 } else if b == 0x09 { n += 8 } else { break }
        }
        return n
    }

    /// The line as text for a message, cut to `limit` characters.
    static func quote(_ line: ArraySlice<UInt8>, limit: Int = 80) -> String {
        // Escaped (SafeText), so the operator sees which bytes the command printed.
        SafeText.bounded(SafeText.decode(line.prefix(limit)), limit: limit)
    }

    static func equals(_ bytes: ArraySlice<UInt8>, _ text: String) -> Bool {
        bytes.elementsEqual(text.utf8)
    }

    static func hasPrefix(_ bytes: ArraySlice<UInt8>, _ text: String) -> Bool {
        bytes.starts(with: text.utf8)
    }
}
