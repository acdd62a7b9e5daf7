import CheckKit
import MailTransport

/// What one run saw, gathered for the report.
struct DeliveryRun {
    /// The receiving side: the IMAP connection, or with --pop3 the maildrop's sessions.
    var imap: IMAPWatchConnection?
    var pop3: POP3ProbeDrop?
    var pop3Found: POP3ProbeDrop.Found?
    var selectSeconds: Double = 0
    var sweep = ProbeMailbox.Sweep()
    var token: ProbeToken?
    var submission: SMTPSubmission?
    var sighting: ProbeWatch.Sighting?
    var looks = 0
    /// Seconds from acceptance to giving up, when the probe did not come.
    var gaveUpAfter: Double = 0
    var verified: [Int] = []
    var unverified: [Int] = []
    var hops: [String] = []
    var deleteProblem: String?
    var total: Double = 0
    /// The Junk folder the probe was found in, and the spam verdict headers it carried there.
    var junkFolder: String?
    var spamHeaders: [String] = []

    /// Seconds from the SMTP acceptance to the look that found the probe.
    var latency: Double? {
        guard let sighting, let submission else { return nil }
        return max(0, sighting.seenAt - submission.acceptedAt)
    }
}

/// Turns a run into results, perfdata (`latency`, `submit`, `total`, `stale_removed`) and long output.
struct DeliveryLatencyReport {
    let check: DeliveryLatencyCheck
    let run: DeliveryRun
    let expiry: Status
    /// The run's wall clock, for the certificate's days left.
    let now: Double

    func report() -> CheckReport {
        var results: [CheckResult] = []
        var summary: [String] = []
        if let latency = run.latency {
            results.append(.measure("latency", latency, unit: .seconds, thresholds: check.thresholds, min: 0,
                                    message: "probe delivered to \(check.to) in \(NumberFormat.seconds(latency))"))
            summary.append("probe delivered to \(check.to) in \(NumberFormat.seconds(latency))")
            if let folder = run.junkFolder {
                results.append(CheckResult(check.junk.state, "probe delivered to \(folder) in \(NumberFormat.seconds(latency))"))
            }
        } else {
            // The deadline's state (-t SECONDS:STATE), CRITICAL unless the user said otherwise.
            results.append(CheckResult(expiry, "probe not delivered after \(NumberFormat.decimal(run.gaveUpAfter, fractionDigits: 1)) s"))
        }
        if let submission = run.submission {
            var submit = CheckResult.measure("submit", submission.seconds, unit: .seconds, thresholds: check.submitThresholds, min: 0,
                                             message: "submission took \(NumberFormat.seconds(submission.seconds))", inSummary: false)
            // Shown on its own only when it alerts; the summary mentions it anyway.
            if submit.status == .ok { submit.message = "" } else { submit.inSummary = true }
            results.append(submit)
            summary.append("submitted in \(NumberFormat.seconds(submission.seconds))")
        }
        results.append(.metric("total", run.total, unit: .seconds, min: 0))
        results.append(.metric("stale_removed", Double(run.sweep.removed.count), min: 0))
        summary.append("total \(NumberFormat.seconds(run.total))")
        if !run.sweep.removed.isEmpty {
            summary.append("\(run.sweep.removed.count) stale probe\(run.sweep.removed.count == 1 ? "" : "s") removed")
        }
        if let problem = run.deleteProblem {
            // Without UIDPLUS leaving the probe flagged is the safe choice, not a fault.
            let safe = run.imap.map { !$0.capabilities.contains("UIDPLUS") } ?? false
            results.append(CheckResult(safe ? .ok : .warning, "probe \(problem)", inSummary: false))
            if safe { summary.append("probe left flagged \\Deleted (no UIDPLUS)") }
        }
        if !run.unverified.isEmpty {
            results.append(CheckResult(.warning, "UID \(ProbeMailbox.uidSet(run.unverified)) matched the token but its \(ProbeToken.header) header did not verify: not deleted"))
        }
        if let problem = run.sweep.problem { results.append(CheckResult(.warning, "stale probes: \(problem)")) }
        return CheckReport(name: DeliveryLatencyCheck.pluginName, results: results,
                           okSummary: summary.joinedText(", "),
                           details: details() + (run.junkFolder.map { ["filed as spam into \($0); its spam headers:"] } ?? []) + run.spamHeaders.map { "  " + $0 })
    }

