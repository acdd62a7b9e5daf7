import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A test CA and server certificates that are wrong in one way each: issued for another name,
/// expired, not yet valid. Made once per test process with `openssl ca`, whose -startdate and
/// -enddate can put a certificate's validity in the past or the future (no faketime needed).
enum FaultCertificates {
    /// The directory holding `ca.pem` and `NAME.pem`/`NAME.key` for other, expired, future;
    /// nil when openssl failed (the tests then fail visibly).
    static let dir: String? = {
        let dir = NSTemporaryDirectory() + "mailcheck-fault-certs-\(getpid())-\(UUID().uuidString)"
        guard (try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)) != nil else { return nil }
        let script = """
            set -e
            cd "$1"
            ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
            openssl req -x509 $ec -keyout ca.key -out ca.pem -days 2 -subj /CN=mailcheck-fault-ca
            : > index.txt
            echo 01 > serial
            printf '[ca]\\ndefault_ca = fault\\n[fault]\\ndatabase = index.txt\\nnew_certs_dir = .\\nserial = serial\\ndefault_md = sha256\\npolicy = any\\nunique_subject = no\\ncopy_extensions = copy\\n[any]\\ncommonName = supplied\\n' > ca.cnf
            leaf() {
              openssl req $ec -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" -addext "subjectAltName=DNS:$2"
              openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in "$1.csr" -out "$1.pem" -startdate "$3" -enddate "$4" -notext
            }
            leaf other other.example 20240101000000Z 20990101000000Z
            leaf expired localhost 20200101000000Z 20210101000000Z
            leaf future localhost 20980101000000Z 20990101000000Z
            """
        guard let run = try? Plugin.exec("/bin/sh", ["-c", script, "sh", dir], limit: 30), run.code == 0 else { return nil }
        return dir
    }()
}

/// `openssl s_server` on a free loopback port presenting `cert`: a real TLS peer for what our
/// own fakes cannot do (a complete handshake with a chosen certificate). `-www` keeps it from
/// reading stdin, so it serves until the test SIGKILLs it.
final class TLSFakeServer {
    let port: Int
    private let pid: pid_t
    private let output: String

    init(cert: String, key: String) throws {
        output = NSTemporaryDirectory() + "s_server-\(UUID().uuidString)"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let arguments = ["openssl", "s_server", "-www", "-accept", "127.0.0.1:0", "-cert", cert, "-key", key]
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let rc = posix_spawnp(&child, "openssl", &actions, &attributes, argv, environ)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .ENOENT) }
        pid = child
        // s_server prints `ACCEPT 127.0.0.1:PORT` once it listens.
        var found = 0
        for _ in 0..<500 where found == 0 {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if let range = text.range(of: "ACCEPT 127.0.0.1:") {
                found = Int(text[range.upperBound...].prefix(while: \.isNumber)) ?? 0
            } else {
                usleep(10_000)
            }
        }
        port = found
        if found == 0 { stop(); throw POSIXError(.EADDRNOTAVAIL) }
    }

    private func stop() {
        kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        unlink(output)
    }

    deinit { stop() }
}
