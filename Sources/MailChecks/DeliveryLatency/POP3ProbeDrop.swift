import CheckKit
import MailTransport

/// The receiving maildrop over POP3 (`--pop3`). POP3 has no push and shows the maildrop as it
/// was at login, so each look is a fresh session: UIDL, then `TOP n 0` for each message not
/// seen in an earlier session, the probe found only by its exact `X-Mailcheck-Probe` header.
///
/// NOTHING LOST: `DELE n` goes only to a message whose header was read and verified in that
/// same session (message numbers belong to one session), never to anything else, and the
/// session then ends with QUIT, the only moment a POP3 server removes what DELE marked. A
/// session that ends in any other way removes nothing. TOP never marks a message as read.
final class POP3ProbeDrop {
    let connection: ConnectionOptions
    let login: POP3Login
    let deadline: Deadline
    let context: RunContext
    /// UIDLs whose headers were read, or that were there before the probe was sent.
    private var seen: Set<String> = []
    /// The first session's opening, for the report.
    private(set) var connectPhases: [PhaseTime<POP3Phase>] = []
    private(set) var tlsSession: String?
    private(set) var sessions = 0
    /// Messages in the maildrop at the first session.
    private(set) var firstCount = 0
    /// Most headers one sweep reads; the rest wait for later runs.
    static let sweepBound = 500

    init(_ connection: ConnectionOptions, login: POP3Login, deadline: Deadline, context: RunContext) {
        self.connection = connection
        self.login = login
        self.deadline = deadline
        self.context = context
    }

    /// Where the probe was found, and what became of it.
    struct Found {
        let number: Int
        let uid: String
        let header: [UInt8]
        /// Monotonic time: the login of the session that listed it.
        let seenAt: Double
        /// Monotonic time of the login of the previous session that did not have it (or the acceptance).
        let notYetAt: Double
        let polls: Int
        /// Nil when DELE and QUIT both succeeded.
        let deleteProblem: String?
    }

    /// A logged-in session; a failing login is CRITICAL and names the POP3 side.
    func session() throws(CheckError) -> POP3Maildrop {
        let session = try LoginHint.naming("pop3-auth-mechanism") { () throws(CheckError) in
            let session = try POP3Maildrop(connection, login: login, deadline: deadline, wording: TransportWords(), log: context)
            try session.open()
            return session
        }
        sessions += 1
        if sessions == 1 {
            connectPhases = session.connectPhases
            tlsSession = session.tlsSession
        }
        return session
    }

    /// The maildrop of a session: message numbers with their UIDLs.
    func list(_ session: POP3Maildrop) throws(CheckError) -> [(number: Int, uid: String)] {
        let reply = try session.command("UIDL", multiline: true)
        guard reply.ok else { throw .critical("POP3: UIDL failed at \(connection.endpoint): \(POP3Parse.errorText(reply.line))") }
        return POP3Maildrop.uidl(reply.body)
    }

    /// The header of message `number`; nil when the server refused (the message went away,
    /// for example expunged over IMAP meanwhile) and the session is over.
    func header(_ session: POP3Maildrop, _ number: Int) throws(CheckError) -> [UInt8]? {
        let reply = try session.command("TOP \(number) 0", multiline: true)
        if !reply.ok { context.log(2, "pop3: TOP \(number) refused (\(reply.line)); session ended") }
        return reply.ok ? reply.body : nil
    }

    /// The token of a header with exactly one `X-Mailcheck-Probe` field that parses as one.
    static func token(_ header: [UInt8]) -> ProbeToken? {
        let values = HeaderFields(header).values(ProbeToken.header)
        return values.count == 1 ? ProbeToken(parsing: values[0]) : nil
    }

