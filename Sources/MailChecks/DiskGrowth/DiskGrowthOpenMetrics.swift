import CheckKit

/// OpenMetrics: every series carries the watched path as a label; with several paths the
/// perfdata prefix (`2_used` for the second) becomes that path's label instead.
extension DiskGrowthCheck: OpenMetricsLabelling {
    /// The series of one perfdata label of this check.
    public static func openMetricsSeries(_ label: String, options: ParsedOptions) -> OpenMetricsSeries {
        let paths = options.strings("path")
        if paths.count == 1 { return OpenMetricsSeries(label, labels: [("path", paths[0])]) }
        let parts = label.split(separator: "_", maxSplits: 1)
        if parts.count == 2, let number = Int(parts[0]), number >= 1, number <= paths.count {
            return OpenMetricsSeries(String(parts[1]), labels: [("path", paths[number - 1])])
        }
        return OpenMetricsSeries(label)
    }
}
