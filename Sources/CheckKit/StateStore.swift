#if canImport(Glibc)
import Glibc
#endif

/// The payload of one state file, as the check sees it.
public struct StateRecord: Sendable {
    /// The stored lines (without the store's own header and trailer).
    public var lines: [String]
    /// Where a corrupt or foreign file was moved, when this run found one. Checks report it once.
    public let setAsidePath: String?
    /// Why it was moved there; nil when nothing was set aside.
    public let setAsideReason: SetAsideReason?

    init(lines: [String], setAsidePath: String? = nil, setAsideReason: SetAsideReason? = nil) {
        self.lines = lines
        self.setAsidePath = setAsidePath
        self.setAsideReason = setAsideReason
    }
}

/// Why a state file was moved aside instead of being used.
public enum SetAsideReason: Equatable, Sendable {
    /// Truncated, damaged, or not a state file at all.
    case corrupt
    /// Intact, but written in another format version (`found` is its version line, shortened).
    case otherVersion(found: String)

    /// The suffix of the moved file's name: `NAME.state.corrupt-SECONDS` or `.version-SECONDS`.
    var suffix: String {
        switch self {
        case .corrupt: "corrupt"
        case .otherVersion: "version"
        }
    }
}

/// Per-check persistent state (histories for growth rates): each file is guarded by an
/// exclusive `flock` on a sibling lock file, written atomically (temp file, fsync, rename,
/// directory fsync), bounded in size, and self-checking: a truncated, corrupt or foreign file is
/// moved aside and reported, never a crash, and the next run starts afresh.
public struct StateStore: Sendable {
    /// Where the state files live.
    public let directory: String
    /// The largest state file kept; a bigger one is set aside.
    public let maxBytes: Int
    /// The state files' mode: 0644 for histories, 0600 for secrets (cached OAuth2 tokens).
    public let fileMode: mode_t

    /// The state directory when neither option nor environment names one.
    public static let defaultDirectory = "/var/lib/mailcheck"
    /// The environment variable that names the state directory.
    public static let environmentVariable = "MAILCHECK_STATE_DIR"
    static let magic = "mailcheck-state 1"

    /// The directory: the option, else the environment variable, else /var/lib/mailcheck.
    public static func directory(option: String?) -> String {
        if let option, !option.isEmpty { return option }
        if let env = FileIO.environment(environmentVariable), !env.isEmpty { return env }
        return defaultDirectory
    }

    /// A store in `directory` that keeps files up to `maxBytes`, written with `fileMode`.
    public init(directory: String, maxBytes: Int = 256 << 10, fileMode: mode_t = 0o644) {
        self.directory = directory
        self.maxBytes = maxBytes
        self.fileMode = fileMode
    }

    /// A file-name-safe key: other characters become `_`, plus a hash so that distinct keys never collide.
    public static func safeName(_ key: String) -> String {
        let allowed: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
        let cleaned = String(key.map { allowed($0) ? $0 : "_" })
        if cleaned == key && !key.hasPrefix(".") && !key.isEmpty && key.utf8.count <= 100 { return key }
        return String(cleaned.prefix(80)) + "-" + String(fnv1a(Array(key.utf8)), radix: 16)
    }

    /// Reads `name`, lets `body` change the lines, and writes them back, all under the lock.
    /// The oldest lines are dropped if the result would exceed `maxBytes`. With `format`, a
    /// stored file whose first line differs (another version of the check's data) is set aside
    /// like a corrupt one, so that a downgrade never overwrites a newer history.
    public func update<T>(_ name: String, format: String? = nil, deadline: Deadline,
                          _ body: (inout StateRecord) throws(CheckError) -> T) throws(CheckError) -> T {
        try prepareDirectory()
        let base = "\(directory)/\(StateStore.safeName(name))"
        let lockFD = try lock(base + ".lock", deadline: deadline)
        defer { close(lockFD) }  // closing the descriptor releases the flock
        removeStaleTemporaries(prefix: StateStore.safeName(name) + ".tmp.")
        var record = try read(base + ".state")
        if let format, let first = record.lines.first, first != format {
            record = try setAside(base + ".state", .otherVersion(found: String(first.prefix(40))))
        }
        let result = try body(&record)
        try write(base + ".state", lines: record.lines, name: name)
        return result
    }

