import Foundation
import Testing

/// check_smtp_session, check_imap_login and check_pop3_login against servers that break in the middle
/// of things: closed or reset inside a reply, a multi-line answer, a literal or a TLS handshake;
/// dripping bytes; a 100 MB line; garbage after a good first reply; a TLS alert. Every run must
/// end 1-3 with a clear first line, within -t plus 0.5 s, nothing on stderr, bounded memory.
@Suite struct NetworkFaultTests {
    static let smtpFaults: [NetworkFault] = [
        NetworkFault(check: "check_smtp_session", what: "close inside the banner",
                     script: .smtp(banner: [.text("220 fake.exa"), .close])),
        NetworkFault(check: "check_smtp_session", what: "close inside the EHLO reply",
                     script: .smtp { $0 == "EHLO" ? [.text("250-fake.exa"), .close] : nil }),
        NetworkFault(check: "check_smtp_session", what: "reset inside the EHLO reply",
                     script: .smtp { $0 == "EHLO" ? [.text("250-fake.exa"), .reset] : nil }),
        NetworkFault(check: "check_smtp_session", what: "close between EHLO 250- lines",
                     script: .smtp { $0 == "EHLO" ? [.text("250-fake.example\r\n250-PIPELINING\r\n"), .close] : nil }),
        NetworkFault(check: "check_smtp_session", what: "reset between EHLO 250- lines",
                     script: .smtp { $0 == "EHLO" ? [.text("250-fake.example\r\n250-PIPELINING\r\n"), .reset] : nil }),
        NetworkFault(check: "check_smtp_session", what: "close after the ClientHello (STARTTLS)",
                     script: .smtp { $0 == "STARTTLS" ? [.text("220 ready\r\n"), .readRaw, .close] : nil },
                     extra: ["--starttls"], says: ["TLS"]),
        NetworkFault(check: "check_smtp_session", what: "reset after the ClientHello (STARTTLS)",
                     script: .smtp { $0 == "STARTTLS" ? [.text("220 ready\r\n"), .readRaw, .reset] : nil },
                     extra: ["--starttls"], says: ["TLS"]),
        NetworkFault(check: "check_smtp_session", what: "reset after the ClientHello (implicit TLS)",
                     script: .smtp(banner: [.readRaw, .reset]), extra: ["--tls"], says: ["TLS"]),
        NetworkFault(check: "check_smtp_session", what: "TLS alert (implicit TLS)",
                     script: .smtp(banner: [.readRaw, .send(NetworkFaultRun.alert), .hold]), extra: ["--tls"], says: ["TLS"]),
        NetworkFault(check: "check_smtp_session", what: "TLS alert after STARTTLS",
                     script: .smtp { $0 == "STARTTLS" ? [.text("220 ready\r\n"), .readRaw, .send(NetworkFaultRun.alert), .hold] : nil },
                     extra: ["--starttls"], says: ["TLS"]),
        NetworkFault(check: "check_smtp_session", what: "one byte a second past -t",
                     script: .smtp(banner: [.drip(Array("220 fake.example ESMTP\r\n".utf8), every: 1)]),
                     says: ["within 2 s"]),
        NetworkFault(check: "check_smtp_session", what: "garbage after a good banner",
                     script: .smtp { $0 == "EHLO" ? [.garbage(4096), .hold] : nil }),
        NetworkFault(check: "check_smtp_session", what: "100 MB EHLO line",
                     script: .smtp { $0 == "EHLO" ? [.text("250-"), .stream(100 << 20), .text("\r\n250 OK\r\n"), .hold] : nil }),
    ]

