/// `--extra-opts [section][@file]`, read as monitoring-plugins reads it: the same file search
/// path (MP_CONFIG_FILE, NAGIOS_CONFIG_PATH, then the standard locations), the section defaults
/// to the program name, `key = value` lines become `--key=value`, `key =` becomes `--key`, and the
/// options from the file go before the command line's so that the command line wins.
public enum ExtraOpts {
    static let fileNames = ["monitoring-plugins.ini", "plugins.ini", "nagios-plugins.ini"]
    static let standardPaths = [
        "/usr/local/etc/monitoring-plugins/monitoring-plugins.ini",
        "/usr/local/etc/monitoring-plugins.ini",
        "/etc/monitoring-plugins/monitoring-plugins.ini",
        "/etc/monitoring-plugins.ini",
        "/etc/nagios/plugins.ini",
        "/usr/local/nagios/etc/plugins.ini",
        "/usr/local/etc/nagios/plugins.ini",
        "/etc/opt/nagios/plugins.ini",
        "/etc/nagios-plugins.ini",
        "/usr/local/etc/nagios-plugins.ini",
        "/etc/opt/nagios-plugins.ini",
    ]

    /// Replaces every `--extra-opts[=LOCATOR]` in `arguments` by the options it names.
    public static func expand(_ arguments: [String], programName: String,
                              environment: (String) -> String? = FileIO.environment) throws(UsageError) -> [String] {
        var fromFiles: [String] = []
        var rest: [String] = []
        var i = 0
        var found = false
        while i < arguments.count {
            let arg = arguments[i]
            if arg == "--extra-opts" || arg.hasPrefix("--extra-opts=") {
                found = true
                var locator: String? = nil
                if arg.hasPrefix("--extra-opts=") {
                    locator = String(arg.dropFirst("--extra-opts=".count))
                } else if i + 1 < arguments.count, !arguments[i + 1].hasPrefix("-") {
                    locator = arguments[i + 1]
                    i += 1
                }
                fromFiles += try options(locator: locator ?? "", programName: programName, environment: environment)
            } else {
                rest.append(arg)
            }
            i += 1
        }
        return found ? fromFiles + rest : arguments
    }

    /// The options one locator names.
    static func options(locator: String, programName: String,
                        environment: (String) -> String?) throws(UsageError) -> [String] {
        let at = locator.firstIndex(of: "@")
        let sectionText = at.map { String(locator[..<$0]) } ?? locator
        let section = sectionText.isEmpty ? programName : sectionText
        let path: String
        if let at {
            path = String(locator[locator.index(after: at)...])
        } else if let found = defaultFile(environment: environment) {
            path = found
        } else {
            throw UsageError("--extra-opts: cannot find config file in any standard location")
        }
        let bytes: [UInt8]
        do {
            bytes = try FileIO.read(path, limit: 1 << 20)
        } catch {
            throw UsageError("--extra-opts: \(error.message)")
        }
        return try parse(String(decoding: bytes, as: UTF8.self), section: section, path: path)
    }

    /// MP_CONFIG_FILE, then each NAGIOS_CONFIG_PATH directory, then the standard paths.
    static func defaultFile(environment: (String) -> String?) -> String? {
        if let file = environment("MP_CONFIG_FILE") { return file }
        if let dirs = environment("NAGIOS_CONFIG_PATH") {
            for dir in dirs.split(separator: ":") {
                for name in fileNames where FileIO.exists("\(dir)/\(name)") { return "\(dir)/\(name)" }
            }
        }
        return standardPaths.first(where: FileIO.exists)
    }

    /// The options of `section` in ini text. A missing section is an error, as in monitoring-plugins.
    static func parse(_ text: String, section: String, path: String) throws(UsageError) -> [String] {
        var current: String? = nil
        var sawSection = false
        var out: [String] = []
        for raw in text.lines {
            let line = raw.trimmingBlanks
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard let close = line.firstIndex(of: "]") else {
                    throw UsageError("--extra-opts: config file error in \(path): '\(line)'")
                }
                current = String(line[line.index(after: line.startIndex)..<close].trimmingBlanks)
                if current == section { sawSection = true }
                continue
            }
            guard current != nil else { throw UsageError("--extra-opts: config file error in \(path): option outside a section") }
            guard current == section else { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw UsageError("--extra-opts: config file error in \(path): '\(line)' has no '='")
            }
            let key = String(line[..<eq].trimmingBlanks)
            let value = String(line[line.index(after: eq)...].trimmingBlanks)
            guard !key.isEmpty else { throw UsageError("--extra-opts: config file error in \(path): empty option name") }
            // A one-letter key is a short option; monitoring-plugins would pass "=value" as its
            // value, which no user means.
            if key.count == 1 {
                out.append("-" + key)
                if !value.isEmpty { out.append(value) }
            } else {
                out.append(value.isEmpty ? "--" + key : "--" + key + "=" + value)
            }
        }
        guard sawSection else { throw UsageError("--extra-opts: invalid section '\(section)' in config file '\(path)'") }
        return out
    }
}

extension String {
    /// Lines split on LF with any CR at their end removed (CRLF files are common).
    public var lines: [String] {
        unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            var view = String.UnicodeScalarView(line)
            if view.last == "\r" { view.removeLast() }
            return String(view)
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and carriage returns.
    var trimmingBlanks: SubSequence {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isBlank($0) }) else { return self[endIndex...] }
        let last = lastIndex(where: { !isBlank($0) }) ?? first
        return self[first...last]
    }
}
