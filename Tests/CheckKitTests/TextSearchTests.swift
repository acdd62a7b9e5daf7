import Testing
@testable import CheckKit

/// TextSearch: the literal search and replace the checks use instead of _StringProcessing.
@Suite struct TextSearchTests {
    @Test(arguments: [
        ("found in the middle", "postqueue: fatal: permission denied", "fatal", 11 as Int?),
        ("found at the start", "://x", "://", 0),
        ("found at the end", "abc", "bc", 1),
        ("absent", "abc", "abd", nil),
        ("needle longer than text", "ab", "abc", nil),
        ("empty needle finds nothing", "abc", "", nil),
        ("a false start before the match", "aab", "ab", 1),
        ("JSON key", #"{"a":1,"status":"401"}"#, #""status""#, 7),
        ("after letters beyond ASCII", "café: ok", "ok", 7),
    ])
    func firstRange(_ what: String, _ text: String, _ needle: String, _ offset: Int?) {
        let found = text.firstRange(ofText: needle)
        #expect(found.map { text.utf8.distance(from: text.startIndex, to: $0.lowerBound) } == offset, "\(what)")
        if let found { #expect(String(text[found]) == needle, "\(what)") }
        #expect(text.containsText(needle) == (offset != nil), "\(what)")
        #expect(text[...].firstRange(ofText: needle) == found, "\(what): a Substring finds the same")
    }

    @Test func searchesOnlyInsideASubstring() {
        let text = "abc abc"
        let tail = text[text.index(text.startIndex, offsetBy: 2)...]
        let found = tail.firstRange(ofText: "abc")
        #expect(found.map { text.distance(from: text.startIndex, to: $0.lowerBound) } == 4)
    }

    @Test(arguments: [
        ("every one replaced", "a&amp;b&amp;", "&amp;", "&", "a&b&"),
        ("nothing to replace", "abc", "x", "y", "abc"),
        ("no overlaps, left to right", "aaa", "aa", "b", "ba"),
        ("replacement holds the target", "ab", "a", "aa", "aab"),
        ("empty target changes nothing", "abc", "", "x", "abc"),
        ("escaped slash", #"a\/b\/c"#, #"\/"#, "/", "a/b/c"),
    ])
    func replacing(_ what: String, _ text: String, _ target: String, _ replacement: String, _ expected: String) {
        #expect(text.replacingText(target, with: replacement) == expected, "\(what)")
    }

    @Test func droppingPrefix() {
        #expect(" token".droppingPrefix(" ") == "token")
        #expect("token".droppingPrefix(" ") == "token")
        #expect("\"INBOX\"".droppingPrefix("\"") == "INBOX\"")
        #expect("".droppingPrefix("x") == "")
    }

    @Test(arguments: [
        ([String](), ", ", ""),
        (["a"], ", ", "a"),
        (["a", "b", "c"], ", ", "a, b, c"),
        (["", ""], "-", "-"),
        (["x", "y"], "", "xy"),
    ])
    func joined(_ items: [String], _ separator: String, _ expected: String) {
        #expect(items.joinedText(separator) == expected)
        #expect(items.joinedText(separator) == items.joined(separator: separator))
    }
}