    func details() -> [String] {
        var lines: [String] = []
        if let s = run.submission {
            let tls = check.smtp.tls == .plain ? "plain" : (check.smtp.tls == .implicit ? "TLS" : "STARTTLS")
            lines.append("submission: \(check.smtp.endpoint) (\(tls)), <\(check.from)> to <\(check.to)>, accepted in \(NumberFormat.seconds(s.seconds)): \(s.reply)")
            lines.append("smtp phases: " + s.phases.map { "\($0.name) \(NumberFormat.seconds($0.seconds))" }.joinedText(", "))
            if let tlsSession = s.tlsSession { lines.append("smtp tls: \(tlsSession)") }
            if let cert = s.certificate { lines.append("smtp certificate: \(cert.subject ?? "?"), expires in \(NumberFormat.decimal(cert.daysLeft(now: now).rounded(.down), fractionDigits: 0)) days") }
        }
        let tls = check.mailbox.tls == .plain ? "plain" : (check.mailbox.tls == .implicit ? "TLS" : "STARTTLS")
        guard let imap = run.imap else { return lines + pop3Details(tls: tls) }
        lines.append("mailbox: \(imap.login.user) on \(check.mailbox.endpoint) (\(tls)), folder \(check.folder) selected in \(NumberFormat.seconds(run.selectSeconds)); " +
                     "IDLE \(imap.capabilities.contains("IDLE") ? (check.useIdle ? "offered" : "offered, not used (--no-idle)") : "not offered"), " +
                     "UIDPLUS \(imap.capabilities.contains("UIDPLUS") ? "offered" : "not offered")")
        lines.append("imap phases: " + imap.connectPhases.map { "\($0.name) \(NumberFormat.seconds($0.seconds))" }.joinedText(", "))
        if let tlsSession = imap.tlsSession { lines.append("imap tls: \(tlsSession)") }
        if let token = run.token { lines.append("token: \(token.text)") }
        lines += foundAndSweep()
        return lines
    }

    /// The receiving side with --pop3: the maildrop, the first session's phases, the token, the result.
    func pop3Details(tls: String) -> [String] {
        guard let drop = run.pop3 else { return [] }
        var lines = ["mailbox: \(drop.login.user) on \(check.mailbox.endpoint) (\(tls)) over POP3 (\(drop.login.commandName)), " +
                     "\(drop.firstCount) message\(drop.firstCount == 1 ? "" : "s") at the first login; \(drop.sessions) session\(drop.sessions == 1 ? "" : "s")"]
        lines.append("pop3 phases: " + drop.connectPhases.map { "\($0.name) \(NumberFormat.seconds($0.seconds))" }.joinedText(", "))
        if let tlsSession = drop.tlsSession { lines.append("pop3 tls: \(tlsSession)") }
        if let token = run.token { lines.append("token: \(token.text)") }
        return lines + foundAndSweep()
    }

    /// The watch's result and the sweep, in the receiving protocol's terms.
    func foundAndSweep() -> [String] {
        var lines: [String] = []
        let uidPlus = run.imap?.capabilities.contains("UIDPLUS") ?? false
        if let sighting = run.sighting, let accepted = run.submission?.acceptedAt {
            let after = NumberFormat.seconds(max(0, sighting.notYetAt - accepted))
            let before = NumberFormat.seconds(max(0, sighting.seenAt - accepted))
            if let found = run.pop3Found {
                lines.append("found: message \(found.number) (UIDL \(found.uid)) at poll \(found.polls) (a login, UIDL and TOP n 0 each): it arrived between \(after) and \(before) after acceptance")
            } else {
                lines.append("found: UID \(ProbeMailbox.uidSet(sighting.uids)) at look \(sighting.looks) (UID SEARCH\(sighting.idled ? ", IDLE between looks" : "")): it arrived between \(after) and \(before) after acceptance")
            }
            lines += run.hops
            if let found = run.pop3Found {
                lines.append("cleanup: message \(found.number) \(found.deleteProblem.map { "- \($0)" } ?? "deleted (DELE, QUIT)")")
            } else if !run.verified.isEmpty {
                let how = uidPlus ? "deleted (UID STORE \\Deleted, UID EXPUNGE)" : "flagged \\Deleted, not expunged"
                lines.append("cleanup: UID \(ProbeMailbox.uidSet(run.verified)) \(run.deleteProblem == nil ? how : "- \(run.deleteProblem ?? "")")")
            }
        } else if run.submission != nil {
            let id = run.submission?.queueID.map { " (queue ID \($0))" } ?? ""
            lines.append("not found after \(run.looks) look\(run.looks == 1 ? "" : "s"): the probe\(id) stays for a later run with --check-name \(check.checkName) to remove once it is older than \(NumberFormat.decimal(check.staleAfter)) s")
        }
        if run.sweep.removed.isEmpty {
            lines.append("stale probes: none of \(check.checkName) older than \(NumberFormat.decimal(check.staleAfter)) s")
        } else {
            lines.append("stale probes removed (older than \(NumberFormat.decimal(check.staleAfter)) s): " +
                         (run.pop3 == nil ? "UID \(ProbeMailbox.uidSet(run.sweep.removed))" : "UIDL \(run.sweep.removedUIDLs.joinedText(", "))"))
        }
        if run.sweep.deferred > 0 { lines.append("stale probes: \(run.sweep.deferred) more left for later runs") }
        return lines
    }
}
