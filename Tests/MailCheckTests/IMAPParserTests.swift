import Testing
@testable import MailChecks
@testable import MailTransport

/// The IMAP and POP3 reply parsers, pinned with real Dovecot/Cyrus/Exchange replies and junk.
/// None may trap: a reply that does not parse gives nil.
struct IMAPParserTests {
    static let capabilityTable: [(String, [String]?)] = [
        ("* CAPABILITY IMAP4rev1 SASL-IR IDLE AUTH=PLAIN", ["IMAP4REV1", "SASL-IR", "IDLE", "AUTH=PLAIN"]),
        ("CAPABILITY IMAP4rev1 idle", ["IMAP4REV1", "IDLE"]),
        ("* OK [CAPABILITY IMAP4rev1 LITERAL+ STARTTLS AUTH=PLAIN] Dovecot (Debian) ready.", ["IMAP4REV1", "LITERAL+", "STARTTLS", "AUTH=PLAIN"]),
        ("A002 OK [CAPABILITY IMAP4rev1 QUOTA] Logged in", ["IMAP4REV1", "QUOTA"]),
        ("A002 OK [capability imap4rev1 quota] Logged in", ["IMAP4REV1", "QUOTA"]),
        ("* OK [CAPABILITY IMAP4rev1 cut off", nil),
        ("* OK [UIDNEXT 3] Predicted next UID", nil),
        ("* 2 EXISTS", nil),
        ("", nil),
        ("* ", nil),
        ("CAPABILITY", []),
    ]

    @Test(arguments: capabilityTable)
    func capabilities(line: String, expected: [String]?) {
        #expect(IMAPParse.capabilities(line) == expected)
    }

    static let examineTable: [([String], IMAPMailboxState)] = [
        (["FLAGS (\\Answered \\Seen)", "OK [PERMANENTFLAGS ()] Read-only mailbox.", "2 EXISTS", "0 RECENT",
          "OK [UNSEEN 1] First unseen.", "OK [UIDVALIDITY 1795611831] UIDs valid", "OK [UIDNEXT 3] Predicted next UID"],
         IMAPMailboxState(exists: 2, recent: 0, firstUnseen: 1, uidValidity: 1795611831, uidNext: 3)),
        (["0 EXISTS", "0 RECENT", "OK [UIDVALIDITY 1] x"], IMAPMailboxState(exists: 0, recent: 0, uidValidity: 1)),
        // Lower case, as some servers send it.
        (["17 exists", "ok [uidnext 40] next"], IMAPMailboxState(exists: 17, uidNext: 40)),
        // Numbers that do not fit, negative numbers and junk are ignored, never a trap.
        (["99999999999999999999999999 EXISTS", "-1 RECENT", "OK [UIDNEXT 18446744073709551616]", "OK [UNSEEN] x", "EXISTS", "1"],
         IMAPMailboxState()),
        (["OK [UIDVALIDITY 12 34] x", "OK [UIDNEXT", "NO [ALERT] maintenance"], IMAPMailboxState()),
        ([], IMAPMailboxState()),
    ]

    @Test(arguments: examineTable)
    func examine(untagged: [String], expected: IMAPMailboxState) {
        #expect(IMAPParse.mailboxState(untagged) == expected)
    }

    static let statusTable: [(String, [String: Int]?)] = [
        ("STATUS INBOX (MESSAGES 2 UNSEEN 1)", ["MESSAGES": 2, "UNSEEN": 1]),
        ("STATUS \"Sent Items\" (MESSAGES 0 UNSEEN 0)", ["MESSAGES": 0, "UNSEEN": 0]),
        // A name with parentheses: the last list is the one that counts.
        ("STATUS \"Odd (old) box\" (UNSEEN 7 MESSAGES 9)", ["UNSEEN": 7, "MESSAGES": 9]),
        ("status inbox (messages 3 unseen 2)", ["MESSAGES": 3, "UNSEEN": 2]),
        ("STATUS INBOX ()", [:]),
        ("STATUS INBOX (MESSAGES)", nil),
        ("STATUS INBOX (MESSAGES x UNSEEN 1)", nil),
        ("STATUS INBOX (MESSAGES 99999999999999999999999)", nil),
        ("STATUS INBOX MESSAGES 2", nil),
        ("LIST () \"/\" INBOX", nil),
        ("", nil),
    ]