    func prepareDirectory() throws(CheckError) {
        var info = stat()
        if stat(directory, &info) != 0 {
            // Create missing parents too (mkdir -p), as a package's postinst would.
            var path = directory.hasPrefix("/") ? "" : "."
            for part in directory.split(separator: "/") {
                path += "/" + part
                if mkdir(path, 0o755) != 0 && errno != EEXIST {
                    throw .unknown("state directory \(directory) cannot be created: \(FileIO.reason(errno)) (set --state-dir or \(StateStore.environmentVariable))")
                }
            }
        } else if (info.st_mode & S_IFMT) != S_IFDIR {
            throw .unknown("state directory \(directory) is not a directory")
        }
        // Anyone could swap our files there for links to files we would then overwrite;
        // the sticky bit (as on /tmp) stops others from renaming or removing our files.
        if stat(directory, &info) == 0, info.st_mode & S_IWOTH != 0, info.st_mode & S_ISVTX == 0 {
            throw .unknown("state directory \(directory) is world-writable without the sticky bit: refusing to use it (chmod o-w or +t)")
        }
        if access(directory, W_OK | X_OK) != 0 {
            throw .unknown("state directory \(directory) is not writable: \(FileIO.reason(errno)) (set --state-dir or \(StateStore.environmentVariable))")
        }
    }

