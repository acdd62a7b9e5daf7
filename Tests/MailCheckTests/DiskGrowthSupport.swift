import Foundation
import Testing

/// A private filesystem for one test: a tmpfs or a loop-mounted ext4 image under a fresh
/// temporary directory, with a state directory beside it. Unmounted and removed by `close()`,
/// which `withScratchFilesystem` calls on every way out, failures included.
final class ScratchFilesystem: @unchecked Sendable {
    enum Kind { case tmpfs(options: String), ext4(megabytes: Int, mkfsArguments: [String]) }

    let base: String
    /// The mount point: the path the check watches.
    let mount: String
    /// A state directory outside the mount, so that the history never changes the usage measured.
    let state: String
    let kind: Kind
    private var mounted = false

    init(_ kind: Kind) throws {
        self.kind = kind
        base = NSTemporaryDirectory() + "disk-growth-\(UUID().uuidString.prefix(8))"
        mount = base + "/mnt"
        state = base + "/state"
        for dir in [mount, state] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        try attach()
    }

    private var image: String { base + "/fs.img" }

    private func attach() throws {
        switch kind {
        case let .tmpfs(options):
            try Self.command("/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", mount])
        case let .ext4(megabytes, arguments):
            try Self.command("/usr/bin/truncate", ["-s", "\(megabytes)M", image])
            try Self.command("/sbin/mkfs.ext4", ["-q", "-F"] + arguments + [image])
            try Self.command("/bin/mount", ["-o", "loop", image, mount])
        }
        mounted = true
    }

    /// Unmounts and makes a new filesystem of the same kind at the same place (a replaced disk).
    func replace() throws {
        try Self.command("/bin/umount", [mount])
        mounted = false
        if FileManager.default.fileExists(atPath: image) { try FileManager.default.removeItem(atPath: image) }
        try attach()
    }

    /// `mount -o remount,OPTIONS` (e.g. a new tmpfs size, or `ro`).
    func remount(_ options: String) throws {
        try Self.command("/bin/mount", ["-o", "remount," + options, mount])
    }

    /// Writes `bytes` of data to a new file `name` on the filesystem (real blocks, not a sparse file).
    /// The descriptor is close-on-exec: Foundation's `Data.write` and `FileHandle` open without it,
    /// and a process another test spawned meanwhile inherited the descriptor, so a removed file's
    /// blocks stayed in use until that process ended (shrinkingNeverPredictsAFill saw 80 % used
    /// instead of 20 % once in a full run).
    func write(_ name: String, bytes: Int) throws {
        let path = mount + "/" + name
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw NSError(domain: "ScratchFilesystem", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "open \(path): errno \(errno)"]) }
        defer { _ = Glibc.close(fd) }
        let chunk = [UInt8](repeating: 0x5a, count: 1 << 20)
        var left = bytes
        while left > 0 {
            let n = chunk.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, min(left, $0.count)) }
            guard n > 0 else { throw NSError(domain: "ScratchFilesystem", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "write \(path): errno \(errno)"]) }
            left -= n
        }
        guard fsync(fd) == 0 else { throw NSError(domain: "ScratchFilesystem", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "fsync \(path): errno \(errno)"]) }
    }

    /// Writes until the filesystem is full (dd ends with ENOSPC, as intended).
    func fill(_ name: String) {
        _ = try? Plugin.exec("/bin/dd", ["if=/dev/zero", "of=\(mount)/\(name)", "bs=64k"])
    }

    func remove(_ name: String) throws { try FileManager.default.removeItem(atPath: mount + "/" + name) }

    /// Creates `count` empty files: inodes without blocks.
    func touch(_ prefix: String, count: Int) throws {
        for i in 0..<count { _ = FileManager.default.createFile(atPath: "\(mount)/\(prefix)\(i)", contents: nil) }
    }

    /// What statvfs says now: (used bytes, bytes free for users, used inodes, inodes free).
    func usage() -> (used: Double, available: Double, inodesUsed: Double, inodesAvailable: Double) {
        var info = statvfs()
        guard statvfs(mount, &info) == 0 else { return (0, 0, 0, 0) }
        let unit = Double(info.f_frsize)
        return (Double(info.f_blocks - info.f_bfree) * unit, Double(info.f_bavail) * unit,
                Double(info.f_files - info.f_ffree), Double(info.f_favail))
    }

    func close() {
        if mounted { try? Self.command("/bin/umount", [mount]) }
        mounted = false
        try? FileManager.default.removeItem(atPath: base)
    }

    deinit { close() }

    /// Runs a system command, throwing with its output when it fails.
    static func command(_ path: String, _ arguments: [String]) throws {
        let run = try Plugin.exec(path, arguments)
        guard run.code == 0 else {
            throw NSError(domain: "ScratchFilesystem", code: Int(run.code),
                          userInfo: [NSLocalizedDescriptionKey: "\(path) \(arguments.joined(separator: " ")): \(run.stdout)\(run.stderr)"])
        }
    }
}

/// Runs `body` with a fresh filesystem and always unmounts it afterwards.
func withScratchFilesystem<T>(_ kind: ScratchFilesystem.Kind, _ body: (ScratchFilesystem) throws -> T) throws -> T {
    let fs = try ScratchFilesystem(kind)
    defer { fs.close() }
    return try body(fs)
}

/// Mounting needs root; CI runs the tests as root on a fresh machine.
let runningAsRoot = getuid() == 0

/// Runs check_disk_growth with `MAILCHECK_NOW` fixed to `now` (nil: the real clock).
func diskGrowth(_ arguments: [String], now: Double? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> PluginRun {
    var env: [String: String] = [:]
    if let now { env["MAILCHECK_NOW"] = String(format: "%.3f", now) }
    let run = try Plugin.run("check_disk_growth", arguments, environment: env)
    expectWellFormed(run, sourceLocation: sourceLocation)
    return run
}

/// Ordinary least squares slope of `values` over `times`, computed independently of the check.
func leastSquaresSlope(_ times: [Double], _ values: [Double]) -> Double {
    let n = Double(times.count)
    let mt = times.reduce(0, +) / n, mv = values.reduce(0, +) / n
    var sxx = 0.0, sxy = 0.0
    for (t, v) in zip(times, values) { sxx += (t - mt) * (t - mt); sxy += (t - mt) * (v - mv) }
    return sxy / sxx
}

/// A fixed moment for replayed histories: 2027-01-15 08:00:00 UTC.
let diskGrowthEpoch: Double = 1_800_000_000
