#if canImport(Glibc)
import Glibc
#endif
import CheckKit
import MailTransport

/// Waits for the probe to become visible in the mailbox and says when it did.
///
/// Each look is a NOOP and then one `UID SEARCH UID n:* HEADER X-Mailcheck-Probe TOKEN`. The
/// NOOP is the server's chance to take in new mail (RFC 3501 6.1.2): Dovecot syncs the mailbox
/// for a search anyway, but Courier-IMAP and others show a session new messages only after a
/// NOOP, CHECK or IDLE, so searches alone would never see the probe. Looks start 2 ms apart and then come at a tenth of the time
/// waited so far (at most 1 s apart), so the latency is known to about 10 % or 2 ms. Once the
/// pauses are a quarter second or longer and the server has IDLE, the check idles in them,
/// and a new message ends the pause at once. IDLE alone is not enough: Dovecot holds IDLE
/// notifications back for half a second (measured: EXISTS came 0.50 s after a delivery that
/// took 5-20 ms), which would be reported as latency.
struct ProbeWatch {
    let mailbox: ProbeMailbox
    let token: ProbeToken
    let useIdle: Bool
    let context: RunContext
    /// The Junk folder on a connection of its own, searched at every look too.
    var junk: ProbeMailbox? = nil

    /// When and how the probe was seen.
    struct Sighting {
        let uids: [Int]
        /// Monotonic time: the middle of the search that found it.
        let seenAt: Double
        /// Monotonic time of the previous look that did not find it (or the acceptance).
        let notYetAt: Double
        let looks: Int
        let idled: Bool
        /// Found in the Junk folder, not the watched one.
        var inJunk = false
    }

    /// Looks until the probe is there or `giveUpAt` (monotonic) has come; nil when it has not arrived.
    func wait(acceptedAt: Double, giveUpAt: Double) throws(CheckError) -> (sighting: Sighting?, looks: Int) {
        let range = mailbox.uidNext.map { "UID \($0):* " } ?? ""
        let search = "UID SEARCH \(range)HEADER \(ProbeToken.header) \(IMAPSyntax.quoted(token.text) ?? "\"\"")"
        var notYetAt = acceptedAt
        var looks = 0
        var idleWorks = useIdle && mailbox.hasIdle
        var idled = false
        context.activity("waiting for the probe in \(mailbox.folder)")
        while true {
            let noop = try mailbox.imap.command("NOOP")
            // A NOOP refused is odd but harmless: the search still looks.
            if noop.status != .ok { context.log(2, "watch: NOOP answered \(noop.completion)") }
            let reply = try mailbox.imap.command(search)
            looks += 1
            guard reply.status == .ok else {
                throw .critical("IMAP: cannot search \(mailbox.folder) for the probe: \(reply.completion)")
            }
            // The look spans the NOOP (where new mail may become visible) and the search.
            let lookedAt = (noop.sentAt + reply.completedAt) / 2
            let uids = ProbeMailbox.searchResults(reply)
            if !uids.isEmpty {
                context.log(2, "watch: look \(looks) found UID \(ProbeMailbox.uidSet(uids))")
                return (Sighting(uids: uids, seenAt: lookedAt, notYetAt: notYetAt, looks: looks, idled: idled), looks)
            }
            if let junk, let found = try look(in: junk) {
                context.log(2, "watch: look \(looks) found UID \(ProbeMailbox.uidSet(found.uids)) in \(junk.folder)")
                return (Sighting(uids: found.uids, seenAt: found.at, notYetAt: notYetAt, looks: looks, idled: idled, inJunk: true), looks)
            }
            notYetAt = lookedAt
            let now = Deadline.now()
            if now >= giveUpAt { return (nil, looks) }
            let pause = min(1.0, max(0.002, (now - acceptedAt) * 0.1))
            // The last look comes right at the end, so a late probe still counts.
            let next = min(now + pause, giveUpAt)
            if idleWorks && pause >= 0.25 {
                idleWorks = try idle(until: next)
                idled = idled || idleWorks
                if !idleWorks { Self.sleep(until: next) }
            } else {
                Self.sleep(until: next)
            }
        }
    }

    /// One NOOP and search in the Junk folder (from its own UIDNEXT); nil when the probe is not there.
    func look(in junk: ProbeMailbox) throws(CheckError) -> (uids: [Int], at: Double)? {
        let range = junk.uidNext.map { "UID \($0):* " } ?? ""
        let noop = try junk.imap.command("NOOP")
        let reply = try junk.imap.command("UID SEARCH \(range)HEADER \(ProbeToken.header) \(IMAPSyntax.quoted(token.text) ?? "\"\"")")
        guard reply.status == .ok else {
            throw .critical("IMAP: cannot search \(junk.folder) for the probe: \(reply.completion)")
        }
        let uids = ProbeMailbox.searchResults(reply)
        return uids.isEmpty ? nil : (uids, (noop.sentAt + reply.completedAt) / 2)
    }

    /// Idles until `until` or the first EXISTS; false when the server refused IDLE.
    func idle(until: Double) throws(CheckError) -> Bool {
        guard try mailbox.imap.startIdle() else {
            context.log(2, "watch: IDLE refused; polling only")
            return false
        }
        let lines = try mailbox.imap.idleWait(until: until) { Self.isExists($0) }
        _ = try mailbox.imap.stopIdle()
        if lines.contains(where: { Self.isExists($0.text) }) { context.log(2, "watch: IDLE reported new mail") }
        return true
    }

    /// `12 EXISTS`.
    static func isExists(_ text: String) -> Bool {
        let words = text.split(separator: " ")
        return words.count == 2 && words[1].uppercased() == "EXISTS"
    }

    /// Sleeps until a monotonic time (no-op when it has passed).
    static func sleep(until: Double) {
        let left = until - Deadline.now()
        guard left > 0 else { return }
        var request = timespec(tv_sec: Int(left), tv_nsec: Int((left - Double(Int(left))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
