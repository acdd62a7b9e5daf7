/// Where one perfdata item goes in OpenMetrics: the metric's name within its check (before
/// the unit suffix) and the labels that tell series of one family apart (queue, path).
public struct OpenMetricsSeries: Sendable, Equatable {
    /// The metric's name after `mailcheck_<check>_`, without unit suffix (`queue_messages`).
    public var metric: String
    /// Labels of this series besides the run's own (host, folder).
    public var labels: [(String, String)]

    /// A series named `metric` with `labels`.
    public init(_ metric: String, labels: [(String, String)] = []) {
        self.metric = metric
        self.labels = labels
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.metric == b.metric && a.labels.elementsEqual(b.labels, by: { $0 == $1 })
    }
}

/// A check whose perfdata labels carry a dimension (a queue's name, a path's number) says how
/// to split them into metric and labels; checks without one map each label to its own metric.
public protocol OpenMetricsLabelling {
    /// The series of the perfdata item labelled `label`, given the run's options.
    static func openMetricsSeries(_ label: String, options: ParsedOptions) -> OpenMetricsSeries
}

extension CheckReport {
    /// The report as OpenMetrics text (for a node_exporter textfile collector or a Telegraf
    /// exec input): a state gauge `mailcheck_<check>_state` (the exit code), then one family
    /// per metric, named `mailcheck_<check>_<metric>_<base unit>` (ms and us become seconds,
    /// KB/MB/TB bytes, % a ratio, a counter `_total`). `labels` (host, folder) go on every
    /// sample; text from outside is escaped (SafeText) before OpenMetrics' own escaping.
    public func renderOpenMetrics(check: String, labels: [(String, String)],
                                  series: (String) -> OpenMetricsSeries = { OpenMetricsSeries($0) }) -> String {
        let prefix = "mailcheck_" + OpenMetrics.name(check)
        var families: [OpenMetrics.Family] = []
        var state = OpenMetrics.Family(name: prefix + "_state", type: "gauge", unit: nil,
                                       help: "Check state as its exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN")
        state.add(sample: prefix + "_state", labels: labels, value: Double(status.rawValue))
        families.append(state)
        for datum in perfdata {
            let target = series(datum.label)
            let (unit, factor, type) = OpenMetrics.baseUnit(datum.unit)
            var metric = OpenMetrics.name(target.metric)
            // `used_pct` in %: the ratio suffix says it, `used_pct_ratio` would say it twice.
            if unit == "ratio", metric.hasSuffix("_pct") { metric = String(metric.dropLast(4)) }
            var name = prefix + "_" + metric
            if let unit, !name.hasSuffix("_" + unit) { name += "_" + unit }
            let sample = type == "counter" ? name + "_total" : name
            let all = labels + target.labels
            if let index = families.firstIndex(where: { $0.name == name }) {
                guard families[index].type == type else { continue }  // one name, one type
                families[index].add(sample: sample, labels: all, value: datum.value * factor)
            } else {
                var family = OpenMetrics.Family(name: name, type: type, unit: type == "counter" ? nil : unit,
                                                help: "\(check): \(metric)\(datum.unit == .none ? "" : " (perfdata in \(datum.unit.rawValue))")")
                family.add(sample: sample, labels: all, value: datum.value * factor)
                families.append(family)
            }
        }
        return families.map(\.text).joined() + "# EOF\n"
    }
}

/// OpenMetrics text exposition: names, units, escaping, number format.
enum OpenMetrics {
    struct Family {
        let name: String
        let type: String
        let unit: String?
        let help: String
        var samples: [String] = []
        var labelSets: Set<String> = []

        /// Adds a sample unless one with the same labels is there (a family may not repeat one).
        mutating func add(sample: String, labels: [(String, String)], value: Double) {
            guard value.isFinite else { return }
            let rendered = labels.isEmpty ? "" : "{" + labels.map { "\(OpenMetrics.name($0.0))=\"\(OpenMetrics.escape($0.1))\"" }.joinedText(",") + "}"
            guard labelSets.insert(rendered).inserted else { return }
            samples.append("\(sample)\(rendered) \(NumberFormat.decimal(value))\n")
        }

        var text: String {
            var out = "# TYPE \(name) \(type)\n"
            if let unit { out += "# UNIT \(name) \(unit)\n" }
            out += "# HELP \(name) \(OpenMetrics.escape(help))\n"
            return out + samples.joined()
        }
    }

    /// The base unit's name, the factor into it, and the metric type.
    static func baseUnit(_ uom: UnitOfMeasure) -> (unit: String?, factor: Double, type: String) {
        switch uom {
        case .none: return (nil, 1, "gauge")
        case .seconds: return ("seconds", 1, "gauge")
        case .milliseconds: return ("seconds", 0.001, "gauge")
        case .microseconds: return ("seconds", 0.000_001, "gauge")
        case .percent: return ("ratio", 0.01, "gauge")
        case .bytes: return ("bytes", 1, "gauge")
        // The plugin guidelines' KB/MB/TB are binary multiples, as monitoring-plugins prints them.
        case .kilobytes: return ("bytes", 1024, "gauge")
        case .megabytes: return ("bytes", 1024 * 1024, "gauge")
        case .terabytes: return ("bytes", 1024 * 1024 * 1024 * 1024, "gauge")
        case .counter: return (nil, 1, "counter")
        }
    }

    /// A metric or label name: lower case, `[a-z0-9_]`, everything else `_`, never starting
    /// with a digit, never empty.
    static func name(_ text: String) -> String {
        var out = ""
        for scalar in text.lowercased().unicodeScalars {
            let ok = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_"
            out.unicodeScalars.append(ok ? scalar : "_")
        }
        if out.isEmpty || out.first?.isNumber == true { out = "_" + out }
        return out
    }

    /// A label value or HELP text: SafeText first (outside text), then `\`, `"` and newline.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in SafeText.escape(text).unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
