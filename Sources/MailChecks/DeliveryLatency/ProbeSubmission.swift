import CheckKit
import MailTransport

/// A probe on its way: the open SMTP connection (QUIT comes at the end of the run), what the
/// server accepted, and the times the watch works with.
struct SentProbe {
    let submitter: SMTPSubmitter
    let token: ProbeToken
    let submission: SMTPSubmission
    /// The acceptance on the wall clock, for comparing with Received header dates.
    let acceptedWall: Double
    /// Monotonic time at which the watch stops looking, a little before the deadline, so the
    /// run ends with its own line.
    let giveUpAt: Double

    /// The watch's failure with the probe named, for the logs and a later run's sweep.
    func failure(_ error: CheckError, checkName: String) -> CheckError {
        let id = submission.queueID.map { "queue ID \($0), " } ?? ""
        return CheckError(error.status, error.message, detail: error.detail +
                          ["the probe (\(id)token \(token.text)) was sent; a later run with --check-name \(checkName) removes it"],
                          cause: error.cause)
    }
}

extension DeliveryLatencyCheck {
    /// Makes a probe with a fresh token and submits it; both receiving sides call this once
    /// their login and sweep succeeded, so a failed login never leaves a probe behind.
    func sendProbe(login: SMTPLogin?, context: RunContext) throws(CheckError) -> SentProbe {
        let deadline = context.deadline
        let now = context.clock.now()
        let token = try ProbeToken.make(checkName: checkName, now: now)
        let message = ProbeMessage.compose(token: token, from: from, to: to, staleAfter: staleAfter, sentAt: now)
        let submitter = try SMTPSubmitter(smtp, helo: helo, login: login, sender: from, recipient: to,
                                          message: message, deadline: deadline, wording: TransportWords(), log: context)
        let submission: SMTPSubmission
        do {
            submission = try submitter.submit()
        } catch {
            submitter.close()
            throw LoginHint.add(to: error, option: "smtp-auth-mechanism")
        }
        // Compared with the servers' Received: stamps, so the real time even when a test fixed the run's clock.
        let acceptedWall = WallClock.system() - (Deadline.now() - submission.acceptedAt)
        // The reserve covers the look in flight when the watch gives up (NOOP + UID SEARCH, or
        // a POP3 session): 0.1 s was too little on a loaded machine, and the deadline then hit
        // inside that look instead of the run ending with "probe not delivered".
        let reserve = min(0.5, max(0.25, deadline.seconds * 0.05))
        return SentProbe(submitter: submitter, token: token, submission: submission, acceptedWall: acceptedWall,
                         giveUpAt: Deadline.now() + deadline.remaining - reserve)
    }
}
