import Foundation
import Testing

/// The installed layout (the binary with the slim libcurls beside it) against the test stack:
/// plain-text checks load libmailcheck-curl-plain.so, TLS checks libmailcheck-curl-bundled.so
/// (OpenSSL inside) while the system's libssl3 is the build it bundles and libmailcheck-curl.so
/// once it is not (the loader says which at -vv, `libcurl ... from PATH`), and TLS asked of the
/// plain library is UNKNOWN with the reason, never a crash and never a connection in clear.
@Suite(.serialized) struct PlainLibraryStackTests {
    /// A directory like `make install` makes: the debug binary (hard-linked, or copied when the
    /// link fails), check_* symlinks, and the libraries the build script made.
    static let installed: Result<String, any Error> = Result {
        let built = try Plugin.exec("/bin/bash", [Plugin.root + "/scripts/build-slim-libcurl.sh", Plugin.root + "/.build-slim-curl"], limit: 120)
        let libraries = built.stdout.split(separator: "\n").map(String.init).filter { $0.hasSuffix(".so") }
        guard built.code == 0, libraries.count == 3 else { throw Failure("build-slim-libcurl.sh: \(built)") }
        // Directories of earlier test processes (no longer running) go first.
        let build = Plugin.root + "/.build"
        for old in (try? FileManager.default.contentsOfDirectory(atPath: build)) ?? [] where old.hasPrefix("plain-library-") {
            if let pid = Int32(old.dropFirst("plain-library-".count)), pid != getpid(), kill(pid, 0) != 0 {
                try? FileManager.default.removeItem(atPath: build + "/" + old)
            }
        }
        let dir = build + "/plain-library-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/fallback", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/stale", withIntermediateDirectories: true)
        for target in [dir, dir + "/fallback", dir + "/stale"] {
            if link(Plugin.buildDir + "/mailcheck", target + "/mailcheck") != 0 {
                try FileManager.default.copyItem(atPath: Plugin.buildDir + "/mailcheck", toPath: target + "/mailcheck")
            }
            for name in ["check_smtp_session", "check_imap_login", "check_pop3_login"] {
                _ = symlink("mailcheck", "\(target)/\(name)")
            }
        }
        for library in libraries {
            try FileManager.default.copyItem(atPath: library, toPath: dir + "/" + (library as NSString).lastPathComponent)
        }
        // Only the library with TLS: the plain checks fall back to it.
        try FileManager.default.copyItem(atPath: dir + "/libmailcheck-curl.so", toPath: dir + "/fallback/libmailcheck-curl.so")
        // A bundled library whose record of libcrypto.so.3 no longer matches the system's file, as
        // after an OpenSSL update that the package was not rebuilt for.
        for name in ["libmailcheck-curl.so", "libmailcheck-curl-plain.so"] {
            try FileManager.default.copyItem(atPath: dir + "/" + name, toPath: dir + "/stale/" + name)
        }
        try staleCopy(of: dir + "/libmailcheck-curl-bundled.so", to: dir + "/stale/libmailcheck-curl-bundled.so")
        return dir
    }

