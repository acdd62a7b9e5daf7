import CheckKit
#if canImport(Glibc)
import Glibc
#endif

/// Every check of the suite, by executable name; the multi-call binary dispatches on it.
/// This list is the one source: `mailcheck --list` prints it, and the Makefile, the release
/// check, the tests' symlinks and the convention tests all read it from there.
public enum CheckRegistry {
    /// All checks, in the order `mailcheck --list` prints them. A new check is one line here.
    public static var checks: [any MonitoringCheck.Type] {
        [
            SMTPCheck.self,
            DiskGrowthCheck.self,
            MTAQueueCheck.self,
            IMAPLoginCheck.self,
            POP3LoginCheck.self,
            WebmailLoginCheck.self,
            CalDAVCheck.self,
            CardDAVCheck.self,
            DeliveryLatencyCheck.self,
        ]
    }

    /// The check whose executable name is `name`.
    public static func check(named name: String) -> (any MonitoringCheck.Type)? {
        checks.first { $0.programName == name }
    }

    /// Picks the check from the name the binary was invoked as (`check_smtp_session`), or from the
    /// first argument when invoked as `mailcheck check_smtp_session ...`.
    public static func main(_ argv: [String]) -> Never {
        let invoked = argv.first.map { String($0.split(separator: "/").last ?? "") } ?? ""
        var arguments = Array(argv.dropFirst())
        var name = invoked
        if !invoked.hasPrefix("check_"), arguments == ["--list"] {
            for check in checks { print(check.programName) }
            exit(0)
        }
        if !invoked.hasPrefix("check_"), let first = arguments.first, first.hasPrefix("check_") {
            name = first
            arguments.removeFirst()
        }
        guard let check = check(named: name) else {
            let known = checks.map { $0.programName }.joinedText(" ")
            if name.hasPrefix("check_") {
                print("MAILCHECK UNKNOWN - no check named '\(name)'; known: \(known)")
            } else {
                print("mailcheck \(mailcheckVersion): run as one of: \(known)\n(symlink the check name to this binary, or run 'mailcheck CHECK [options]'; 'mailcheck --list' lists the checks)")
            }
            exit(3)
        }
        let code = PluginRunner.main(check, arguments: arguments)
        // The output is out (written with write(2), and stdio flushed here): end without the
        // atexit handlers, which after a TLS check spend their time in OpenSSL freeing every
        // table it built, work the kernel does faster by dropping the process (issue 14).
        fflush(nil)
        _exit(code)
    }
}
