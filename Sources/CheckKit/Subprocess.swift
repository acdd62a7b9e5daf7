#if canImport(Glibc)
import Glibc
#endif

/// What a finished child left behind.
public struct SubprocessResult: Sendable {
    /// Exit code, or nil when a signal ended the child.
    public let exitCode: Int32?
    /// The signal that ended the child, if any.
    public let signal: Int32?
    /// Captured standard output (empty when it was streamed to a handler).
    public let stdout: [UInt8]
    /// Captured standard error, never copied to our stderr: all of it, or when it was longer
    /// than `stderrLimit`, its first and its last `stderrLimit / 2` bytes (a fatal error
    /// comes last, after any flood of warnings).
    public let stderr: [UInt8]
    /// Bytes cut from the middle of standard error (0 when it is complete).
    public let stderrOmitted: Int
    /// Where in `stderr` the cut is.
    let stderrCut: Int

    init(exitCode: Int32?, signal: Int32?, stdout: [UInt8], stderr: [UInt8], stderrOmitted: Int = 0, stderrCut: Int = 0) {
        self.exitCode = exitCode
        self.signal = signal
        self.stdout = stdout
        self.stderr = stderr
        self.stderrOmitted = stderrOmitted
        self.stderrCut = stderrOmitted > 0 ? min(stderrCut, stderr.count) : stderr.count
    }

    /// Standard error as trimmed text for messages, with a line saying what was cut.
    public var stderrText: String {
        guard stderrOmitted > 0 else { return String(decoding: stderr, as: UTF8.self).trimmingBlanksAndNewlines }
        let head = String(decoding: stderr[..<stderrCut], as: UTF8.self)
        let tail = String(decoding: stderr[stderrCut...], as: UTF8.self)
        return (head + "\n[\(stderrOmitted) bytes of stderr not shown]\n" + tail).trimmingBlanksAndNewlines
    }
}

/// Runs helper programs (`postqueue -j` and friends) within the run's deadline: stdin is
/// /dev/null, stdout and stderr are captured (stdout may be streamed so memory stays flat),
/// the child gets its own process group so that a timeout kills it and everything it started.
public enum Subprocess {
    /// Runs `path` with `arguments`. `onStdout` receives output as it arrives; without it,
    /// stdout is collected up to `stdoutLimit` bytes.
    public static func run(_ path: String, _ arguments: [String], deadline: Deadline,
                           stdoutLimit: Int = 64 << 20, stderrLimit: Int = 64 << 10,
                           onStdout: ((UnsafeRawBufferPointer) throws(CheckError) -> Void)? = nil) throws(CheckError) -> SubprocessResult {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0 else { throw .unknown("cannot create a pipe: \(FileIO.reason(errno))") }
        guard pipe(&errPipe) == 0 else {
            close(outPipe[0]); close(outPipe[1])
            throw .unknown("cannot create a pipe: \(FileIO.reason(errno))")
        }
        // Our ends must not leak into the child (or into a second child of a threaded run).
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        // The child must not inherit our SIGALRM handler's mask or ignored signals.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGALRM)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGTERM)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let env = childEnvironment().map { strdup($0) } + [nil]
        defer { env.forEach { free($0) } }

        var pid: pid_t = 0
        let rc = path.contains("/")
            ? posix_spawn(&pid, path, &actions, &attributes, argv, env)
            : posix_spawnp(&pid, path, &actions, &attributes, argv, env)
        close(outPipe[1]); close(errPipe[1])
        guard rc == 0 else {
            close(outPipe[0]); close(errPipe[0])
            let what = rc == ENOENT ? "not found" : FileIO.reason(rc)
            throw .unknown("cannot run \(path): \(what)")
        }
        Watchdog.setChild(pid)
        defer { Watchdog.setChild(0) }

        var stdout: [UInt8] = []
        var stderr = StderrCapture(limit: stderrLimit)
        var open = [outPipe[0], errPipe[0]]
        var buffer = [UInt8](repeating: 0, count: 65536)
        var failure: CheckError? = nil
        while !open.isEmpty && failure == nil {
            if deadline.isExpired {
                failure = deadline.expiredError(while: "waiting for \(path)")
                break
            }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(deadline.remainingMilliseconds, 1000)))
            if ready < 0 && errno != EINTR { failure = .unknown("poll failed: \(FileIO.reason(errno))"); break }
            for entry in fds where entry.revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    close(entry.fd)
                    open.removeAll { $0 == entry.fd }
                    continue
                }
                if entry.fd == outPipe[0] {
                    if let onStdout {
                        buffer.withUnsafeBytes { raw in
                            do {
                                try onStdout(UnsafeRawBufferPointer(rebasing: raw[0..<n]))
                            } catch let error as CheckError {
                                failure = error
                            } catch {
                                failure = .unknown("\(error)")
                            }
                        }
                    } else if stdout.count < stdoutLimit {
                        stdout.append(contentsOf: buffer[0..<min(n, stdoutLimit - stdout.count)])
                    }
                } else {
                    stderr.append(buffer[0..<n])
                }
            }
        }
        open.forEach { close($0) }
        if failure != nil { kill(-pid, SIGKILL) }
        var status: Int32 = 0
        // A child may close its pipes and live on: reaping is bounded by the deadline too.
        while true {
            let reaped = waitpid(pid, &status, failure == nil ? WNOHANG : 0)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR { break }
            if reaped == 0 {
                if deadline.isExpired {
                    failure = deadline.expiredError(while: "waiting for \(path)")
                    kill(-pid, SIGKILL)
                    continue
                }
                usleep(2000)
            }
        }
        if let failure { throw failure }
        stderr.finish()
        let exited = (status & 0x7f) == 0
        return SubprocessResult(exitCode: exited ? (status >> 8) & 0xff : nil,
                                signal: exited ? nil : status & 0x7f,
                                stdout: stdout, stderr: stderr.head + stderr.tail,
                                stderrOmitted: stderr.omitted, stderrCut: stderr.head.count)
    }

    /// Our environment with a C locale, so children print numbers and dates we can parse.
    static func childEnvironment() -> [String] {
        var out: [String] = []
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            if !text.hasPrefix("LC_ALL=") && !text.hasPrefix("LANG=") && !text.hasPrefix("LANGUAGE=") {
                out.append(text)
            }
            p += 1
        }
        return out + ["LC_ALL=C"]
    }
}

/// A child's stderr in bounded memory: the first half of the limit as it came, then a
/// sliding window over the newest bytes, and a count of what fell out between them.
struct StderrCapture {
    let half: Int
    var head: [UInt8] = []
    var tail: [UInt8] = []
    var omitted = 0

    init(limit: Int) { half = max(1, limit / 2) }

    mutating func append(_ bytes: ArraySlice<UInt8>) {
        var rest = bytes
        if head.count < half {
            let take = min(half - head.count, rest.count)
            head.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
        }
        guard !rest.isEmpty else { return }
        tail.append(contentsOf: rest)
        // Trim in batches (at twice the window) so that a flood costs amortised O(1) a byte.
        if tail.count > 2 * half {
            let excess = tail.count - half
            tail.removeFirst(excess)
            omitted += excess
        }
    }

    /// Cuts the tail down to its window once the child is done.
    mutating func finish() {
        guard tail.count > half else { return }
        omitted += tail.count - half
        tail.removeFirst(tail.count - half)
    }
}

extension String {
    /// Without leading and trailing blanks and line breaks.
    public var trimmingBlanksAndNewlines: String {
        let blank: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !blank($0) }),
              let last = scalars.lastIndex(where: { !blank($0) }) else { return "" }
        return String(scalars[first...last])
    }
}
