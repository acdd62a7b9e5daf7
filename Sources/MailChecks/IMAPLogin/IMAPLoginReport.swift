import CheckKit
import MailTransport

/// Turns what check_imap_login saw into results, perfdata and long output.
struct IMAPLoginReport {
    let check: IMAPLoginCheck
    let session: IMAPSession
    let visit: IMAPLoginVisit
    /// The run's wall clock, for the certificate's days left.
    let now: Double

    func report() -> CheckReport {
        var results: [CheckResult] = []
        var details: [String] = []
        let endpoint = check.connection.endpoint
        if let failure = visit.failure {
            results.append(CheckResult(failure.status, failure.message))
            details += failure.detail
        } else {
            // A run cut short would draw a misleadingly fast total: only complete runs get `time`.
            results.append(.measure("time", visit.total, unit: .seconds, thresholds: check.timing.total, min: 0,
                                    message: "\(endpoint) answered in \(NumberFormat.seconds(visit.total))"))
        }
        for phase in session.connectPhases {
            results.append(check.timing.result(phase))
        }
        let suffixes = Self.labelSuffixes(visit.visited.map(\.name))
        for (folder, suffix) in zip(visit.visited, suffixes) {
            results.append(timing(.folder, label: "time_folder_\(suffix)", folder.seconds, what: "folder \(folder.name)"))
            if let exists = folder.state.exists {
                results.append(.metric("messages_\(suffix)", Double(exists), min: 0))
            } else {
                // EXAMINE must report EXISTS (RFC 3501 7.3.1): without a count in range the server is broken.
                results.append(CheckResult(.critical, "no valid message count (EXISTS) in the EXAMINE reply for \(folder.name)"))
            }
            if let unseen = folder.unseen { results.append(.metric("unseen_\(suffix)", Double(unseen), min: 0)) }
            details.append(describe(folder) + (suffix != folder.name ? " (perfdata suffix _\(suffix))" : ""))
        }
        if let fetch = visit.fetch {
            results.append(timing(.fetch, label: "time_fetch", fetch.seconds, what: "fetch"))
            details.append(describe(fetch.message, seconds: fetch.seconds))
        } else if let skipped = visit.fetchSkipped {
            // A threshold on a step that could not run must not pass as OK.
            results.append(CheckResult(!check.timing.has(IMAPPhase.fetch) ? .ok : .unknown, skipped, inSummary: false))
        }
        if let seconds = visit.quotaSeconds { results.append(timing(.quota, label: "time_quota", seconds, what: "quota")) }
        if let seconds = session.logoutSeconds { results.append(timing(.logout, label: "time_logout", seconds, what: "logout")) }
        results += quotaResults()
        results += certificateResults()
        for name in visit.missingCapabilities { results.append(CheckResult(.critical, "capability \(name) not offered")) }
        details += ["greeting: \(session.greeting)", "capabilities: \(session.capabilities.joinedText(" "))"]
        details += session.connectPhases.map { "\($0.name): \(NumberFormat.seconds($0.seconds))" }
        if let tls = session.tlsSession { details.append("tls: \(tls)") }
        if let cert = session.certificate { details.append("certificate: \(cert.subject ?? "?") (issuer \(cert.issuer ?? "?"))") }
        return CheckReport(name: IMAPLoginCheck.pluginName, results: results, okSummary: summary(), details: details)
    }

    /// A phase's time against its phase thresholds; silent in the long output unless it alerts.
    func timing(_ phase: IMAPPhase, label: String, _ seconds: Double, what: String) -> CheckResult {
        check.timing.result(phase, seconds: seconds, label: label, name: what)
    }

    func quotaResults() -> [CheckResult] {
        if let quota = visit.quota {
            let used = quota.usage * 1024, limit = quota.limit * 1024
            let percent = quota.usage / quota.limit * 100
            let text = "quota \(NumberFormat.decimal(percent, fractionDigits: 1)) % used (\(NumberFormat.bytes(used)) of \(NumberFormat.bytes(limit)))"
            var pct = CheckResult.measure("quota_used_pct", percent, unit: .percent, thresholds: check.quotaThresholds,
                                          min: 0, max: 100, message: text, inSummary: false)
            if pct.status != .ok { pct.inSummary = true }
            return [pct, .metric("quota_used", used, unit: .bytes, min: 0, max: limit)]
        }
        guard let problem = visit.quotaProblem else { return [] }
        // Only a quota threshold makes a missing quota a problem (check_imap_quota said OK with nothing).
        return [CheckResult(check.quotaThresholds.isEmpty ? .ok : .unknown, problem, inSummary: false)]
    }

