import Foundation
import Testing
@testable import CheckKit

struct StateStoreTests {
    static func deadline() -> Deadline { Deadline(seconds: 30, expiryStatus: .unknown) }

    /// Runs one update that only reads, returning the record it saw.
    static func read(_ store: StateStore, _ name: String) throws(CheckError) -> StateRecord {
        try store.update(name, deadline: deadline()) { (record: inout StateRecord) throws(CheckError) in record }
    }

    static func write(_ store: StateStore, _ name: String, _ lines: [String]) throws(CheckError) {
        try store.update(name, deadline: deadline()) { (record: inout StateRecord) throws(CheckError) in record.lines = lines }
    }

    @Test("round trip")
    func roundTrip() throws {
        let dir = try TemporaryDirectory()
        let store = StateStore(directory: dir.path)
        let first = try Self.read(store, "queue")
        #expect(first.lines.isEmpty)
        #expect(first.setAsidePath == nil)
        let lines = ["1700000000 42", "1700000060 45", "", "  spaced  ", "tab\there", "ünïcode ✓"]
        try Self.write(store, "queue", lines)
        let second = try Self.read(store, "queue")
        #expect(second.lines == lines)
        #expect(second.setAsidePath == nil)
        #expect(dir.entries() == ["queue.lock", "queue.state"])
        let text = String(decoding: dir.read("queue.state") ?? [], as: UTF8.self)
        #expect(text.hasPrefix("mailcheck-state 1 queue\n"))
    }

    @Test("an empty record round-trips")
    func emptyRecord() throws {
        let dir = try TemporaryDirectory()
        let store = StateStore(directory: dir.path)
        try Self.write(store, "e", ["x"])
        try Self.write(store, "e", [])
        let record = try Self.read(store, "e")
        #expect(record.lines.isEmpty)
        #expect(record.setAsidePath == nil)
    }

    @Test("update returns the body's value and a throwing body writes nothing")
    func bodyResult() throws {
        let dir = try TemporaryDirectory()
        let store = StateStore(directory: dir.path)
        let count = try store.update("r", deadline: Self.deadline()) { (record: inout StateRecord) throws(CheckError) -> Int in
            record.lines = ["a", "b"]
            return record.lines.count
        }
        #expect(count == 2)
        let error = checkError { () throws(CheckError) in
            try store.update("r", deadline: Self.deadline()) { (record: inout StateRecord) throws(CheckError) in
                record.lines = ["changed"]
                throw CheckError.unknown("body failed")
            }
        }
        #expect(error == .unknown("body failed"))
        #expect(try Self.read(store, "r").lines == ["a", "b"])
    }

    @Test("newlines inside a line cannot split it")
    func embeddedNewline() throws {
        let dir = try TemporaryDirectory()
        let store = StateStore(directory: dir.path)
        try Self.write(store, "n", ["a\nb", "c"])
        let record = try Self.read(store, "n")
        #expect(record.setAsidePath == nil)
        #expect(record.lines == ["a b", "c"])
    }

    @Test("lines with carriage returns do not corrupt the file", arguments: [
        ["reply\r", "next"], ["reply\r"], ["a\r\nb", "c"], ["\r"], ["x", "trailing\r"],
    ])
    func carriageReturns(lines: [String]) throws {
        let dir = try TemporaryDirectory()
        let store = StateStore(directory: dir.path)
        try Self.write(store, "cr", lines)
        let record = try Self.read(store, "cr")
        #expect(record.setAsidePath == nil, "stored \(lines.debugDescription) was read back as corrupt")
        #expect(record.lines.count == lines.count, "\(record.lines.debugDescription)")
    }

    /// A valid file's bytes, to damage.
    static func validBytes(_ lines: [String], name: String = "k") -> [UInt8] {
        StateStore.encode(lines, name: name)
    }

    static let corruptions: [(String, [UInt8])] = {
        let valid = validBytes(["1700000000 42", "1700000060 45"])
        var wrongSum = valid
        // change one payload digit, keeping the length and the line count
        if let index = wrongSum.firstIndex(of: UInt8(ascii: "4")) { wrongSum[index] = UInt8(ascii: "5") }
        let wrongCount = Array("mailcheck-state 1 k\na\nend 2 0\n".utf8)
        return [
            ("garbage", [0xff, 0xfe, 0x00, 0x13, 0x37, 0x80, 0x81, 0x0a]),
            ("text garbage", Array("hello world\nthis is not a state file\n".utf8)),
            ("truncated", Array(valid.prefix(valid.count / 2))),
            ("truncated before the final newline", Array(valid.dropLast())),
            ("no trailer", Array("mailcheck-state 1 k\n1700000000 42\n".utf8)),
            ("wrong checksum", wrongSum),
            ("wrong count", wrongCount),
            ("foreign header", Array("otherapp-state 1 k\n" .utf8) + valid.drop(while: { $0 != 0x0a }).dropFirst()),
            ("empty", []),
            ("only a newline", [0x0a]),
        ]
    }()

