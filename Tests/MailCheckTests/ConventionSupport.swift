import Foundation

/// Reads what the suite ships for the schedulers (man pages, Nagios and NRPE commands, Icinga 2
/// CheckCommands, Monit stanzas) into plain values the Convention suite compares.
enum Shipped {
    static func text(_ relative: String) -> String {
        (try? String(contentsOfFile: Plugin.root + "/" + relative, encoding: .utf8)) ?? ""
    }

    /// The options of a check as its `--help` lists them: long names and short letters.
    struct Options {
        var long: Set<String> = []
        var short: Set<String> = []
        func knows(_ option: String) -> Bool {
            option.hasPrefix("--") ? long.contains(String(option.dropFirst(2))) : short.contains(String(option.dropFirst()))
        }
    }

    static func helpOptions(_ check: String) throws -> Options {
        let run = try Plugin.exec(Scheduler.binary, [check, "--help"])
        var options = Options()
        for line in run.stdout.split(separator: "\n") where line.hasPrefix("  ") {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix("-") else { continue }
            // "-w, --warning=RANGE", "--tls", "-4, --ipv4"
            for part in text.split(separator: " ").prefix(2) {
                let word = part.split(separator: "=").first.map(String.init)?.trimmingCharacters(in: CharacterSet(charactersIn: ",")) ?? ""
                if word.hasPrefix("--") { options.long.insert(String(word.dropFirst(2))) }
                else if word.hasPrefix("-"), word.count == 2 { options.short.insert(String(word.dropFirst())) }
            }
        }
        return options
    }

