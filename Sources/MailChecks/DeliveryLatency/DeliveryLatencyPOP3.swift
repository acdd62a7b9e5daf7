import CheckKit
import MailTransport

extension DeliveryLatencyCheck {
    /// A run with `--pop3`: the first POP3 session logs in (a login that fails sends no probe)
    /// and sweeps stale probes, then SMTP submits the probe, then fresh POP3 sessions poll the
    /// maildrop until the probe is there and delete exactly it (see POP3ProbeDrop).
    func runPOP3(_ context: RunContext) throws(CheckError) -> CheckReport {
        let started = Deadline.now()
        let deadline = context.deadline
        let login = POP3Login(user: imapCredentials.username ?? "", password: try DeliveryOptions.password(imapCredentials, names: .imap),
                              mechanism: pop3Mechanism)
        let smtpLogin = try smtpLogin()
        let drop = POP3ProbeDrop(imap, login: login, deadline: deadline, context: context)
        var run = DeliveryRun()
        run.pop3 = drop
        run.sweep = try drop.openAndSweep(checkName: checkName, staleAfter: staleAfter, now: CertificateFacts.wallClock())
        let token = try ProbeToken.make(checkName: checkName, now: CertificateFacts.wallClock())
        run.token = token
        let message = ProbeMessage.compose(token: token, from: from, to: to, staleAfter: staleAfter, sentAt: CertificateFacts.wallClock())
        let submitter = try SMTPSubmitter(smtp, helo: helo, login: smtpLogin, sender: from, recipient: to,
                                          message: message, deadline: deadline, log: context)
        defer { submitter.close() }
        let submission = try submitter.submit()
        run.submission = submission
        let acceptedWall = CertificateFacts.wallClock() - (Deadline.now() - submission.acceptedAt)
        // Stop looking a little before the deadline, so the run ends with its own line.
        let reserve = min(0.5, max(0.1, deadline.seconds * 0.05))
        let giveUpAt = Deadline.now() + deadline.remaining - reserve
        do {
            let (found, polls) = try drop.wait(for: token, acceptedAt: submission.acceptedAt, giveUpAt: giveUpAt)
            run.looks = polls
            run.gaveUpAfter = Deadline.now() - submission.acceptedAt
            if let found {
                run.pop3Found = found
                run.sighting = ProbeWatch.Sighting(uids: [found.number], seenAt: found.seenAt, notYetAt: found.notYetAt,
                                                   looks: found.polls, idled: false)
                run.verified = [found.number]
                run.hops = ReceivedHops.describe(HeaderFields(found.header).values("Received"), submittedAt: acceptedWall)
                run.deleteProblem = found.deleteProblem
            }
        } catch {
            // The probe is out there: say which one, for the logs and for the sweep of a later run.
            let id = submission.queueID.map { "queue ID \($0), " } ?? ""
            throw CheckError(error.status, error.message, detail: error.detail +
                             ["the probe (\(id)token \(token.text)) was sent; a later run with --check-name \(checkName) removes it"])
        }
        submitter.close()
        run.total = Deadline.now() - started
        return DeliveryLatencyReport(check: self, run: run, expiry: deadline.expiryStatus).report()
    }
}