    @Test("a corrupt file is set aside and the run starts afresh", arguments: corruptions)
    func corrupt(kind: String, bytes: [UInt8]) throws {
        let dir = try TemporaryDirectory()
        try dir.write("k.state", bytes: bytes)
        let store = StateStore(directory: dir.path)
        let record = try store.update("k", deadline: Self.deadline()) { (record: inout StateRecord) throws(CheckError) -> StateRecord in
            let seen = record
            record.lines = ["fresh"]
            return seen
        }
        #expect(record.lines.isEmpty, "\(kind)")
        let aside = try #require(record.setAsidePath, "\(kind) was not set aside")
        #expect(aside.hasPrefix("\(dir.path)/k.state.corrupt-"))
        #expect(FileManager.default.contents(atPath: aside).map { [UInt8]($0) } == bytes, "\(kind): the bad file is kept as it was")
        let next = try Self.read(store, "k")
        #expect(next.lines == ["fresh"])
        #expect(next.setAsidePath == nil)
    }

    @Test("encode and decode are inverse; decode refuses anything else")
    func codec() {
        let lines = ["a", "", "b c"]
        #expect(StateStore.decode(StateStore.encode(lines, name: "x")) == lines)
        #expect(StateStore.decode(StateStore.encode([], name: "x")) == [])
        #expect(StateStore.decode(Array("mailcheck-state 1 x\nend 0 0\n".utf8)) == nil)
    }

    @Test("the size bound drops the oldest lines")
    func sizeBound() throws {
        let dir = try TemporaryDirectory()
        let store = StateStore(directory: dir.path, maxBytes: 300)
        let lines = (0..<100).map { String(format: "line-%03d", $0) }
        try Self.write(store, "big", lines)
        let size = dir.read("big.state")?.count ?? 0
        #expect(size <= 300)
        #expect(size > 0)
        let kept = try Self.read(store, "big").lines
        #expect(!kept.isEmpty)
        #expect(kept.count < 100)
        #expect(kept.last == "line-099")
        #expect(kept == Array(lines.suffix(kept.count)), "kept lines are the newest, in order")
    }

    @Test("a state file written with a larger bound is trimmed by the next write, not set aside")
    func boundShrinks() throws {
        let dir = try TemporaryDirectory()
        try Self.write(StateStore(directory: dir.path), "s", (0..<50).map { "entry \($0)" })
        let small = StateStore(directory: dir.path, maxBytes: 400)
        let record = try Self.read(small, "s")
        #expect(record.setAsidePath == nil)
        #expect(record.lines.count == 50)
        #expect((dir.read("s.state")?.count ?? 0) <= 400)
    }

    @Test("the directory is created when its parent exists")
    func createsDirectory() throws {
        let dir = try TemporaryDirectory()
        let store = StateStore(directory: "\(dir.path)/state")
        try Self.write(store, "x", ["1"])
        #expect(try Self.read(store, "x").lines == ["1"])
    }

    @Test("missing parents are created, as mkdir -p does")
    func createsParents() throws {
        let dir = try TemporaryDirectory()
        let store = StateStore(directory: "\(dir.path)/missing/parent/state")
        try Self.write(store, "x", ["1"])
        #expect(try Self.read(store, "x").lines == ["1"])
    }

