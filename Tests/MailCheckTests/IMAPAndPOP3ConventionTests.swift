import Foundation
import Testing

/// check_imap_login and check_pop3_login ship with everything a check needs: a man page that
/// lints clean, a Nagios command, an Icinga 2 CheckCommand, a Monit stanza, a README section,
/// an install entry and a benchmark.
@Suite struct IMAPAndPOP3ConventionTests {
    static func read(_ path: String) -> String {
        (try? String(contentsOfFile: Plugin.root + "/" + path, encoding: .utf8)) ?? ""
    }

    @Test(arguments: ["check_imap_login", "check_pop3_login"])
    func everyCheckHasItsDocumentationAndConfiguration(name: String) throws {
        let short = String(name.dropFirst("check_".count))
        #expect(Self.read("man/man1/\(name).1").contains(".Dt \(name.uppercased()) 1"))
        #expect(Self.read("nagios-config/commands.cfg").contains("command_name    check_mailcheck_\(short)"))
        #expect(Self.read("nagios-config/icinga2/commands.conf").contains("object CheckCommand \"mailcheck_\(short)\""))
        #expect(Self.read("monit-config/mailcheck.monitrc").contains("check program mailcheck_\(short) with path \"/usr/lib/nagios/plugins/\(name) "))
        #expect(Self.read("README.md").contains("### \(name)\n"))
        #expect(Self.read("README.md").contains("| `\(name)` |"))
        #expect(try Scheduler.checks().contains(name))
        #expect(Self.read("scripts/bench.d/imap_login.sh").contains("$BENCH_BIN/\(name)"))
        #expect(Self.read("scripts/demo.sh").contains("run \(name) "))
    }

    @Test func manPagesLintClean() throws {
        // mandoc is installed by scripts/install-deps.sh: a missing one fails, never skips.
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/mandoc"), "mandoc is missing: run scripts/install-deps.sh")
        let run = try Plugin.exec("/usr/bin/mandoc", ["-T", "lint", "-W", "warning",
                                                      Plugin.root + "/man/man1/check_imap_login.1", Plugin.root + "/man/man1/check_pop3_login.1"])
        #expect(run.code == 0 && run.stdout.isEmpty && run.stderr.isEmpty, "\(run)")
    }

    /// The Icinga 2 commands describe every argument and take the shared TLS and common templates.
    @Test(arguments: ["mailcheck_imap_login", "mailcheck_pop3_login"])
    func icingaCommandsDescribeEveryArgument(name: String) throws {
        let conf = Self.read("nagios-config/icinga2/commands.conf")
        let start = try #require(conf.range(of: "object CheckCommand \"\(name)\""))
        // The object runs to the next blank line.
        let body = conf[start.upperBound...].components(separatedBy: "\n\n").first ?? ""
        #expect(body.contains("import \"mailcheck-common\"") && body.contains("import \"mailcheck-tls\""))
        for line in body.split(separator: "\n") where line.contains("\" = {") {
            #expect(line.contains("description = \""), "no description: \(line)")
        }
    }
}