    @Test(arguments: statusTable)
    func status(line: String, expected: [String: Int]?) {
        #expect(IMAPParse.statusItems(line) == expected)
    }

    static let quotaTable: [([String], [IMAPQuota]?)] = [
        (["QUOTAROOT INBOX \"User quota\"", "QUOTA \"User quota\" (STORAGE 612 1024)"],
         [IMAPQuota(root: "User quota", resource: "STORAGE", usage: 612, limit: 1024)]),
        (["QUOTA \"\" (STORAGE 10 512 MESSAGE 1 1000)"],
         [IMAPQuota(root: "", resource: "STORAGE", usage: 10, limit: 512), IMAPQuota(root: "", resource: "MESSAGE", usage: 1, limit: 1000)]),
        (["QUOTA user.alice (storage 0 0)"], [IMAPQuota(root: "user.alice", resource: "STORAGE", usage: 0, limit: 0)]),
        // RFC 9208 allows 63-bit values; Double carries them without overflow.
        (["QUOTA \"q\" (STORAGE 9223372036854775807 9223372036854775807)"],
         [IMAPQuota(root: "q", resource: "STORAGE", usage: 9223372036854775807, limit: 9223372036854775807)]),
        (["QUOTAROOT INBOX"], []),
        ([], []),
        (["QUOTA \"q\" (STORAGE 10)"], nil),
        (["QUOTA \"q\" (STORAGE ten 20)"], nil),
        (["QUOTA \"q\" STORAGE 10 20"], nil),
        (["QUOTA \"unterminated (STORAGE 1 2)"], nil),
    ]

    @Test(arguments: quotaTable)
    func quota(untagged: [String], expected: [IMAPQuota]?) {
        #expect(IMAPParse.quotas(untagged) == expected)
    }

    static let fetchTable: [(String, IMAPFetched?)] = [
        ("2 FETCH (UID 2 RFC822.SIZE 597 INTERNALDATE \"25-Nov-2026 13:03:51 +0000\" BODY[HEADER] {584}",
         IMAPFetched(sequence: 2, uid: 2, size: 597, internalDate: "25-Nov-2026 13:03:51 +0000", literalSize: 584)),
        ("7 FETCH (FLAGS (\\Seen) UID 12)", IMAPFetched(sequence: 7, uid: 12)),
        ("1 FETCH (BODY[HEADER.FIELDS (DATE FROM)] {0}", IMAPFetched(sequence: 1, literalSize: 0)),
        ("1 FETCH (UID 99999999999999999999999 RFC822.SIZE -4)", IMAPFetched(sequence: 1)),
        ("1 FETCH ()", IMAPFetched(sequence: 1)),
        ("1 FETCH", nil),
        ("1 EXISTS (UID 2)", nil),
        ("", nil),
    ]

    @Test(arguments: fetchTable)
    func fetch(line: String, expected: IMAPFetched?) {
        #expect(IMAPParse.fetched(line) == expected)
    }

    @Test(arguments: [
        ("[NONEXISTENT] Mailbox doesn't exist: Archive", "NONEXISTENT"),
        ("NO [AUTHENTICATIONFAILED] Authentication failed.", "AUTHENTICATIONFAILED"),
        ("OK [read-only] Examine completed", "READ-ONLY"),
        ("Mailbox doesn't exist", nil),
        ("[unterminated", nil),
        ("", nil),
    ] as [(String, String?)])
    func responseCode(text: String, expected: String?) {
        #expect(IMAPParse.responseCode(text) == expected)
    }

