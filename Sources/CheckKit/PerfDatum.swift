/// The units of measurement the plugin guidelines allow; nothing else is representable.
public enum UnitOfMeasure: String, Sendable, CaseIterable {
    case none = ""
    case seconds = "s"
    case milliseconds = "ms"
    case microseconds = "us"
    case percent = "%"
    case bytes = "B"
    case kilobytes = "KB"
    case megabytes = "MB"
    case terabytes = "TB"
    case counter = "c"
}

/// One performance-data item: `'label'=value[UOM];[warn];[crit];[min];[max]`.
public struct PerfDatum: Sendable, Equatable {
    /// The perfdata label.
    public let label: String
    /// The measured value.
    public let value: Double
    /// Its unit of measure.
    public let unit: UnitOfMeasure
    /// The warning range, as given.
    public let warning: ThresholdRange?
    /// The critical range, as given.
    public let critical: ThresholdRange?
    /// The smallest possible value, when there is one.
    public let minimum: Double?
    /// The largest possible value, when there is one.
    public let maximum: Double?

    /// Creates a datum; returns nil for a value that cannot be graphed (NaN, infinity), so a
    /// metric that could not be measured is left out rather than printed as `U` or `nan`.
    public init?(_ label: String, _ value: Double, unit: UnitOfMeasure = .none,
                 thresholds: Thresholds = Thresholds(), min: Double? = nil, max: Double? = nil) {
        guard value.isFinite else { return nil }
        self.label = PerfDatum.sanitize(label)
        self.value = value
        self.unit = unit
        self.warning = thresholds.warning
        self.critical = thresholds.critical
        self.minimum = min.flatMap { $0.isFinite ? $0 : nil }
        self.maximum = max.flatMap { $0.isFinite ? $0 : nil }
    }

    /// `=` and `'` cannot appear in a label (not even quoted), nor can a control, bidi or
    /// zero-width code point (SafeText); they become `_`.
    static func sanitize(_ label: String) -> String {
        var scalars = String.UnicodeScalarView()
        for s in label.unicodeScalars {
            scalars.append(s == "=" || s == "'" || s == "|" || SafeText.isUnsafe(s) ? "_" : s)
        }
        let cleaned = String(scalars)
        return cleaned.isEmpty ? "_" : cleaned
    }

    /// The guidelines' text form; empty trailing fields are left off.
    public var rendered: String {
        let quoted = label.contains(" ") ? "'\(label)'" : label
        var fields = [
            NumberFormat.decimal(value) + unit.rawValue,
            warning?.text ?? "",
            critical?.text ?? "",
            minimum.map { NumberFormat.decimal($0) } ?? "",
            maximum.map { NumberFormat.decimal($0) } ?? "",
        ]
        while fields.count > 1 && fields.last == "" { fields.removeLast() }
        return quoted + "=" + fields.joinedText(";")
    }
}
