import Foundation
import Testing
@testable import CheckKit

/// The state store against a hostile or broken neighbourhood: links planted where its files
/// go, a directory anyone may write to, files of another version. (A full and a read-only
/// filesystem need a mount: DiskGrowthFaultTests runs those end to end.)
struct StateStoreFaultTests {
    static func deadline() -> Deadline { Deadline(seconds: 5, expiryStatus: .unknown) }

    static func write(_ store: StateStore, _ name: String, _ lines: [String], format: String? = nil) throws(CheckError) {
        try store.update(name, format: format, deadline: deadline()) { (record: inout StateRecord) throws(CheckError) in record.lines = lines }
    }

    static func read(_ store: StateStore, _ name: String, format: String? = nil) throws(CheckError) -> StateRecord {
        try store.update(name, format: format, deadline: deadline()) { (record: inout StateRecord) throws(CheckError) in record }
    }

    static let targetBytes = Array("precious: not a state file\n".utf8)

    @Test("a symbolic link where the state or lock file goes is refused; its target is never read or written",
          arguments: ["k.state", "k.lock"])
    func symlinkIsRefused(file: String) throws {
        let dir = try TemporaryDirectory()
        let target = try dir.write("target", bytes: Self.targetBytes)
        #expect(symlink(target, "\(dir.path)/\(file)") == 0)
        let error = checkError { () throws(CheckError) in try Self.write(StateStore(directory: dir.path), "k", ["1"]) }
        #expect(error?.status == .unknown)
        let kind = file.hasSuffix(".lock") ? "lock file" : "state file"
        #expect(error?.message == "\(kind) \(dir.path)/\(file) is a symbolic link: refusing to follow it")
        #expect(dir.read("target") == Self.targetBytes)
        // The link is left as it was, for the administrator to look at.
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: "\(dir.path)/\(file)")) == target)
    }

    @Test("a dangling link where the lock file goes does not create its target")
    func danglingLockLink() throws {
        let dir = try TemporaryDirectory()
        #expect(symlink("\(dir.path)/created-by-us", "\(dir.path)/k.lock") == 0)
        let error = checkError { () throws(CheckError) in try Self.write(StateStore(directory: dir.path), "k", ["1"]) }
        #expect(error?.message == "lock file \(dir.path)/k.lock is a symbolic link: refusing to follow it")
        #expect(!FileIO.exists("\(dir.path)/created-by-us"))
    }

    @Test("a FIFO where the state file goes is refused at once instead of blocking the run")
    func fifoIsRefused() throws {
        let dir = try TemporaryDirectory()
        #expect(mkfifo("\(dir.path)/k.state", 0o644) == 0)
        let start = Date()
        let error = checkError { () throws(CheckError) in try Self.write(StateStore(directory: dir.path), "k", ["1"]) }
        #expect(Date().timeIntervalSince(start) < 2)
        #expect(error?.message == "state file \(dir.path)/k.state is not a regular file")
    }

    @Test("a world-writable directory without the sticky bit is refused; with it (like /tmp) it is used")
    func worldWritableDirectory() throws {
        let dir = try TemporaryDirectory()
        #expect(chmod(dir.path, 0o777) == 0)
        let error = checkError { () throws(CheckError) in try Self.write(StateStore(directory: dir.path), "k", ["1"]) }
        #expect(error?.status == .unknown)
        #expect(error?.message == "state directory \(dir.path) is world-writable without the sticky bit: refusing to use it (chmod o-w or +t)")
        #expect(dir.entries().isEmpty, "nothing was created there")
        #expect(chmod(dir.path, 0o1777) == 0)
        try Self.write(StateStore(directory: dir.path), "k", ["1"])
        #expect(try Self.read(StateStore(directory: dir.path), "k").lines == ["1"])
    }

    @Test("a state file of another store version is set aside as such, kept byte for byte")
    func otherStoreVersion() throws {
        let dir = try TemporaryDirectory()
        let bytes = Array(String(decoding: StateStore.encode(["a"], name: "k"), as: UTF8.self)
            .replacingOccurrences(of: "mailcheck-state 1", with: "mailcheck-state 2").utf8)
        try dir.write("k.state", bytes: bytes)
        let record = try Self.read(StateStore(directory: dir.path), "k")
        #expect(record.lines.isEmpty)
        #expect(record.setAsideReason == .otherVersion(found: "mailcheck-state 2"))
        let aside = try #require(record.setAsidePath)
        #expect(aside.hasPrefix("\(dir.path)/k.state.version-"))
        #expect(FileManager.default.contents(atPath: aside).map { [UInt8]($0) } == bytes)
    }

    @Test("with a format, a history of another format is set aside before the new one is written")
    func otherFormatVersion() throws {
        let dir = try TemporaryDirectory()
        let store = StateStore(directory: dir.path)
        try Self.write(store, "k", ["history 2", "newer data"])
        let record = try Self.read(store, "k", format: "history 1")
        #expect(record.lines.isEmpty)
        #expect(record.setAsideReason == .otherVersion(found: "history 2"))
        let aside = try #require(record.setAsidePath)
        #expect(StateStore.decode(FileManager.default.contents(atPath: aside).map { [UInt8]($0) } ?? []) == ["history 2", "newer data"])
        // The same format, and a file that does not exist yet, are used as they are.
        try Self.write(store, "k", ["history 1", "x"], format: "history 1")
        let again = try Self.read(store, "k", format: "history 1")
        #expect(again.lines == ["history 1", "x"])
        #expect(again.setAsidePath == nil)
    }
}