    static let imapFaults: [NetworkFault] = [
        NetworkFault(check: "check_imap_login", what: "close inside the greeting",
                     script: .imap(greeting: [.text("* OK [CAPAB"), .close])),
        NetworkFault(check: "check_imap_login", what: "reset inside the STATUS reply",
                     script: .imap { verb, _ in verb == "STATUS" ? [.text("* STATUS INBOX (MESS"), .reset] : nil }),
        NetworkFault(check: "check_imap_login", what: "close between CAPABILITY lines",
                     script: .imap(greeting: [.text("* OK fake ready\r\n")]) { verb, _ in
                         verb == "CAPABILITY" ? [.text("* CAPABILITY IMAP4rev1 SASL-IR\r\n* CAPABILITY AUTH=PL"), .close] : nil
                     }),
        NetworkFault(check: "check_imap_login", what: "reset after the untagged CAPABILITY",
                     script: .imap(greeting: [.text("* OK fake ready\r\n")]) { verb, _ in
                         verb == "CAPABILITY" ? [.text("* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN\r\n"), .reset] : nil
                     }),
        NetworkFault(check: "check_imap_login", what: "close inside a literal",
                     script: .imap { verb, tag in Self.fetchFault(verb, tag, [.text("* 1 FETCH (UID 1 BODY[HEADER] {100}\r\nSubject: par"), .close]) },
                     extra: ["--fetch-latest"]),
        NetworkFault(check: "check_imap_login", what: "reset inside a literal",
                     script: .imap { verb, tag in Self.fetchFault(verb, tag, [.text("* 1 FETCH (UID 1 BODY[HEADER] {100}\r\nSubject: par"), .reset]) },
                     extra: ["--fetch-latest"]),
        NetworkFault(check: "check_imap_login", what: "literal of 4294967296 octets",
                     script: .imap { verb, tag in Self.fetchFault(verb, tag, [.text("* 1 FETCH (UID 1 BODY[HEADER] {4294967296}\r\nSubject: x\r\n"), .hold]) },
                     extra: ["--fetch-latest"]),
        NetworkFault(check: "check_imap_login", what: "literal of 4294967296 octets in STATUS",
                     script: .imap { verb, _ in verb == "STATUS" ? [.text("* STATUS {4294967296}\r\nINBOX"), .hold] : nil }),
        NetworkFault(check: "check_imap_login", what: "close after the ClientHello (STARTTLS)",
                     script: .imap { verb, tag in verb == "STARTTLS" ? [.text("\(tag) OK begin TLS\r\n"), .readRaw, .close] : nil },
                     extra: ["--starttls"], says: ["TLS"]),
        NetworkFault(check: "check_imap_login", what: "reset after the ClientHello (implicit TLS)",
                     script: .imap(greeting: [.readRaw, .reset]), extra: ["--tls"], says: ["TLS"]),
        NetworkFault(check: "check_imap_login", what: "TLS alert (implicit TLS)",
                     script: .imap(greeting: [.readRaw, .send(NetworkFaultRun.alert), .hold]), extra: ["--tls"], says: ["TLS"]),
        NetworkFault(check: "check_imap_login", what: "one byte a second past -t",
                     script: .imap(greeting: [.drip(Array("* OK fake ready\r\n".utf8), every: 1)]), says: ["within 2 s"]),
        NetworkFault(check: "check_imap_login", what: "garbage after a good greeting",
                     script: .imap(greeting: [.text("* OK fake ready\r\n")]) { verb, _ in verb == "CAPABILITY" ? [.garbage(4096), .hold] : nil }),
        NetworkFault(check: "check_imap_login", what: "100 MB STATUS line",
                     script: .imap { verb, _ in verb == "STATUS" ? [.text("* STATUS INBOX (MESSAGES 1 "), .stream(100 << 20), .hold] : nil }),
    ]

    static let pop3Faults: [NetworkFault] = [
        NetworkFault(check: "check_pop3_login", what: "close inside the greeting",
                     script: .pop3(greeting: [.text("+OK fake PO"), .close])),
        NetworkFault(check: "check_pop3_login", what: "reset between CAPA lines",
                     script: .pop3 { $0 == "CAPA" ? [.text("+OK\r\nUSER\r\nST"), .reset] : nil }),
        NetworkFault(check: "check_pop3_login", what: "close inside the STAT reply",
                     script: .pop3 { $0 == "STAT" ? [.text("+OK 3 40"), .close] : nil }),
        NetworkFault(check: "check_pop3_login", what: "reset after the ClientHello (STLS)",
                     script: .pop3 { $0 == "STLS" ? [.text("+OK begin TLS\r\n"), .readRaw, .reset] : nil },
                     extra: ["--starttls"], says: ["TLS"]),
        NetworkFault(check: "check_pop3_login", what: "close after the ClientHello (implicit TLS)",
                     script: .pop3(greeting: [.readRaw, .close]), extra: ["--tls"], says: ["TLS"]),
        NetworkFault(check: "check_pop3_login", what: "TLS alert after STLS",
                     script: .pop3 { $0 == "STLS" ? [.text("+OK begin TLS\r\n"), .readRaw, .send(NetworkFaultRun.alert), .hold] : nil },
                     extra: ["--starttls"], says: ["TLS"]),
        NetworkFault(check: "check_pop3_login", what: "one byte a second past -t",
                     script: .pop3(greeting: [.drip(Array("+OK fake POP3 ready\r\n".utf8), every: 1)]), says: ["within 2 s"]),
        NetworkFault(check: "check_pop3_login", what: "garbage after a good greeting",
                     script: .pop3 { $0 == "CAPA" ? [.garbage(4096), .hold] : nil }),
        NetworkFault(check: "check_pop3_login", what: "100 MB STAT line",
                     script: .pop3 { $0 == "STAT" ? [.text("+OK 1 "), .stream(100 << 20), .hold] : nil }),
    ]

    /// EXAMINE shows one message so that --fetch-latest fetches it; FETCH gets `steps`.
    static func fetchFault(_ verb: String, _ tag: String, _ steps: [FaultStep]) -> [FaultStep]? {
        switch verb {
        case "EXAMINE": return [.text("* 1 EXISTS\r\n* OK [UIDVALIDITY 1] x\r\n\(tag) OK done\r\n")]
        case "FETCH": return steps
        default: return nil
        }
    }

    @Test(arguments: smtpFaults) func smtp(fault: NetworkFault) throws {
        try NetworkFaultRun.expectHandled(fault)
    }

    @Test(arguments: imapFaults) func imap(fault: NetworkFault) throws {
        try NetworkFaultRun.expectHandled(fault)
    }

    @Test(arguments: pop3Faults) func pop3(fault: NetworkFault) throws {
        try NetworkFaultRun.expectHandled(fault)
    }
}
