import CheckKit
import MailTransport

/// Turns a webmail visit into results: total and per-step times, folders, certificate.
struct WebmailLoginReport {
    let url: String
    let user: String
    let visit: WebmailVisit
    let total: Double
    let timing: PhaseThresholds
    let certificate: CertificateFacts?
    let certThresholds: Thresholds
    /// The run's wall clock, for the certificate's days left.
    let now: Double
    let detected: String?

    func report(name: String) -> CheckReport {
        var results: [CheckResult] = [
            .measure("time", total, unit: .seconds, thresholds: timing.total, min: 0,
                     message: "\(visit.product) at \(HTTPURL.endpoint(url)) answered in \(NumberFormat.seconds(total))"),
        ]
        results += visit.phases.map(timing.result)
        let suffixes = IMAPLoginReport.labelSuffixes(visit.folders.map(\.name))
        for (folder, suffix) in zip(visit.folders, suffixes) {
            results.append(timing.result(WebmailPhase.folder, seconds: folder.seconds, label: "time_folder_\(suffix)", name: "folder \(folder.name)"))
        }
        if let certificate {
            results.append(certificate.result(thresholds: certThresholds, now: now))
        } else if url.lowercased().hasPrefix("https"), !certThresholds.isEmpty {
            results.append(CheckResult(.unknown, "certificate expiry could not be read"))
        }
        var summary = "\(user) logged in to \(visit.product) in \(NumberFormat.seconds(total))"
        if !visit.folders.isEmpty { summary += ", \(visit.folders.count) folder\(visit.folders.count == 1 ? "" : "s")" }
        if visit.loggedOut { summary += ", logged out" }
        if let certificate { summary += ", cert \(NumberFormat.decimal(certificate.daysLeft(now: now).rounded(.down), fractionDigits: 0)) days" }
        var details = ["product: \(visit.product) (detected: \(detected ?? "unknown"))"] + visit.details
        details += visit.phases.map { "\($0.name): \(NumberFormat.seconds($0.seconds))" }
        details += visit.folders.map { "folder \($0.name): \($0.messages.map { "\($0) messages, " } ?? "")listed in \(NumberFormat.seconds($0.seconds))" }
        if visit.loggedOut { details.append("logout: the session no longer opens the mailbox") }
        if let certificate { details.append("certificate: \(certificate.subject ?? "?") (issuer \(certificate.issuer ?? "?"))") }
        return CheckReport(name: name, results: results, okSummary: summary, details: details)
    }
}