    /// Opens `path` without following a symbolic link at its last component and without
    /// blocking on a FIFO; anything but a regular file is refused, naming the path.
    func openRegular(_ path: String, _ flags: Int32, what: String) throws(CheckError) -> Int32? {
        let fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644)
        if fd < 0 {
            let code = errno
            if code == ENOENT && flags & O_CREAT == 0 { return nil }
            if code == ELOOP { throw .unknown("\(what) \(path) is a symbolic link: refusing to follow it") }
            throw .unknown("cannot open \(what) \(path): \(FileIO.reason(code))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .unknown("\(what) \(path) is not a regular file")
        }
        // Back to blocking reads and writes: O_NONBLOCK was only for the open.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    func lock(_ path: String, deadline: Deadline) throws(CheckError) -> Int32 {
        guard let fd = try openRegular(path, O_RDWR | O_CREAT, what: "lock file") else {
            throw .unknown("cannot open lock file \(path)")
        }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno != EWOULDBLOCK && errno != EINTR {
                close(fd)
                throw .unknown("cannot lock \(path): \(FileIO.reason(errno))")
            }
            if deadline.isExpired {
                close(fd)
                throw deadline.expiredError(while: "waiting for the lock on \(path)")
            }
            usleep(5000)
        }
        return fd
    }

    func read(_ path: String) throws(CheckError) -> StateRecord {
        guard let fd = try openRegular(path, O_RDONLY, what: "state file") else { return StateRecord(lines: []) }
        defer { close(fd) }
        let bytes: [UInt8]
        do {
            bytes = try FileIO.readAll(fd: fd, path: path, limit: maxBytes * 2)
        } catch {
            return try setAside(path, .corrupt)
        }
        if let version = StateStore.foreignVersion(bytes) { return try setAside(path, .otherVersion(found: version)) }
        guard let lines = StateStore.decode(bytes) else { return try setAside(path, .corrupt) }
        return StateRecord(lines: lines)
    }

    func setAside(_ path: String, _ reason: SetAsideReason) throws(CheckError) -> StateRecord {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let target = "\(path).\(reason.suffix)-\(now.tv_sec)"
        guard rename(path, target) == 0 else {
            let what = reason == .corrupt ? "is corrupt" : "is of another version"
            throw .unknown("state file \(path) \(what) and cannot be moved aside: \(FileIO.reason(errno))")
        }
        return StateRecord(lines: [], setAsidePath: target, setAsideReason: reason)
    }

    func write(_ path: String, lines: [String], name: String) throws(CheckError) {
        var kept = lines
        var bytes = StateStore.encode(kept, name: name)
        while bytes.count > maxBytes && !kept.isEmpty {
            kept.removeFirst(max(1, kept.count / 10))
            bytes = StateStore.encode(kept, name: name)
        }
        let temporary = "\(directory)/\(StateStore.safeName(name)).tmp.\(getpid())"
        // O_EXCL: a link planted under the temporary name is never followed (nor is one
        // left by a killed run: removeStaleTemporaries has unlinked those).
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, fileMode)
        guard fd >= 0 else {
            throw .unknown("cannot save state file \(path): \(FileIO.reason(errno)) (the previous state is kept)")
        }
        // The old file stays in place until the new one is complete and on disk: a full or
        // failing filesystem costs this run's update, never the history.
        var failure: Int32 = 0
        if !FileIO.writeAll(fd: fd, bytes) { failure = errno }
        if failure == 0 && fsync(fd) != 0 { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, path) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw .unknown("cannot save state file \(path): \(FileIO.reason(failure)) (the previous state is kept)")
        }
        // Make the rename itself durable, so a crash cannot bring back the old file.
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 { fsync(dirFD); close(dirFD) }
    }

    /// Temporary files of killed runs; safe to remove because we hold the lock.
    func removeStaleTemporaries(prefix: String) {
        guard let dir = opendir(directory) else { return }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix(prefix) { unlink("\(directory)/\(name)") }
        }
    }

    /// Header, payload lines, and a trailer with the line count and a checksum of the payload.
    static func encode(_ lines: [String], name: String) -> [UInt8] {
        // A stored line can hold neither LF nor CR: either would split it when read back.
        let payload = lines.map { line -> String in
            var view = String.UnicodeScalarView()
            for s in line.unicodeScalars { view.append(s == "\n" || s == "\r" ? " " : s) }
            return String(view)
        }.joinedText("\n")
        let payloadBytes = Array(payload.utf8)
        var text = "\(magic) \(safeName(name))\n"
        if !lines.isEmpty { text += payload + "\n" }
        text += "end \(lines.count) \(String(fnv1a(payloadBytes), radix: 16))\n"
        return Array(text.utf8)
    }

    /// The version word of a file that is a state file of ours in another format version
    /// (`mailcheck-state 2 ...`), shortened; nil for this version and for anything else.
    static func foreignVersion(_ bytes: [UInt8]) -> String? {
        let prefix = Array("mailcheck-state ".utf8)
        guard bytes.starts(with: prefix) else { return nil }
        let version = bytes.dropFirst(prefix.count).prefix { $0 != 0x20 && $0 != 0x0A }
        guard !version.elementsEqual(magic.utf8.dropFirst(prefix.count)) else { return nil }
        return "mailcheck-state " + String(decoding: version.prefix(20), as: UTF8.self)
    }

    /// The payload lines, or nil when the file is not a complete state file of ours.
    static func decode(_ bytes: [UInt8]) -> [String]? {
        // Work on bytes: split at LF first, checksum the payload bytes in place, and decode
        // each line once (this runs on every check run that keeps history).
        guard bytes.last == 0x0A else { return nil }
        let rows = bytes.dropLast().split(separator: 0x0A, omittingEmptySubsequences: false)
        guard rows.count >= 2, let header = rows.first, let trailerBytes = rows.last,
              header.starts(with: Array((magic + " ").utf8)),
              let trailer = String(validating: trailerBytes, as: UTF8.self) else { return nil }
        let parts = trailer.split(separator: " ")
        let payloadRows = rows.dropFirst().dropLast()
        // The payload spans from after the header's LF to before the trailer's LF.
        let payloadBytes = payloadRows.isEmpty ? ArraySlice<UInt8>()
            : bytes[(header.endIndex + 1)..<(trailerBytes.startIndex - 1)]
        guard parts.count == 3, parts[0] == "end", Int(parts[1]) == payloadRows.count,
              parts[2] == Substring(String(fnv1a(payloadBytes), radix: 16)) else { return nil }
        var lines: [String] = []
        lines.reserveCapacity(payloadRows.count)
        for row in payloadRows {
            guard let line = String(validating: row, as: UTF8.self) else { return nil }
            lines.append(line)
        }
        return lines
    }

    /// 64-bit FNV-1a: enough to tell a damaged file from an intact one.
    public static func fnv1a<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt64 {
        var hash: UInt64 = 0xcbf29ce484222325
        for b in bytes { hash = (hash ^ UInt64(b)) &* 0x100000001b3 }
        return hash
    }
}
