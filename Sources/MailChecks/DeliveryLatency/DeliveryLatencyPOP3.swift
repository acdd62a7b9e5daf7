import CheckKit
import MailTransport

extension DeliveryLatencyCheck {
    /// A run with `--pop3`: the first POP3 session logs in (a login that fails sends no probe)
    /// and sweeps stale probes, then SMTP submits the probe, then fresh POP3 sessions poll the
    /// maildrop until the probe is there and delete exactly it (see POP3ProbeDrop).
    func runPOP3(_ context: RunContext) throws(CheckError) -> CheckReport {
        let started = Deadline.now()
        let deadline = context.deadline
        let login = POP3Login(user: mailboxCredentials.username ?? "", password: try receiverSecret(pop3Mechanism, context),
                              mechanism: pop3Mechanism)
        let smtpLogin = try smtpLogin(context)
        let drop = POP3ProbeDrop(mailbox, login: login, deadline: deadline, context: context)
        var run = DeliveryRun()
        run.pop3 = drop
        run.sweep = try drop.openAndSweep(checkName: checkName, staleAfter: staleAfter, now: context.clock.now())
        let probe = try sendProbe(login: smtpLogin, context: context)
        defer { probe.submitter.close() }
        run.token = probe.token
        run.submission = probe.submission
        do {
            let (found, polls) = try drop.wait(for: probe.token, acceptedAt: probe.submission.acceptedAt, giveUpAt: probe.giveUpAt)
            run.looks = polls
            run.gaveUpAfter = Deadline.now() - probe.submission.acceptedAt
            if let found {
                run.pop3Found = found
                run.sighting = ProbeWatch.Sighting(uids: [found.number], seenAt: found.seenAt, notYetAt: found.notYetAt,
                                                   looks: found.polls, idled: false)
                run.verified = [found.number]
                run.hops = ReceivedHops.describe(HeaderFields(found.header).values("Received"), submittedAt: probe.acceptedWall)
                run.deleteProblem = found.deleteProblem
            }
        } catch {
            throw probe.failure(error, checkName: checkName)
        }
        probe.submitter.close()
        run.total = Deadline.now() - started
        return DeliveryLatencyReport(check: self, run: run, expiry: deadline.expiryStatus, now: context.clock.now()).report()
    }
}
