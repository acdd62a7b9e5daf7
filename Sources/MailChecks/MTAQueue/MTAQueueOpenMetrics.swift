import CheckKit

/// OpenMetrics: the per-queue perfdata (`deferred`, with --queue `deferred_oldest_age` and
/// `deferred_bytes`) become `queue_messages`, `queue_oldest_age`, `queue_bytes` labelled with
/// the queue, beside the all-queue totals (`messages`, `oldest_age`, `bytes`, `recipients`),
/// so that a sum over a family never counts a message twice.
extension MTAQueueCheck: OpenMetricsLabelling {
    static let totals: Set<String> = ["messages", "oldest_age", "bytes", "recipients"]

    /// The series of one perfdata label of this check.
    public static func openMetricsSeries(_ label: String, options: ParsedOptions) -> OpenMetricsSeries {
        if totals.contains(label) { return OpenMetricsSeries(label) }
        if let queue = options.string("queue") {
            for metric in ["oldest_age", "bytes"] where label == queue + "_" + metric {
                return OpenMetricsSeries("queue_" + metric, labels: [("queue", queue)])
            }
        }
        return OpenMetricsSeries("queue_messages", labels: [("queue", label)])
    }
}
