import CheckKit
#if canImport(Glibc)
import Glibc
#endif

/// One stored reading of a filesystem: what the growth fit needs, and what tells a resized or
/// replaced filesystem from the one the history was recorded on.
struct FilesystemSample: Equatable, Sendable {
    /// Seconds since the epoch.
    var time: Double
    /// Size in bytes (`f_blocks` x `f_frsize`).
    var size: Double
    /// Bytes in use (`f_blocks - f_bfree`, reserved blocks not counted as used, as df does).
    var used: Double
    var inodesUsed: Double
    /// Zero when the filesystem does not report inodes (btrfs, vfat, many FUSE filesystems).
    var inodesTotal: Double
    /// `fsid:HEX` from statvfs, or `dev:N` from stat(2) when the kernel gives no fsid.
    var identity: String

    /// `TIME SIZE USED IUSED ITOTAL IDENTITY`, one line of the state file.
    var line: String {
        [NumberFormat.decimal(time, fractionDigits: 3), NumberFormat.decimal(size, fractionDigits: 0),
         NumberFormat.decimal(used, fractionDigits: 0), NumberFormat.decimal(inodesUsed, fractionDigits: 0),
         NumberFormat.decimal(inodesTotal, fractionDigits: 0), identity].joinedText(" ")
    }

    /// Parses `line`; nil for anything that is not exactly six well-formed fields. Works on
    /// the UTF-8 bytes: a history is read on every run, and String splitting cost more than
    /// everything else the check does.
    init?(line: String) {
        var numbers: [Double] = []
        numbers.reserveCapacity(5)
        var utf8 = line.utf8[...]
        for _ in 0..<5 {
            guard let space = utf8.firstIndex(of: UInt8(ascii: " ")),
                  let value = Self.number(utf8[..<space]) else { return nil }
            numbers.append(value)
            utf8 = utf8[utf8.index(after: space)...]
        }
        let identity = String(Substring(utf8))
        guard identity.hasPrefix("fsid:") || identity.hasPrefix("dev:"), !identity.contains(" ") else { return nil }
        self.init(time: numbers[0], size: numbers[1], used: numbers[2], inodesUsed: numbers[3],
                  inodesTotal: numbers[4], identity: identity)
    }

    /// A non-negative plain decimal (`123`, `1800000000.125`) of at most 19 digits: no sign,
    /// exponent, nan or inf, whatever a hand-edited file holds.
    static func number(_ bytes: Substring.UTF8View) -> Double? {
        var mantissa: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var seenDot = false
        for byte in bytes {
            if byte == UInt8(ascii: ".") && !seenDot {
                seenDot = true
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                digits += 1
                guard digits <= 19 else { return nil }  // 19 digits always fit in a UInt64
                mantissa = mantissa * 10 + UInt64(byte - UInt8(ascii: "0"))
                if seenDot { fractionDigits += 1 }
            } else {
                return nil
            }
        }
        guard digits > 0 else { return nil }
        var scale: Double = 1
        for _ in 0..<fractionDigits { scale *= 10 }
        return Double(mantissa) / scale
    }

    init(time: Double, size: Double, used: Double, inodesUsed: Double, inodesTotal: Double, identity: String) {
        self.time = time
        self.size = size
        self.used = used
        self.inodesUsed = inodesUsed
        self.inodesTotal = inodesTotal
        self.identity = identity
    }
}

/// A live statvfs reading of a path: the stored sample plus what only the present needs.
struct FilesystemUsage: Sendable {
    let sample: FilesystemSample
    /// Bytes an unprivileged user can still write (`f_bavail`): what "full" runs out of.
    let available: Double
    let inodesAvailable: Double
    /// The allocation unit: usage changes in steps of it, so it bounds the fit's noise floor.
    let blockSize: Double

    /// Used percent as df shows it: used / (used + available); nil when neither is reported.
    var usedPercent: Double? { Self.percent(sample.used, available) }

    /// Inode use in percent; nil when the filesystem does not report inodes.
    var inodesUsedPercent: Double? {
        sample.inodesTotal > 0 ? Self.percent(sample.inodesUsed, inodesAvailable) : nil
    }

    static func percent(_ used: Double, _ available: Double) -> Double? {
        let total = used + available
        guard total > 0, total.isFinite else { return nil }
        return used / total * 100
    }

    /// Reads `path`'s filesystem with statvfs(3) (and stat(2) for a device number when the
    /// kernel reports no fsid). Values are computed in Double: a FUSE filesystem may report
    /// any counts, and nothing here may overflow.
    static func read(_ path: String, at time: Double) throws(CheckError) -> FilesystemUsage {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else {
            throw .unknown("cannot read the filesystem of \(path): \(FileIO.reason(errno))")
        }
        let unit = Double(info.f_frsize > 0 ? info.f_frsize : info.f_bsize)
        let blocks = Double(info.f_blocks)
        let free = min(Double(info.f_bfree), blocks)
        let identity: String
        if info.f_fsid != 0 {
            identity = "fsid:" + String(info.f_fsid, radix: 16)
        } else {
            var st = stat()
            guard stat(path, &st) == 0 else {
                throw .unknown("cannot stat \(path): \(FileIO.reason(errno))")
            }
            identity = "dev:\(st.st_dev)"
        }
        let files = Double(info.f_files)
        let sample = FilesystemSample(time: time, size: blocks * unit, used: (blocks - free) * unit,
                                      inodesUsed: max(0, files - min(Double(info.f_ffree), files)),
                                      inodesTotal: files, identity: identity)
        return FilesystemUsage(sample: sample, available: min(Double(info.f_bavail), blocks) * unit,
                               inodesAvailable: min(Double(info.f_favail), files), blockSize: unit)
    }
}
