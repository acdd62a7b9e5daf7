import Foundation
import Testing

/// True when this machine lets the tests mount a tmpfs (root, and not a container without
/// CAP_SYS_ADMIN): tried once with a real mount.
let canMountTmpfs: Bool = {
    guard runningAsRoot else { return false }
    let dir = NSTemporaryDirectory() + "mount-probe-\(UUID().uuidString.prefix(8))"
    guard (try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)) != nil else { return false }
    defer { try? FileManager.default.removeItem(atPath: dir) }
    guard let run = try? Plugin.exec("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]), run.code == 0 else { return false }
    _ = try? Plugin.exec("/bin/umount", [dir])
    return true
}()

/// check_disk_growth's history on a filesystem that fails under it: full during the save, or
/// read-only. The history must come through intact and the run must say UNKNOWN, why.
@Suite(.serialized, .enabled(if: canMountTmpfs, "skipped: cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)"))
struct DiskGrowthFaultTests {
    /// Two runs a minute apart, with the history kept on the scratch filesystem itself.
    static func twoSamples(_ fs: ScratchFilesystem) throws -> (arguments: [String], file: String, bytes: Data?) {
        let state = fs.mount + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let arguments = ["-p", fs.mount, "--state-dir", state]
        for offset in [0.0, 60] {
            let run = try diskGrowth(arguments, now: diskGrowthEpoch + offset)
            #expect(run.code == 0, "\(run)")
        }
        let file = try DiskGrowthStateTests.stateFile(state)
        return (arguments, file, FileManager.default.contents(atPath: file))
    }

    @Test func fullFilesystemDuringTheSaveKeepsTheHistoryAndIsUnknown() throws {
        try withScratchFilesystem(.tmpfs(options: "size=64k")) { fs in
            let (arguments, file, before) = try Self.twoSamples(fs)
            #expect(before != nil)
            fs.fill("filler")
            #expect(fs.usage().available == 0, "the filesystem is full")
            let run = try diskGrowth(arguments, now: diskGrowthEpoch + 120)
            #expect(run.code == 3, "\(run)")
            #expect(run.status == "DISK_GROWTH UNKNOWN - cannot save state file \(file): no space left on device (the previous state is kept)", "\(run)")
            #expect(FileManager.default.contents(atPath: file) == before, "the old history is intact")
            let left = try FileManager.default.contentsOfDirectory(atPath: fs.mount + "/state").sorted()
            #expect(left.count == 2 && left.allSatisfy { $0.hasSuffix(".state") || $0.hasSuffix(".lock") }, "no temporary left: \(left)")
            // Room again: the kept history goes on (2 stored samples plus this one).
            try fs.remove("filler")
            let next = try diskGrowth(arguments + ["--min-samples", "4"], now: diskGrowthEpoch + 180)
            #expect(next.code == 0, "\(next)")
            #expect(next.status.hasSuffix(" used, collecting samples (3 of 4)"), "\(next)")
        }
    }

    @Test func readOnlyFilesystemIsUnknownAndLosesNothing() throws {
        try withScratchFilesystem(.tmpfs(options: "size=1m")) { fs in
            let (arguments, file, before) = try Self.twoSamples(fs)
            try fs.remount("ro")
            let run = try diskGrowth(arguments, now: diskGrowthEpoch + 120)
            #expect(run.code == 3, "\(run)")
            #expect(run.status == "DISK_GROWTH UNKNOWN - state directory \(fs.mount)/state is not writable: read-only file system (set --state-dir or MAILCHECK_STATE_DIR)", "\(run)")
            #expect(FileManager.default.contents(atPath: file) == before)
            try fs.remount("rw")
            let next = try diskGrowth(arguments + ["--min-samples", "4"], now: diskGrowthEpoch + 180)
            #expect(next.code == 0, "\(next)")
            #expect(next.status.hasSuffix(" used, collecting samples (3 of 4)"), "\(next)")
        }
    }
}
