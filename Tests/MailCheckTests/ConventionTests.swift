import Foundation
import Testing

/// Every check ships what each way of running it needs, and all of it agrees with the built
/// checks: a man page (in step with `--help`, mandoc-clean), a Nagios command, an Icinga 2
/// CheckCommand with every argument, a Monit stanza; nothing names a check that does not
/// exist or an option a check does not have. The list of checks is the built binary's own,
/// so a new check is held to all of this the day it is registered.
@Suite struct ConventionTests {
    static let manSections = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "THRESHOLDS", "PERFORMANCE DATA",
                              "EXIT STATUS", "EXAMPLES", "FILES", "SEE ALSO"]
    /// Options a scheduler's configuration never passes: help and version end the check, a
    /// password on a command line shows in ps, and Nagios, Icinga 2 and Monit read only the
    /// nagios output format.
    static let notForSchedulers: Set<String> = ["--help", "--version", "--password", "--output-format"]

    func checks() throws -> [String] {
        let checks = try Scheduler.checks()
        try #require(!checks.isEmpty, "\(Scheduler.binary) lists no checks")
        return checks
    }

    /// The registry is the one list: the Makefile and the release check ask the binary.
    @Test func buildScriptsTakeTheChecksFromTheBinary() throws {
        let listed = try checks()
        let makefile = Shipped.text("Makefile")
        #expect(makefile.contains("mailcheck --list"))
        #expect(listed.allSatisfy { !makefile.contains($0) }, "the Makefile must not keep its own list of checks")
        #expect(Shipped.text("scripts/check-release.sh").contains("--list"))
        #expect(listed.allSatisfy { $0.hasPrefix("check_") }, "mailcheck --list: \(listed)")
        #expect(Set(listed).count == listed.count, "a check is listed twice: \(listed)")
    }

    @Test func everyCheckHasAManPageAndEveryPageACheck() throws {
        let checks = try checks()
        for check in checks {
            #expect(FileManager.default.fileExists(atPath: Plugin.root + "/man/man1/\(check).1"), "no man/man1/\(check).1")
        }
        let pages = (try? FileManager.default.contentsOfDirectory(atPath: Plugin.root + "/man/man1")) ?? []
        for page in pages where page.hasSuffix(".1") {
            #expect(checks.contains(String(page.dropLast(2))), "man/man1/\(page) documents no check")
        }
    }

    @Test func manPagesListExactlyTheOptionsOfHelp() throws {
        for check in try checks() {
            let help = try Shipped.helpOptions(check)
            try #require(!help.long.isEmpty, "\(check) --help lists no options")
            let man = Shipped.manLongOptions(Shipped.text("man/man1/\(check).1"))
            let onlyHelp = help.long.subtracting(man).sorted(), onlyMan = man.subtracting(help.long).sorted()
            #expect(onlyHelp.isEmpty, "\(check).1 does not document: \(onlyHelp.map { "--" + $0 })")
            #expect(onlyMan.isEmpty, "\(check).1 documents options \(check) does not have: \(onlyMan.map { "--" + $0 })")
        }
    }

    @Test func manPagesHaveTheirSectionsAndExamplesForEveryScheduler() throws {
        let nagios = Shipped.nagiosCommands()
        let icinga = Shipped.icingaCommands()
        let icingaMacros = icinga.values.reduce(into: Set<String>()) { $0.formUnion($1.macros) }
        for check in try checks() {
            let page = Shipped.text("man/man1/\(check).1")
            for section in Self.manSections {
                #expect(Shipped.manSection(page, section) != nil, "\(check).1 has no \(section) section")
            }
            #expect(page.contains(".Nm \(check)\n"), "\(check).1 names another program")
            #expect(Shipped.manSection(page, "FILES")?.contains("monitoring-plugins.ini") == true,
                    "\(check).1 FILES: name the --extra-opts file")
            let examples = Shipped.manSection(page, "EXAMPLES") ?? ""
            #expect(examples.contains(".Dl \(check) "), "\(check).1 EXAMPLES: no example by hand")
            #expect(examples.contains("define service"), "\(check).1 EXAMPLES: no Nagios example")
            #expect(examples.contains("check_command = \""), "\(check).1 EXAMPLES: no Icinga 2 example")
            #expect(examples.contains("check program "), "\(check).1 EXAMPLES: no Monit example")
            // The examples use what is shipped, with options the check has.
            let options = try Shipped.helpOptions(check)
            for match in examples.matches(of: #/check_command\s+(check_[^\s]+)/#) {
                let call = String(match.1)
                let line = Shipped.expand(call, commands: nagios)
                #expect(line != nil, "\(check).1: Nagios command \(call.split(separator: "!")[0]) is not in commands.cfg")
                if let line, Shipped.anyCheck(of: line.replacingOccurrences(of: "$USER1$", with: "")) == check {
                    for word in Shipped.optionWords(line) { #expect(options.knows(word), "\(check).1: \(call) passes \(word)") }
                }
            }
            for match in examples.matches(of: #/check_command = "([^"]+)"/#) {
                #expect(icinga[String(match.1)] != nil, "\(check).1: CheckCommand \(match.1) is not in commands.conf")
            }
            for match in examples.matches(of: #/vars\.(mailcheck_[a-z0-9_]+)/#) {
                #expect(icingaMacros.contains(String(match.1)), "\(check).1: vars.\(match.1) is no argument of the CheckCommands")
            }
            for stanza in Shipped.monitStanzas(examples) {
                checkStanza(stanza, options: options, check: check, origin: "\(check).1")
            }
        }
    }

    @Test func manPagesAreMandocLintClean() throws {
        for check in try checks() {
            // STYLE messages are left out: "referenced manual not found" depends on which
            // pages this machine has installed.
            let run = try Plugin.exec("/usr/bin/mandoc", ["-T", "lint", "-W", "warning", Plugin.root + "/man/man1/\(check).1"])
            #expect(run.code == 0 && run.stdout.isEmpty && run.stderr.isEmpty, "mandoc -T lint \(check).1:\n\(run.stdout)\(run.stderr)")
        }
    }

    @Test func nagiosCommandsCoverEveryCheckWithRealOptionsAndNoPassword() throws {
        let checks = try checks()
        let commands = Shipped.nagiosCommands()
        try #require(!commands.isEmpty, "no commands in nagios-config/commands.cfg")
        for check in checks {
            #expect(commands.values.contains { $0.hasPrefix("$USER1$/\(check) ") }, "no Nagios command runs \(check)")
        }
        for (name, line) in commands {
            guard let program = Shipped.anyCheck(of: line) else {
                Issue.record("command \(name) runs no check_* program: \(line)")
                continue
            }
            #expect(line.hasPrefix("$USER1$/"), "\(name): plugins run from $USER1$")
            if program == "check_nrpe" {
                // The NRPE side must define what is asked for.
                let asked = line.firstMatch(of: #/-c (\S+)/#).map { String($0.1) } ?? ""
                #expect(Shipped.nrpeCommands()[asked] != nil, "\(name) asks NRPE for \(asked), which nrpe-mailcheck.cfg does not define")
                continue
            }
            #expect(checks.contains(program), "\(name) runs \(program), which is no check")
            let options = try Shipped.helpOptions(program)
            for word in Shipped.optionWords(line) {
                #expect(options.knows(word), "\(name): \(program) has no option \(word)")
                #expect(!Self.notForSchedulers.contains(word) && word != "-P", "\(name) passes \(word)")
            }
            if options.long.contains("hostname") {
                #expect(line.contains("-H $HOSTADDRESS$"), "\(name): the host comes from $HOSTADDRESS$")
            }
        }
    }

    @Test func nagiosExampleServicesCallShippedCommandsWithRealOptions() throws {
        let checks = try checks()
        let commands = Shipped.nagiosCommands()
        let services = Shipped.nagiosObjects(Shipped.text("nagios-config/example-platform.cfg"), type: "service")
        try #require(!services.isEmpty)
        for service in services {
            let call = service["check_command"] ?? ""
            guard let line = Shipped.expand(call, commands: commands) else {
                Issue.record("\(service["service_description"] ?? "?"): no command \(call)")
                continue
            }
            guard let program = Shipped.program(of: line.replacingOccurrences(of: "$USER1$", with: ""), among: checks) else { continue }
            let options = try Shipped.helpOptions(program)
            for word in Shipped.optionWords(line) {
                #expect(options.knows(word), "\(service["service_description"] ?? "?"): \(program) has no option \(word)")
            }
        }
    }

    @Test func nrpeCommandsRunChecksWithRealOptions() throws {
        let checks = try checks()
        let nrpe = Shipped.nrpeCommands()
        try #require(!nrpe.isEmpty)
        for (name, line) in nrpe {
            guard let program = Shipped.program(of: line, among: checks) else {
                Issue.record("NRPE command \(name) runs no check: \(line)")
                continue
            }
            let options = try Shipped.helpOptions(program)
            for word in Shipped.optionWords(line) {
                #expect(options.knows(word), "NRPE \(name): \(program) has no option \(word)")
                #expect(!Self.notForSchedulers.contains(word) && word != "-P", "NRPE \(name) passes \(word)")
            }
            #expect(!line.contains("$ARG"), "NRPE \(name): arguments are fixed (dont_blame_nrpe=0)")
        }
    }

    @Test func icingaCheckCommandsDescribeEveryArgumentOfEveryCheck() throws {
        let checks = try checks()
        let commands = Shipped.icingaCommands()
        let objects = commands.values.filter { !$0.isTemplate }
        for check in checks {
            #expect(objects.contains { $0.program == check }, "no Icinga 2 CheckCommand runs \(check)")
        }
        let description = Shipped.text("nagios-config/icinga2/commands.conf")
        for command in objects {
            guard let program = command.program, checks.contains(program) else {
                Issue.record("CheckCommand \(command.name) runs \(command.program ?? "nothing"), which is no check")
                continue
            }
            let options = try Shipped.helpOptions(program)
            let keys = Shipped.allKeys(command, in: commands)
            for key in keys { #expect(options.knows(key), "CheckCommand \(command.name): \(program) has no option \(key)") }
            // Every option, by its long or its short name (as the ITL does).
            let shortOf = try shortNames(program)
            for long in options.long where !Self.notForSchedulers.contains("--" + long) {
                let covered = keys.contains("--" + long) || shortOf[long].map { keys.contains("-" + $0) } == true
                #expect(covered, "CheckCommand \(command.name) does not describe --\(long)")
            }
            #expect(!keys.contains("-P") && !keys.contains("--password"), "CheckCommand \(command.name) passes a password")
        }
        #expect(description.components(separatedBy: "description = ").count > 10)
    }

    @Test func icingaServicesUseArgumentsTheCommandsHave() throws {
        let commands = Shipped.icingaCommands()
        let macros = commands.values.reduce(into: Set<String>()) { $0.formUnion($1.macros) }
        for file in ["nagios-config/icinga2/services.conf", "nagios-config/icinga2/templates.conf", "nagios-config/icinga2/example-hosts.conf"] {
            let text = Shipped.text(file)
            #expect(!text.isEmpty, "\(file) is missing")
            for match in text.matches(of: #/vars\.(mailcheck_[a-z0-9_]+)/#) {
                #expect(macros.contains(String(match.1)), "\(file): vars.\(match.1) is no argument of the CheckCommands")
            }
            for match in text.matches(of: #/check_command = "([^"]+)"/#) where String(match.1).hasPrefix("mailcheck_") {
                #expect(commands[String(match.1)] != nil, "\(file): no CheckCommand \(match.1)")
            }
        }
    }

    @Test func monitStanzasCoverEveryCheckAndEndAfterTheCheck() throws {
        let checks = try checks()
        let stanzas = Shipped.monitStanzas(Shipped.text("monit-config/mailcheck.monitrc"))
        for check in checks {
            #expect(stanzas.contains { Shipped.program(of: $0.path, among: [check]) != nil }, "no Monit stanza runs \(check)")
        }
        for stanza in stanzas {
            guard let program = Shipped.anyCheck(of: stanza.path), checks.contains(program) else {
                Issue.record("Monit stanza \(stanza.name) runs no check: \(stanza.path)")
                continue
            }
            checkStanza(stanza, options: try Shipped.helpOptions(program), check: program, origin: "mailcheck.monitrc")
        }
    }

    /// A stanza runs the check with real options, waits longer than the check's own -t, and
    /// tells WARNING, CRITICAL and UNKNOWN apart.
    func checkStanza(_ stanza: Shipped.MonitStanza, options: Shipped.Options, check: String, origin: String) {
        for word in Shipped.optionWords(stanza.path) {
            #expect(options.knows(word), "\(origin) \(stanza.name): \(check) has no option \(word)")
            #expect(!Self.notForSchedulers.contains(word) && word != "-P", "\(origin) \(stanza.name) passes \(word)")
        }
        let words = stanza.path.split(separator: " ")
        var own = 10.0
        if let index = words.firstIndex(where: { $0 == "-t" || $0 == "--timeout" }), index + 1 < words.count {
            own = Double(words[index + 1].split(separator: ":")[0]) ?? 10
        }
        #expect((stanza.timeout ?? 0) > own, "\(origin) \(stanza.name): Monit's timeout \(stanza.timeout ?? 0) s must exceed the check's -t \(own) s")
        for code in 1...3 {
            #expect(stanza.body.contains("if status == \(code) then"), "\(origin) \(stanza.name): no 'if status == \(code)' test")
        }
    }

    /// Long name -> short letter, from `--help`.
    func shortNames(_ check: String) throws -> [String: String] {
        let run = try Plugin.exec(Scheduler.binary, [check, "--help"])
        var out: [String: String] = [:]
        for match in run.stdout.matches(of: #/(?m)^\s+-([A-Za-z0-9]), --([a-z0-9-]+)/#) {
            out[String(match.2)] = String(match.1)
        }
        return out
    }
}