    /// The first session: log in (a failure sends no probe), take every message there as seen
    /// (the probe is not sent yet), and remove this check's own probes older than `staleAfter`.
    /// A message that goes away meanwhile (expunged over IMAP) ends the session: the sweep
    /// starts again in a new one, at most three times.
    func openAndSweep(checkName: String, staleAfter: Double, now wallClock: Double) throws(CheckError) -> ProbeMailbox.Sweep {
        var attempt = 0
        while true {
            attempt += 1
            let session = try self.session()
            let listed = try list(session)
            firstCount = listed.count
            listed.forEach { seen.insert($0.uid) }
            var stale: [(number: Int, uid: String)] = []
            for item in listed.prefix(Self.sweepBound) {
                guard let header = try header(session, item.number) else { break }
                if let token = Self.token(header), token.checkName == checkName, wallClock - Double(token.sentMillis) / 1000 > staleAfter {
                    stale.append(item)
                }
            }
            context.log(2, "sweep: \(listed.count) message(s) in the maildrop, \(stale.count) verified stale probe(s) of \(checkName)")
            var result = ProbeMailbox.Sweep()
            result.deferred = max(0, listed.count - Self.sweepBound)
            if !session.closed { return try remove(stale, in: session, result) }
            if attempt == 3 {
                result.problem = "messages went away while the sweep read headers (3 times); stale probes wait for a later run"
                return result
            }
        }
    }

    /// DELE of each verified stale probe in the session that read it, then QUIT.
    func remove(_ stale: [(number: Int, uid: String)], in session: POP3Maildrop, _ sweep: ProbeMailbox.Sweep) throws(CheckError) -> ProbeMailbox.Sweep {
        var result = sweep
        guard !stale.isEmpty else {
            try session.quit()
            return result
        }
        for (index, item) in stale.enumerated() {
            let reply = try session.command("DELE \(item.number)", multiline: false, last: index == stale.count - 1)
            guard reply.ok else {
                result.problem = "DELE \(item.number) (UIDL \(item.uid)) failed: \(POP3Parse.errorText(reply.line))"
                return result
            }
        }
        guard session.quitConfirmed else {
            result.problem = "QUIT after DELE of \(stale.count) stale probe(s) was not confirmed; they may still be there"
            return result
        }
        result.removed = stale.map(\.number)
        result.removedUIDLs = stale.map(\.uid)
        return result
    }

    /// Polls in fresh sessions until the probe is there or `giveUpAt` (monotonic) has come,
    /// and deletes it in the session that verified it. Pauses start at 20 ms and grow with the
    /// time waited (a tenth of it, at most 1 s).
    func wait(for token: ProbeToken, acceptedAt: Double, giveUpAt: Double) throws(CheckError) -> (found: Found?, polls: Int) {
        var notYetAt = acceptedAt
        var polls = 0
        context.activity("waiting for the probe in the POP3 maildrop")
        while true {
            let session = try self.session()
            let loggedIn = Deadline.now()
            polls += 1
            let listed = try list(session)
            for item in listed where !seen.contains(item.uid) {
                guard let header = try header(session, item.number) else { break }
                seen.insert(item.uid)
                guard Self.token(header) == token else { continue }
                context.log(2, "watch: poll \(polls) found message \(item.number) (UIDL \(item.uid))")
                let problem = try delete(session, item)
                return (Found(number: item.number, uid: item.uid, header: header, seenAt: loggedIn, notYetAt: notYetAt,
                              polls: polls, deleteProblem: problem), polls)
            }
            if !session.closed { try session.quit() }
            notYetAt = loggedIn
            let now = Deadline.now()
            if now >= giveUpAt { return (nil, polls) }
            let pause = min(1.0, max(0.02, (now - acceptedAt) * 0.1))
            // The last poll comes right at the end, so a late probe still counts.
            ProbeWatch.sleep(until: min(now + pause, giveUpAt))
        }
    }

    /// DELE of the verified probe, then QUIT; a problem to report, or nil when it is gone.
    func delete(_ session: POP3Maildrop, _ item: (number: Int, uid: String)) throws(CheckError) -> String? {
        let reply = try session.command("DELE \(item.number)", multiline: false, last: true)
        guard reply.ok else { return "DELE \(item.number) failed: \(POP3Parse.errorText(reply.line))" }
        return session.quitConfirmed ? nil : "QUIT after DELE \(item.number) was not confirmed; the probe may still be there"
    }
}