    /// Every `Fl -name` of a man page: the long options it documents (`--name`).
    static func manLongOptions(_ page: String) -> Set<String> {
        var names: Set<String> = []
        let regex = try? NSRegularExpression(pattern: #"\bFl -([a-z0-9][a-z0-9-]*)"#)
        let range = NSRange(page.startIndex..., in: page)
        for match in regex?.matches(in: page, range: range) ?? [] {
            if let r = Range(match.range(at: 1), in: page) { names.insert(String(page[r])) }
        }
        return names
    }

    /// A man page's section, from `.Sh NAME` to the next `.Sh`.
    static func manSection(_ page: String, _ name: String) -> String? {
        guard let start = page.range(of: "\n.Sh \(name)\n") else { return nil }
        let rest = page[start.upperBound...]
        return String(rest[..<(rest.range(of: "\n.Sh ")?.lowerBound ?? rest.endIndex)])
    }

    /// `define X { ... }` blocks of a Nagios object file: directive -> value.
    static func nagiosObjects(_ text: String, type: String) -> [[String: String]] {
        var objects: [[String: String]] = []
        var current: [String: String]?
        for raw in text.split(separator: "\n") {
            let line = raw.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmingCharacters(in: .whitespaces) ?? ""
            if line.hasPrefix("#") { continue }
            if line.hasPrefix("define \(type)") && line.hasSuffix("{") { current = [:]; continue }
            if line == "}" { if let done = current { objects.append(done) }; current = nil; continue }
            guard current != nil else { continue }
            let parts = line.split(maxSplits: 1, whereSeparator: { $0 == " " || $0 == "\t" })
            if parts.count == 2 { current?[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return objects
    }

    /// Nagios commands by name (commands.cfg).
    static func nagiosCommands() -> [String: String] {
        var out: [String: String] = [:]
        for object in nagiosObjects(text("nagios-config/commands.cfg"), type: "command") {
            if let name = object["command_name"], let line = object["command_line"] { out[name] = line }
        }
        return out
    }

    /// `command[NAME]=LINE` of the NRPE snippet.
    static func nrpeCommands() -> [String: String] {
        var out: [String: String] = [:]
        for line in text("nagios-config/nrpe-mailcheck.cfg").split(separator: "\n") where line.hasPrefix("command[") {
            guard let close = line.firstIndex(of: "]"), let eq = line.firstIndex(of: "=") else { continue }
            out[String(line[line.index(line.startIndex, offsetBy: 8)..<close])] = String(line[line.index(after: eq)...])
        }
        return out
    }

    /// An Icinga 2 CheckCommand or CheckCommand template: its argument keys, the templates it
    /// imports and the program it runs.
    struct IcingaCommand {
        var name = ""
        var isTemplate = false
        var imports: [String] = []
        var keys: Set<String> = []
        var program: String?
        var macros: Set<String> = []
    }

    static func icingaCommands() -> [String: IcingaCommand] {
        let text = text("nagios-config/icinga2/commands.conf")
        var out: [String: IcingaCommand] = [:]
        let starts = text.ranges(of: #/(object|template) CheckCommand "([^"]+)"/#)
        for (index, start) in starts.enumerated() {
            let end = index + 1 < starts.count ? starts[index + 1].lowerBound : text.endIndex
            let block = String(text[start.lowerBound..<end])
            guard let head = block.firstMatch(of: #/(object|template) CheckCommand "([^"]+)"/#) else { continue }
            var command = IcingaCommand(name: String(head.2), isTemplate: head.1 == "template")
            command.imports = block.matches(of: #/import "([^"]+)"/#).map { String($0.1) }
            command.keys = Set(block.matches(of: #/(?m)^\s*"(-[^"]+)"\s*=/#).map { String($0.1) })
            command.program = block.firstMatch(of: #/PluginDir \+ "/([^"]+)"/#).map { String($0.1) }
            command.macros = Set(block.matches(of: #/\$([a-z0-9_]+)\$/#).map { String($0.1) })
            out[command.name] = command
        }
        return out
    }

    /// A command's argument keys with those of the templates it imports.
    static func allKeys(_ command: IcingaCommand, in commands: [String: IcingaCommand]) -> Set<String> {
        command.imports.reduce(command.keys) { keys, name in
            keys.union(commands[name].map { allKeys($0, in: commands) } ?? [])
        }
    }

    /// A Monit `check program` stanza: its name, the command line in its path, its timeout.
    struct MonitStanza {
        var name = ""
        var path = ""
        var timeout: Double?
        var body = ""
    }

    static func monitStanzas(_ text: String) -> [MonitStanza] {
        var stanzas: [MonitStanza] = []
        var open = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let match = trimmed.firstMatch(of: #/^check program (\S+) with path "([^"]*)"/#) {
                stanzas.append(MonitStanza(name: String(match.1), path: String(match.2)))
                open = true
            } else if trimmed.hasPrefix("check ") || trimmed.hasPrefix(".") || trimmed.hasPrefix("#") || trimmed.isEmpty {
                // Another service, a man page macro, a comment or a blank line ends a stanza.
                open = false
                continue
            }
            guard open else { continue }
            stanzas[stanzas.count - 1].body += trimmed + "\n"
            if let match = trimmed.firstMatch(of: #/timeout (\d+) seconds?/#) {
                stanzas[stanzas.count - 1].timeout = Double(match.1)
            }
        }
        return stanzas
    }

    /// The `-x`/`--name` words of a command line (values and macros left out).
    static func optionWords(_ line: String) -> [String] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { word in
            guard word.hasPrefix("-"), word.count > 1 else { return nil }
            let name = word.split(separator: "=").first.map(String.init) ?? String(word)
            guard let second = name.dropFirst().first, second.isLetter || second == "-" || second.isNumber else { return nil }
            if name.dropFirst().allSatisfy({ $0.isNumber || $0 == "." || $0 == ":" }) && name.count > 2 { return nil }
            return name
        }
    }

    /// The check a command line runs (`.../check_smtp_session ...`), if one of `checks`.
    static func program(of line: String, among checks: [String]) -> String? {
        guard let first = line.split(separator: " ").first else { return nil }
        let base = first.split(separator: "/").last.map(String.init) ?? ""
        return checks.contains(base) ? base : nil
    }

    /// The check_* program a command line runs, whatever it is.
    static func anyCheck(of line: String) -> String? {
        guard let first = line.split(separator: " ").first else { return nil }
        let base = first.split(separator: "/").last.map(String.init) ?? ""
        return base.hasPrefix("check_") ? base : nil
    }

    /// A Nagios check_command (`name!arg1!arg2`) expanded into its command's line.
    static func expand(_ checkCommand: String, commands: [String: String]) -> String? {
        let parts = checkCommand.split(separator: "!", omittingEmptySubsequences: false).map(String.init)
        guard var line = commands[parts[0]] else { return nil }
        for n in stride(from: 32, through: 1, by: -1) {
            line = line.replacingOccurrences(of: "$ARG\(n)$", with: n < parts.count ? parts[n] : "")
        }
        return line
    }
}