    /// The bundled library with the last digit of libcrypto.so.3's recorded modification time changed.
    static func staleCopy(of source: String, to target: String) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: source))
        guard let marker = bytes.range(of: Data("/libcrypto.so.3 ".utf8)),
              let newline = bytes[marker.upperBound...].firstIndex(of: UInt8(ascii: "\n")) else { throw Failure("no identity in \(source)") }
        bytes[newline - 1] = bytes[newline - 1] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        try bytes.write(to: URL(fileURLWithPath: target))
    }

    struct Failure: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    var tls: [String] { ["--cacert", MailStack.caCert, "--sni", MailStack["TLS_SERVER_NAME"]] }
    var login: [String] { ["-U", MailStack["ALICE_USER"], "--password-file", MailStack["ALICE_PASS_FILE"]] }

    /// Runs an installed check with -vv (MAILCHECK_LIBCURL unset: the loader's own choice).
    func run(_ name: String, _ arguments: [String], in sub: String = "", environment: [String: String] = [:]) throws -> PluginRun {
        let dir = try Self.installed.get() + sub
        var env = environment
        if env["MAILCHECK_LIBCURL"] == nil { env["MAILCHECK_LIBCURL"] = "" }
        return try Plugin.exec("\(dir)/\(name)", ["-H", MailStack.host, "-vv"] + arguments, environment: env)
    }

    func expectLoaded(_ r: PluginRun, _ library: String, in sub: String = "") throws {
        let path = try Self.installed.get() + sub + "/" + library
        #expect(r.code == 0, "\(r)")
        #expect(r.stdout.contains("libcurl 7.") && r.stdout.contains(" from \(path))"), "expected \(path): \(r)")
    }

    @Test func plainChecksLoadThePlainLibrary() throws {
        try expectLoaded(run("check_smtp_session", ["-p", MailStack["SMTP_PORT"]]), "libmailcheck-curl-plain.so")
        try expectLoaded(run("check_imap_login", ["-p", MailStack["IMAP_PORT"]] + login), "libmailcheck-curl-plain.so")
        try expectLoaded(run("check_pop3_login", ["-p", MailStack["POP3_PORT"]] + login), "libmailcheck-curl-plain.so")
    }

    @Test func tlsChecksLoadTheBundledLibraryWithCertificateFacts() throws {
        let smtp = try run("check_smtp_session", ["-p", MailStack["SUBMISSION_PORT"], "--starttls"] + tls)
        try expectLoaded(smtp, "libmailcheck-curl-bundled.so")
        #expect(smtp.metric("cert_days") != nil, "\(smtp)")
        let imap = try run("check_imap_login", ["-p", MailStack["IMAPS_PORT"], "--tls"] + tls + login)
        try expectLoaded(imap, "libmailcheck-curl-bundled.so")
        #expect(imap.metric("cert_days") != nil, "\(imap)")
        let pop3 = try run("check_pop3_login", ["-p", MailStack["POP3_PORT"], "--starttls"] + tls + login)
        try expectLoaded(pop3, "libmailcheck-curl-bundled.so")
        // Verification is the bundled OpenSSL's too: a CA that did not sign the server's certificate fails.
        let wrongCA = try run("check_smtp_session", ["-p", MailStack["SUBMISSION_PORT"], "--starttls", "--cacert", "/etc/ssl/certs/ca-certificates.crt",
                                                     "--sni", MailStack["TLS_SERVER_NAME"]])
        #expect(wrongCA.code == 2 && wrongCA.status.contains("certificate"), "\(wrongCA)")
    }

    /// After an OpenSSL update (the system's libcrypto.so.3 is not the file the bundled library
    /// recorded) TLS checks use the system's OpenSSL through libmailcheck-curl.so, and -vv says why.
    @Test func aStaleBundledLibraryGivesWayToTheSystemsOpenSSL() throws {
        let smtp = try run("check_smtp_session", ["-p", MailStack["SUBMISSION_PORT"], "--starttls"] + tls, in: "/stale")
        let path = try Self.installed.get() + "/stale/libmailcheck-curl.so"
        #expect(smtp.code == 0 && smtp.metric("cert_days") != nil, "\(smtp)")
        #expect(smtp.stdout.contains(" from \(path); bundled OpenSSL not used: ") && smtp.stdout.contains("/libcrypto.so.3 is not the build it bundles"), "\(smtp)")
        // Plain-text checks are not concerned: the plain library has no OpenSSL at all.
        try expectLoaded(run("check_smtp_session", ["-p", MailStack["SMTP_PORT"]], in: "/stale"), "libmailcheck-curl-plain.so", in: "/stale")
    }

    @Test func withoutThePlainLibraryPlainChecksUseTheFullOne() throws {
        try expectLoaded(run("check_smtp_session", ["-p", MailStack["SMTP_PORT"]], in: "/fallback"), "libmailcheck-curl.so", in: "/fallback")
    }

    /// MAILCHECK_LIBCURL forces the plain library on a TLS check: the transport refuses before
    /// any byte goes out, with the reason.
    @Test func tlsOnThePlainLibraryIsUnknownWithTheReason() throws {
        let plain = try Self.installed.get() + "/libmailcheck-curl-plain.so"
        for (name, arguments) in [("check_smtp_session", ["-p", MailStack["SUBMISSION_PORT"], "--starttls"]),
                                  ("check_smtp_session", ["-p", MailStack["SUBMISSIONS_PORT"], "--tls"]),
                                  ("check_imap_login", ["-p", MailStack["IMAPS_PORT"], "--tls"] + login),
                                  ("check_pop3_login", ["-p", MailStack["POP3_PORT"], "--starttls"] + login)] {
            let r = try run(name, arguments + tls, environment: ["MAILCHECK_LIBCURL": plain])
            #expect(r.code == 3 && r.status.contains("needs TLS, but the libcurl this run loaded has none (\(plain))"), "\(name) \(arguments): \(r)")
            #expect(r.stdout.contains("MAILCHECK_LIBCURL names a libcurl without TLS"), "\(r)")
        }
    }
}
