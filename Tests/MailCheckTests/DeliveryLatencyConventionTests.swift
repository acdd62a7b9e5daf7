import Foundation
import Testing

/// check_delivery_latency ships with everything a check needs, and every place that names its
/// options names real ones: the man page documents exactly what `--help` lists, and the Nagios
/// commands, the Icinga 2 CheckCommand and the Monit stanza use only options it knows.
@Suite struct DeliveryLatencyConventionTests {
    static func read(_ path: String) -> String {
        (try? String(contentsOfFile: Plugin.root + "/" + path, encoding: .utf8)) ?? ""
    }

    /// Long option names from `--help` (`  -U, --username=USER`, `      --smtp-tls`).
    static func helpOptions() throws -> Set<String> {
        let help = try Plugin.run("check_delivery_latency", ["--help"]).stdout
        return Set(help.matches(of: #/(?m)^ +(?:-\w, )?--([a-z0-9-]+)/#).map { String($0.1) })
    }

    /// `-x` and `--name` words of a command line, values and macros left out.
    static func optionWords(_ line: String) -> [String] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\"" }).compactMap { word in
            guard word.hasPrefix("-"), word.count > 1, let second = word.dropFirst().first, second.isLetter || second == "-" else { return nil }
            return String(word.split(separator: "=").first ?? word)
        }
    }

    static func known(_ option: String, long: Set<String>) -> Bool {
        if option.hasPrefix("--") { return long.contains(String(option.dropFirst(2))) }
        return ["-H", "-U", "-P", "-w", "-c", "-t", "-v", "-h", "-V", "-4", "-6"].contains(option)
    }

    @Test func everythingIsShipped() throws {
        let name = "check_delivery_latency"
        #expect(Self.read("man/man1/\(name).1").contains(".Dt CHECK_DELIVERY_LATENCY 1"))
        #expect(Self.read("nagios-config/commands.cfg").contains("command_name    check_mailcheck_delivery_latency"))
        #expect(Self.read("nagios-config/icinga2/commands.conf").contains("object CheckCommand \"mailcheck_delivery_latency\""))
        #expect(Self.read("monit-config/mailcheck.monitrc").contains("check program mailcheck_delivery_latency with path \"/usr/lib/nagios/plugins/\(name) "))
        #expect(Self.read("README.md").contains("### \(name)\n"))
        #expect(Self.read("README.md").contains("| `\(name)` |"))
        #expect(try Scheduler.checks().contains(name))
        #expect(Self.read("scripts/bench.d/delivery_latency.sh").contains("$BENCH_BIN/\(name)"))
        #expect(Self.read("scripts/demo.sh").contains("run \(name) "))
    }

    @Test func manPageLintsCleanAndDocumentsExactlyTheOptions() throws {
        let page = Self.read("man/man1/check_delivery_latency.1")
        let documented = Set(page.matches(of: #/Fl -([a-z0-9][a-z0-9-]*)/#).map { String($0.1) })
        #expect(documented == (try Self.helpOptions()), "man page and --help differ")
        // mandoc is installed by scripts/install-deps.sh: a missing one fails, never skips.
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/mandoc"), "mandoc is missing: run scripts/install-deps.sh")
        let run = try Plugin.exec("/usr/bin/mandoc", ["-T", "lint", "-W", "warning", Plugin.root + "/man/man1/check_delivery_latency.1"])
        #expect(run.code == 0 && run.stdout.isEmpty && run.stderr.isEmpty, "\(run)")
    }

    @Test func schedulerConfigurationsUseOnlyRealOptions() throws {
        let long = try Self.helpOptions()
        var lines: [String] = []
        for line in Self.read("nagios-config/commands.cfg").split(separator: "\n") where line.contains("/check_delivery_latency ") {
            lines.append(String(line))
        }
        #expect(lines.count == 2, "\(lines)")
        let monit = Self.read("monit-config/mailcheck.monitrc").split(separator: "\n").filter { $0.contains("/check_delivery_latency ") }
        #expect(monit.count == 1)
        lines += monit.map(String.init)
        for line in lines {
            for option in Self.optionWords(line) { #expect(Self.known(option, long: long), "\(option) in: \(line)") }
        }
        // Monit must wait longer than the plugin's own deadline.
        let stanza = Self.read("monit-config/mailcheck.monitrc").components(separatedBy: "check program mailcheck_delivery_latency").last ?? ""
        let deadline = stanza.firstMatch(of: #/ -t (\d+)/#).flatMap { Int($0.1) } ?? 0
        let timeout = stanza.firstMatch(of: #/with timeout (\d+) seconds/#).flatMap { Int($0.1) } ?? 0
        #expect(deadline > 0 && timeout > deadline, "monit timeout \(timeout) s, -t \(deadline) s")
    }

    @Test func icingaCommandDescribesEveryArgumentAndKnowsThemAll() throws {
        let long = try Self.helpOptions()
        let conf = Self.read("nagios-config/icinga2/commands.conf")
        let start = try #require(conf.range(of: "object CheckCommand \"mailcheck_delivery_latency\""))
        let body = conf[start.upperBound...].components(separatedBy: "\n}\n").first ?? ""
        #expect(body.contains("import \"mailcheck-common\""))
        // Its TLS options are per side: the shared template's --tls/--starttls would be unknown options.
        #expect(!body.contains("import \"mailcheck-tls\""))
        var keys = 0
        for line in body.split(separator: "\n") where line.contains("\" = {") {
            keys += 1
            #expect(line.contains("description = \""), "no description: \(line)")
            let key = line.split(separator: "\"").dropFirst().first.map(String.init) ?? ""
            #expect(Self.known(key, long: long), "unknown option \(key)")
        }
        #expect(keys >= 30)
    }
}
