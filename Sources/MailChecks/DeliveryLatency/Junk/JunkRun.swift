import CheckKit
import MailTransport

extension DeliveryLatencyCheck {
    /// The Junk folder selected on a second connection with the same login, this check's
    /// stale probes swept there as in the watched folder; nil when there is no Junk folder.
    func openJunk(_ connection: IMAPWatchConnection, login: IMAPLogin, sweep: inout ProbeMailbox.Sweep,
                  context: RunContext) throws(CheckError) -> ProbeMailbox? {
        guard let name = try JunkMailbox.find(connection, options: junk, watched: folder, context: context) else { return nil }
        let second = try IMAPWatchConnection(mailbox, login: login, deadline: context.deadline, wording: TransportWords(), log: context)
        let box = ProbeMailbox(imap: second, folder: name, context: context)
        do {
            try box.select()
        } catch {
            second.close()
            // A named Junk folder that does not exist is the user's to fix; a SPECIAL-USE one cannot be missing.
            throw CheckError(junk.folder == nil ? error.status : .unknown, error.message, detail: error.detail)
        }
        let swept = try box.sweep(checkName: checkName, staleAfter: staleAfter, now: context.clock.now())
        sweep.removed += swept.removed
        if sweep.problem == nil { sweep.problem = swept.problem }
        return box
    }
}