    @Test(arguments: [
        ("INBOX", "\"INBOX\""),
        ("Sent Items", "\"Sent Items\""),
        ("a\"b\\c", "\"a\\\"b\\\\c\""),
        ("Entw&APw-rfe", "\"Entw&APw-rfe\""),
        ("Entwürfe", "\"Entwürfe\""),
        ("100% done", "\"100% done\""),
        ("bad\r\nA1 LOGOUT", nil),
        ("tab\there", nil),
        ("nul\u{0}", nil),
    ] as [(String, String?)])
    func quoting(text: String, expected: String?) {
        #expect(IMAPSyntax.quoted(text) == expected)
    }

    /// Whatever libcurl logs as sent, no credential survives into a trace.
    @Test(arguments: [
        ("A002 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==", "A002 AUTHENTICATE PLAIN ***"),
        ("A002 AUTHENTICATE PLAIN", "A002 AUTHENTICATE PLAIN"),
        ("AGFsaWNlAHNlY3JldA==", "***"),
        ("A002 LOGIN \"alice@example.test\" \"secret\"", "A002 LOGIN ***"),
        ("A002 login alice secret", "A002 LOGIN ***"),
        ("A003 EXAMINE \"INBOX\"", "A003 EXAMINE \"INBOX\""),
        ("A009 XSECRET token", "A009 XSECRET ***"),
        ("", "***"),
    ])
    func imapRedaction(line: String, expected: String) {
        #expect(IMAPSession.redact(line) == expected)
    }

    @Test(arguments: [
        ("PASS secret", "PASS ***"),
        ("pass secret", "PASS ***"),
        ("AUTH PLAIN AGFsaWNlAHNlY3JldA==", "AUTH PLAIN ***"),
        ("AUTH PLAIN", "AUTH PLAIN"),
        ("AGFsaWNlAHNlY3JldA==", "***"),
        ("APOP alice 0123456789abcdef", "APOP ***"),
        ("USER alice@example.test", "USER alice@example.test"),
        ("STAT", "STAT"),
    ])
    func pop3Redaction(line: String, expected: String) {
        #expect(POP3Session.redact(line) == expected)
    }

    static let statTable: [(String, Int?, Int?)] = [
        ("+OK 2 1193", 2, 1193),
        ("+OK 0 0", 0, 0),
        ("+OK 3 4096 octets in maildrop", 3, 4096),
        ("+OK 99999999999999999999 1", nil, nil),
        ("+OK -1 10", nil, nil),
        ("+OK 2", nil, nil),
        ("+OK two 1193", nil, nil),
        ("+OK  2 1193", nil, nil),
        ("-ERR [SYS/TEMP] mailbox locked", nil, nil),
        ("", nil, nil),
    ]

    @Test(arguments: statTable)
    func pop3Stat(line: String, messages: Int?, octets: Int?) {
        let stat = POP3Parse.stat(line)
        #expect(stat?.messages == messages)
        #expect(stat?.octets == octets)
    }

    /// Perfdata suffixes: names when they are plain and unique in 19 characters, else positions.
    @Test(arguments: [
        (["INBOX"], ["INBOX"]),
        (["INBOX", "Archive"], ["INBOX", "Archive"]),
        (["INBOX", "Sent Items", "Entwürfe", "a=b", "2024"], ["INBOX", "2", "3", "4", "5"]),
        (["INBOX.Sent", "INBOX/Drafts"], ["INBOX.Sent", "INBOX/Drafts"]),
        // time_folder_ leaves 7 characters: these two would look alike to a 19-character store.
        (["Archive/2023", "Archive/2024", "Trash"], ["1", "2", "Trash"]),
        (["INBOX", "INBOX"], ["1", "2"]),
    ])
    func folderLabels(names: [String], expected: [String]) {
        #expect(IMAPLoginReport.labelSuffixes(names) == expected)
    }
}
