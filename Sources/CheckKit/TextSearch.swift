/// Finding, replacing and joining literal text without the _StringProcessing module.
///
/// The checks are built with `-disable-implicit-string-processing-module-import` (Package.swift):
/// the module and its regex parser, linked only for a handful of `contains`/`firstRange` calls,
/// brought 1 MB of code and 40 KB of relocated data that every run of every check paid for in
/// page faults at start (issue 14). Inlinable, so each caller gets a specialised copy. These
/// scan UTF-8 code units: a match is a byte match, which for the ASCII tokens and JSON keys
/// searched here is the same as a Character match.
extension StringProtocol {
    /// The first range of `needle` in `self`; nil when absent or when `needle` is empty.
    @inlinable
    public func firstRange(ofText needle: String) -> Range<String.Index>? {
        let hay = utf8, pattern = needle.utf8
        guard let head = pattern.first else { return nil }
        var start = hay.startIndex
        while let candidate = hay[start...].firstIndex(of: head) {
            var h = candidate, p = pattern.startIndex
            while p != pattern.endIndex, h != hay.endIndex, hay[h] == pattern[p] {
                h = hay.index(after: h)
                p = pattern.index(after: p)
            }
            if p == pattern.endIndex { return candidate..<h }
            start = hay.index(after: candidate)
        }
        return nil
    }

    /// True when `needle` occurs in `self`.
    @inlinable
    public func containsText(_ needle: String) -> Bool { firstRange(ofText: needle) != nil }

    /// `self` without `prefix` at its start, when it starts with it.
    @inlinable
    public func droppingPrefix(_ prefix: String) -> SubSequence {
        guard utf8.starts(with: prefix.utf8) else { return self[...] }
        return self[utf8.index(startIndex, offsetBy: prefix.utf8.count)...]
    }
}

extension String {
    /// `self` with every `target` replaced by `replacement`, left to right, without overlaps.
    public func replacingText(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, containsText(target) else { return self }
        var result = ""
        var rest = self[...]
        while let found = rest.firstRange(ofText: target) {
            result += String(rest[..<found.lowerBound])
            result += replacement
            rest = rest[found.upperBound...]
        }
        return result + String(rest)
    }
}

extension Array where Element == String {
    /// The strings with `separator` between them, as `joined(separator:)` gives. A loop here
    /// because that standard library method is generic and not inlinable: its first call in a
    /// process resolves witness tables at run time, 0.1M instructions on every check's run.
    @inlinable
    public func joinedText(_ separator: String) -> String {
        var result = ""
        for (i, item) in enumerated() {
            if i > 0 { result += separator }
            result += item
        }
        return result
    }
}