    @Test("a directory that cannot exist is UNKNOWN naming it")
    func unusableDirectory() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("regular-file", "x")
        for path in ["\(file)/state", "\(file)"] {
            let error = checkError { () throws(CheckError) in try Self.write(StateStore(directory: path), "x", ["1"]) }
            #expect(error?.status == .unknown, "\(path)")
            #expect(error?.message.contains("state directory \(path) ") == true, "\(error?.message ?? "no error")")
        }
        let error = checkError { () throws(CheckError) in try Self.write(StateStore(directory: "/etc/hostname/x"), "x", ["1"]) }
        #expect(error?.status == .unknown)
        #expect(error?.message.contains("/etc/hostname/x") == true)
    }

    @Test("stale temporaries of this key are removed; other keys' are kept")
    func staleTemporaries() throws {
        let dir = try TemporaryDirectory()
        try dir.write("queue.tmp.99999", "half written")
        try dir.write("queue.tmp.1", "")
        try dir.write("other.tmp.42", "another key's")
        let store = StateStore(directory: dir.path)
        try Self.write(store, "queue", ["1"])
        #expect(dir.entries() == ["other.tmp.42", "queue.lock", "queue.state"])
    }

    @Test("safeName keeps plain keys and makes the rest safe and distinct")
    func safeName() {
        #expect(StateStore.safeName("queue") == "queue")
        #expect(StateStore.safeName("mx1.example.org_25-a") == "mx1.example.org_25-a")
        let colon = StateStore.safeName("mx1.example.org:25")
        #expect(colon.hasPrefix("mx1.example.org_25-"))
        #expect(StateStore.safeName("a/b") != StateStore.safeName("a_b"))
        #expect(StateStore.safeName("a/b") != StateStore.safeName("a:b"))
        // The cleaned key plus the 64-bit FNV-1a of the original key, in hex.
        #expect(StateStore.safeName("a/b") == "a_b-e620c3190468cf61")
        #expect(StateStore.safeName("") == "-cbf29ce484222325")
        for key in ["", ".", "..", "../../etc/passwd", ".hidden", "a/b", "x y", "ü", "a\nb", "/", "a\u{0}b"] {
            let name = StateStore.safeName(key)
            #expect(!name.isEmpty)
            #expect(name != "." && name != "..")
            #expect(!name.contains("/"))
            #expect(name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }, "\(name)")
        }
    }

    @Test("long keys give file names within NAME_MAX")
    func longKeys() throws {
        for key in [String(repeating: "a", count: 300), String(repeating: "b:", count: 200)] {
            let name = StateStore.safeName(key)
            // The longest sibling is NAME.state.corrupt-SECONDS; all must fit 255 bytes.
            #expect(name.utf8.count + ".state.corrupt-1700000000".utf8.count <= 255, "\(name.utf8.count) bytes")
        }
        let dir = try TemporaryDirectory()
        let store = StateStore(directory: dir.path)
        let key = String(repeating: "k", count: 300)
        let error = checkError { () throws(CheckError) in try Self.write(store, key, ["1"]) }
        #expect(error == nil, "\(error?.message ?? "")")
    }

    @Test("distinct keys are distinct files")
    func distinctFiles() throws {
        let dir = try TemporaryDirectory()
        let store = StateStore(directory: dir.path)
        try Self.write(store, "a/b", ["slash"])
        try Self.write(store, "a_b", ["underscore"])
        try Self.write(store, "a:b", ["colon"])
        #expect(try Self.read(store, "a/b").lines == ["slash"])
        #expect(try Self.read(store, "a_b").lines == ["underscore"])
        #expect(try Self.read(store, "a:b").lines == ["colon"])
    }

    @Test("directory(option:) prefers the option")
    func directoryChoice() {
        #expect(StateStore.directory(option: "/srv/state") == "/srv/state")
        let fallback = StateStore.directory(option: "")
        #expect(fallback == (ProcessInfo.processInfo.environment["MAILCHECK_STATE_DIR"].flatMap { $0.isEmpty ? nil : $0 }
                             ?? "/var/lib/mailcheck"))
    }

    @Test("a held lock makes a waiting update time out with the deadline's state")
    func lockTimeout() throws {
        let dir = try TemporaryDirectory()
        let store = StateStore(directory: dir.path)
        try Self.write(store, "held", ["1"])
        let fd = open("\(dir.path)/held.lock", O_RDWR)
        try #require(fd >= 0)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX) == 0)
        let start = Date()
        let error = checkError { () throws(CheckError) in
            try store.update("held", deadline: Deadline(seconds: 0.3, expiryStatus: .critical)) { (record: inout StateRecord) throws(CheckError) in }
        }
        #expect(Date().timeIntervalSince(start) < 2)
        #expect(error?.status == .critical)
        #expect(error?.message.contains("lock") == true)
    }

    @Test("concurrent writers in threads never lose an update")
    func concurrentThreads() throws {
        let dir = try TemporaryDirectory()
        let store = StateStore(directory: dir.path)
        let threads = 24
        let failures = Failures()
        let group = DispatchGroup()
        for _ in 0..<threads {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                let error = checkError { () throws(CheckError) in
                    try store.update("counter", deadline: Deadline(seconds: 60, expiryStatus: .unknown)) { (record: inout StateRecord) throws(CheckError) in
                        let n = Int(record.lines.first ?? "0") ?? -1000
                        usleep(1000)  // widen the window a lost update would need
                        record.lines = [String(n + 1)]
                    }
                }
                if let error { failures.add(error.message) }
            }
            thread.start()
        }
        #expect(group.wait(timeout: .now() + 120) == .success)
        #expect(failures.all.isEmpty, "\(failures.all)")
        let final = try Self.read(store, "counter")
        #expect(final.lines == [String(threads)])
        #expect(final.setAsidePath == nil)
    }
}

final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.lock(); items.append(item); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return items }
}
