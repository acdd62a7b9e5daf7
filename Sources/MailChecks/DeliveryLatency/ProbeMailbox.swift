import CheckKit
import MailTransport

/// The receiving mailbox as the check uses it. NOTHING LOST: a message is deleted only by
/// UID, only after its `X-Mailcheck-Probe` header was fetched and verified, and only with
/// UID EXPUNGE of exactly those UIDs. Without UIDPLUS nothing is expunged at all (a plain
/// EXPUNGE or CLOSE would also remove the user's own \Deleted mail): the probe stays flagged
/// \Deleted, and the report says so.
final class ProbeMailbox {
    let imap: IMAPWatchConnection
    let folder: String
    let context: RunContext
    /// UIDNEXT when the folder was selected: the probe's UID is at least this.
    private(set) var uidNext: Int?
    private(set) var selectSeconds: Double = 0

    init(imap: IMAPWatchConnection, folder: String, context: RunContext) {
        self.imap = imap
        self.folder = folder
        self.context = context
    }

    var hasUIDPlus: Bool { imap.capabilities.contains("UIDPLUS") }
    var hasIdle: Bool { imap.capabilities.contains("IDLE") }

    /// SELECT (read-write: deleting needs it); never CLOSE, which would expunge.
    func select() throws(CheckError) {
        let quoted = IMAPSyntax.quoted(folder) ?? "\"INBOX\""
        let reply = try imap.command("SELECT \(quoted)")
        guard reply.status == .ok else {
            let missing = IMAPParse.responseCode(reply.text) == "NONEXISTENT" || reply.text.lowercased().containsText("exist")
            throw .critical(missing ? "IMAP: folder \(folder) does not exist" : "IMAP: cannot open folder \(folder): \(reply.completion)")
        }
        selectSeconds = reply.seconds
        uidNext = IMAPParse.mailboxState(reply.untagged.map(\.text)).uidNext
    }

    /// UIDs from the untagged `SEARCH 3 7 9` lines of a reply (ESEARCH-free servers and Dovecot alike).
    static func searchResults(_ reply: IMAPWireReply) -> [Int] {
        var out: [Int] = []
        for line in reply.untagged {
            let words = line.text.split(separator: " ")
            guard words.first?.uppercased() == "SEARCH" else { continue }
            for word in words.dropFirst() {
                // A number that does not fit (or a MODSEQ clause) is skipped, never trusted.
                guard word.count <= 10, word.allSatisfy({ $0.isASCII && $0.isNumber }), let uid = Int(word), uid > 0 else { continue }
                out.append(uid)
            }
        }
        return out
    }

    /// `1,5,9` for a UID command.
    static func uidSet(_ uids: [Int]) -> String { uids.map(String.init).joinedText(",") }

    /// The probe headers of `uids`: each message's UID with its header bytes, from one FETCH.
    /// `fields` limits the header to some fields (nil: the whole header, for the Received lines).
    func fetchHeaders(_ uids: [Int], fields: [String]?) throws(CheckError) -> [Int: [UInt8]] {
        guard !uids.isEmpty else { return [:] }
        let item = fields.map { "BODY.PEEK[HEADER.FIELDS (\($0.joinedText(" ")))]" } ?? "BODY.PEEK[HEADER]"
        // BODY.PEEK: fetching never sets \Seen.
        let reply = try imap.command("UID FETCH \(Self.uidSet(uids)) (UID \(item))")
        guard reply.status == .ok else { throw .critical("IMAP: cannot read the probe headers in \(folder): \(reply.completion)") }
        var out: [Int: [UInt8]] = [:]
        for line in reply.untagged {
            guard let fetched = IMAPParse.fetched(line.text), let uid = fetched.uid, let header = line.literals.first else { continue }
            out[uid] = header
        }
        return out
    }

    /// The verified probe tokens of a set of fetched headers: a header counts only when it holds
    /// exactly one `X-Mailcheck-Probe` field that parses as a token.
    static func tokens(_ headers: [Int: [UInt8]]) -> [Int: ProbeToken] {
        var out: [Int: ProbeToken] = [:]
        for (uid, bytes) in headers {
            let values = HeaderFields(bytes).values(ProbeToken.header)
            if values.count == 1, let token = ProbeToken(parsing: values[0]) { out[uid] = token }
        }
        return out
    }

    /// Flags `uids` \Deleted and, with UIDPLUS, expunges exactly them. Returns a problem to
    /// report, or nil when everything was removed.
    func delete(_ uids: [Int]) throws(CheckError) -> String? {
        guard !uids.isEmpty else { return nil }
        let set = Self.uidSet(uids)
        let store = try imap.command("UID STORE \(set) +FLAGS.SILENT (\\Deleted)")
        guard store.status == .ok else { return "cannot flag UID \(set) \\Deleted: \(store.completion)" }
        guard hasUIDPlus else {
            return "UID \(set) left flagged \\Deleted: \(imap.connection.endpoint) has no UIDPLUS, and a plain EXPUNGE would remove other \\Deleted mail too"
        }
        let expunge = try imap.command("UID EXPUNGE \(set)")
        guard expunge.status == .ok else { return "UID EXPUNGE \(set) failed: \(expunge.completion)" }
        return nil
    }

    /// What the sweep of earlier runs' probes found and did.
    struct Sweep {
        var removed: [Int] = []
        /// With --pop3: the UIDLs of the removed probes (message numbers hold for one session only).
        var removedUIDLs: [String] = []
        var problem: String?
        /// Candidates the search found beyond the per-run bound, left for later runs.
        var deferred = 0
    }

    /// Removes this check's own probes (same check name) older than `staleAfter` seconds by
    /// their send time: probes of runs that gave up before they arrived. Fresher ones may
    /// belong to a run that is still waiting and are left alone.
    func sweep(checkName: String, staleAfter: Double, now wallClock: Double, sparing: Set<Int> = []) throws(CheckError) -> Sweep {
        var result = Sweep()
        let prefix = IMAPSyntax.quoted(ProbeToken.prefix(checkName)) ?? "\"\""
        // Without UIDPLUS stale probes stay \Deleted; UNDELETED keeps them from being found again.
        let search = try imap.command("UID SEARCH \(hasUIDPlus ? "" : "UNDELETED ")HEADER \(ProbeToken.header) \(prefix)")
        guard search.status == .ok else {
            result.problem = "cannot search \(folder) for stale probes: \(search.completion)"
            return result
        }
        let found = Self.searchResults(search).filter { !sparing.contains($0) }
        let bound = 200
        result.deferred = max(0, found.count - bound)
        let headers = try fetchHeaders(Array(found.prefix(bound)), fields: [ProbeToken.header])
        let stale = Self.tokens(headers).filter { _, token in
            token.checkName == checkName && wallClock - Double(token.sentMillis) / 1000 > staleAfter
        }.keys.sorted()
        context.log(2, "sweep: \(found.count) message(s) match \(ProbeToken.prefix(checkName)), \(stale.count) verified stale")
        result.problem = try delete(stale)
        result.removed = stale
        return result
    }
}
