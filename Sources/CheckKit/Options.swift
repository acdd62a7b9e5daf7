/// One command-line option a check accepts. A nil `valueName` makes it a flag.
public struct OptionSpec: Sendable {
    /// The long name without dashes (`warning`).
    public let long: String
    /// The one-letter name, if any.
    public let short: Character?
    /// The value placeholder for help (`RANGE`), nil for a flag.
    public let valueName: String?
    /// One sentence for `--help`.
    public let help: String

    /// A declared option.
    public init(_ long: String, short: Character? = nil, value valueName: String? = nil, help: String) {
        self.long = long
        self.short = short
        self.valueName = valueName
        self.help = help
    }

    /// `-w, --warning` or `--tls`, as error messages and help name the option.
    public var displayName: String {
        if let short { return "-\(short)/--\(long)" }
        return "--\(long)"
    }
}

/// The options of one run, by long name, in command-line order (extra-opts first).
public struct ParsedOptions: Sendable {
    var values: [String: [String]] = [:]
    var counts: [String: Int] = [:]
    /// The specs in their order; searched only to name an option in a message.
    let specs: [OptionSpec]

    init(specs: [OptionSpec]) {
        self.specs = specs
    }

    /// The last value given (the command line overrides extra-opts).
    public func string(_ long: String) -> String? { values[long]?.last }
    /// Every value given, for repeatable options.
    public func strings(_ long: String) -> [String] { values[long] ?? [] }
    /// How often a flag was given (`-vvv` is 3).
    public func count(_ long: String) -> Int { counts[long] ?? 0 }
    /// True when a flag was given at least once.
    public func flag(_ long: String) -> Bool { count(long) > 0 }
    /// True when the option was given at all.
    public func has(_ long: String) -> Bool { values[long] != nil || counts[long] != nil }

    /// The option as messages name it (`-p/--port`, `--smtp-port`), from its spec.
    public func displayName(_ long: String) -> String { specs.last(where: { $0.long == long })?.displayName ?? "--\(long)" }

    /// An integer option within `bounds`, or `defaultValue` when absent.
    public func int(_ long: String, default defaultValue: Int, in bounds: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let text = string(long) else { return defaultValue }
        guard let value = Int(text), bounds.contains(value) else {
            throw UsageError("invalid value '\(text)' for \(displayName(long)): expected a whole number from \(bounds.lowerBound) to \(bounds.upperBound)")
        }
        return value
    }

    /// A decimal option within `bounds` (no exponent, no NaN), or nil when absent.
    public func double(_ long: String, in bounds: ClosedRange<Double>) throws(UsageError) -> Double? {
        guard let text = string(long) else { return nil }
        guard let value = try? ThresholdRange.number(Substring(text), in: text), bounds.contains(value) else {
            throw UsageError("invalid value '\(text)' for \(displayName(long)): expected a number from \(NumberFormat.decimal(bounds.lowerBound)) to \(NumberFormat.decimal(bounds.upperBound))")
        }
        return value
    }

    /// A range option parsed strictly, or nil when absent.
    public func range(_ long: String) throws(UsageError) -> ThresholdRange? {
        guard let text = string(long) else { return nil }
        return try Self.range(text, option: displayName(long))
    }

    /// Parses a range text for `option`, naming both in the error.
    public static func range(_ text: String, option: String) throws(UsageError) -> ThresholdRange {
        do {
            return try ThresholdRange(parsing: text)
        } catch {
            throw UsageError("invalid range '\(text)' for \(option): \(error.reason)")
        }
    }

    /// `-w`/`-c` as a threshold pair.
    public func thresholds(warning: String = "warning", critical: String = "critical") throws(UsageError) -> Thresholds {
        Thresholds(warning: try range(warning), critical: try range(critical))
    }

    /// One of `choices`, or `defaultValue` when absent.
    public func choice(_ long: String, _ choices: [String], default defaultValue: String) throws(UsageError) -> String {
        guard let text = string(long) else { return defaultValue }
        guard choices.contains(text) else {
            throw UsageError("invalid value '\(text)' for \(displayName(long)): expected one of \(choices.joinedText(", "))")
        }
        return text
    }

    /// Repeatable `NAME=RANGE` options (e.g. `--phase-warning ehlo=0.5`), names checked against `names`.
    public func namedRanges(_ long: String, names: [String]) throws(UsageError) -> [String: ThresholdRange] {
        var out: [String: ThresholdRange] = [:]
        for item in strings(long) {
            guard let eq = item.firstIndex(of: "=") else {
                throw UsageError("invalid value '\(item)' for \(displayName(long)): expected NAME=RANGE")
            }
            let key = String(item[..<eq]).lowercased()
            guard names.contains(key) else {
                throw UsageError("unknown name '\(key)' in \(displayName(long)): expected one of \(names.joinedText(", "))")
            }
            out[key] = try Self.range(String(item[item.index(after: eq)...]), option: "\(displayName(long)) \(key)")
        }
        return out
    }
}

/// A getopt_long-style parser: `--long=value`, `--long value`, `-s value`, `-svalue`,
/// bundled short flags (`-vvv`) and `--`. Unknown options and stray arguments are errors.
public enum OptionParser {
    /// Parses `arguments` against `specs`; a bad one is a usage error naming it.
    public static func parse(_ arguments: [String], specs: [OptionSpec]) throws(UsageError) -> ParsedOptions {
        var parsed = ParsedOptions(specs: specs)
        // A run has a handful of arguments: searching the specs for each is cheaper than
        // hashing every spec's name (and Characters) into dictionaries on every start.
        // The last spec of a name wins, as a dictionary built in order would have it.
        func byLong(_ name: String) -> OptionSpec? { specs.last { $0.long == name } }
        func byShort(_ c: Character) -> OptionSpec? { specs.last { $0.short == c } }
        var i = 0
        func take(_ spec: OptionSpec, inline: String?) throws(UsageError) {
            if spec.valueName == nil {
                if inline != nil { throw UsageError("option \(spec.displayName) takes no value") }
                parsed.counts[spec.long, default: 0] += 1
                return
            }
            if let inline {
                parsed.values[spec.long, default: []].append(inline)
            } else if i + 1 < arguments.count {
                i += 1
                parsed.values[spec.long, default: []].append(arguments[i])
            } else {
                throw UsageError("option \(spec.displayName) needs a value (\(spec.valueName ?? "VALUE"))")
            }
        }
        while i < arguments.count {
            let arg = arguments[i]
            if arg == "--" {
                if i + 1 < arguments.count { throw UsageError("unexpected argument '\(arguments[i + 1])'") }
                break
            } else if arg.hasPrefix("--") {
                let body = arg.dropFirst(2)
                let name: String
                var inline: String? = nil
                if let eq = body.firstIndex(of: "=") {
                    name = String(body[..<eq])
                    inline = String(body[body.index(after: eq)...])
                } else {
                    name = String(body)
                }
                guard let spec = byLong(name) else { throw UsageError("unknown option --\(name)") }
                try take(spec, inline: inline)
            } else if arg.hasPrefix("-") && arg.count > 1 {
                var rest = Substring(arg.dropFirst())
                while let c = rest.first {
                    rest = rest.dropFirst()
                    guard let spec = byShort(c) else { throw UsageError("unknown option -\(c)") }
                    if spec.valueName != nil {
                        try take(spec, inline: rest.isEmpty ? nil : String(rest))
                        break
                    }
                    try take(spec, inline: nil)
                }
            } else {
                throw UsageError("unexpected argument '\(arg)'")
            }
            i += 1
        }
        return parsed
    }
}