    func certificateResults() -> [CheckResult] {
        guard check.connection.tls != .plain else { return [] }
        if let cert = session.certificate { return [cert.result(thresholds: check.connection.certThresholds, now: now)] }
        guard !check.connection.certThresholds.isEmpty, session.loggedIn else { return [] }
        return [CheckResult(.unknown, "certificate expiry could not be read")]
    }

    func summary() -> String {
        var text = "\(session.login.user) on \(check.connection.endpoint) in \(NumberFormat.seconds(visit.total))"
        if check.connection.tls != .plain { text += check.connection.tls == .implicit ? ", TLS" : ", STARTTLS" }
        if visit.visited.count == 1, let folder = visit.visited.first {
            text += ", \(folder.name) \(counts(folder.state.exists, folder.unseen))"
        } else if !visit.visited.isEmpty {
            let exists = visit.visited.compactMap(\.state.exists).reduce(0, +)
            let unseen = visit.visited.compactMap(\.unseen).reduce(0, +)
            text += ", \(visit.visited.count) folders: \(counts(exists, unseen))"
        }
        if let quota = visit.quota { text += ", quota \(NumberFormat.decimal(quota.usage / quota.limit * 100, fractionDigits: 0)) %" }
        if let cert = session.certificate, check.connection.tls != .plain {
            text += ", cert \(NumberFormat.decimal(cert.daysLeft(now: now).rounded(.down), fractionDigits: 0)) days"
        }
        return text
    }

    func counts(_ exists: Int?, _ unseen: Int?) -> String {
        let messages = exists.map { "\($0) message\($0 == 1 ? "" : "s")" } ?? "? messages"
        return messages + (unseen.map { " (\($0) unseen)" } ?? "")
    }

    func describe(_ folder: IMAPFolderVisit) -> String {
        var parts = ["\(folder.name): \(counts(folder.state.exists, folder.unseen))"]
        if let recent = folder.state.recent { parts.append("\(recent) recent") }
        if let validity = folder.state.uidValidity { parts.append("UIDVALIDITY \(validity)") }
        if let next = folder.state.uidNext { parts.append("UIDNEXT \(next)") }
        parts.append("opened in \(NumberFormat.seconds(folder.seconds))")
        return parts.joinedText(", ")
    }

    /// Sizes and dates only: subjects and senders are users' data and stay out of monitoring.
    func describe(_ message: IMAPFetched?, seconds: Double) -> String {
        var parts = ["newest message in \(visit.visited.first?.name ?? "?")"]
        if let uid = message?.uid { parts.append("UID \(uid)") }
        if let size = message?.size { parts.append(NumberFormat.bytes(Double(size))) }
        if let date = message?.internalDate { parts.append("received \(date)") }
        if let header = message?.literalSize { parts.append("header of \(NumberFormat.bytes(Double(header))) read in \(NumberFormat.seconds(seconds))") }
        return parts.joinedText(", ")
    }

    /// Perfdata suffixes per folder: the name when it is plain ASCII and keeps every label unique
    /// in its first 19 characters (as the guidelines ask), else the folder's position (1, 2, ...).
    static func labelSuffixes(_ names: [String]) -> [String] {
        var out = names.enumerated().map { index, name in plain(name) ? name : String(index + 1) }
        for prefix in ["time_folder_", "messages_", "unseen_"] {
            let keys = out.map { String((prefix + $0).prefix(19)) }
            for i in out.indices where keys.filter({ $0 == keys[i] }).count > 1 { out[i] = String(i + 1) }
        }
        return out
    }

    /// Letters, digits and `._-/`, and not only digits (those are reserved for positions).
    static func plain(_ name: String) -> Bool {
        !name.isEmpty && !name.allSatisfy({ $0.isASCII && $0.isNumber })
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-/".contains($0)) }
    }
}
