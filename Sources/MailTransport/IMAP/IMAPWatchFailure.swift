import CLibcurl
import CheckKit

extension IMAPWatchConnection {
    /// The error for a connect phase (greeting, TLS, login) that failed, prefixed `IMAP:` so a
    /// check that talks to several servers says which side broke. Mirrors `IMAPSession.failure`.
    static func failure(_ outcome: CurlOutcome, _ timeline: IMAPTimeline, offered: Set<String>,
                        connection: ConnectionOptions, login: IMAPLogin, deadline: Deadline,
                        wording: any TransportWording) -> CheckError {
        let endpoint = connection.endpoint
        let greeting = timeline.greeting?.line ?? ""
        let error: CheckError
        switch outcome.code {
        case CURLE_LOGIN_DENIED:
            if login.mechanism == .plain && !offered.contains("AUTH=PLAIN") {
                let others = offered.filter { $0.hasPrefix("AUTH=") }.sorted().joinedText(" ")
                error = CheckError(.critical, "AUTHENTICATE PLAIN not offered by \(endpoint) (\(others.isEmpty ? "no AUTH= capability" : others))",
                                   cause: .init(.mechanismNotOffered, IMAPMechanism.login.rawValue))
            } else {
                let reply = timeline.events.last(where: { $0.direction == .received && !IMAPTimeline.tag($0.line).isEmpty })
                var text = reply.map { $0.line.split(separator: " ", maxSplits: 1).last.map(String.init) ?? $0.line } ?? outcome.message
                // `NO [AUTHENTICATIONFAILED] Authentication failed.` reads better without the NO.
                if text.hasPrefix("NO ") || text.hasPrefix("BAD ") { text = String(text.split(separator: " ", maxSplits: 1).last ?? "") }
                error = CheckError(.critical, "login failed for \(login.user): \(text)", cause: .init(.loginRefused, text))
            }
        case CURLE_RECV_ERROR where !greeting.isEmpty, CURLE_SEND_ERROR where !greeting.isEmpty, CURLE_GOT_NOTHING where !greeting.isEmpty:
            let exchange = timeline.lastExchange()
            error = IMAPClosedConnection.error(endpoint: endpoint, unanswered: exchange.unanswered, completed: exchange.completed, cause: outcome.message)
        case CURLE_USE_SSL_FAILED where !offered.contains("STARTTLS"):
            error = .critical("STARTTLS not offered by \(endpoint)")
        case CURLE_WEIRD_SERVER_REPLY where greeting.uppercased().hasPrefix("* BYE"):
            error = .critical("\(endpoint) refused the session: \(greeting.dropFirst(2))")
        case CURLE_OPERATION_TIMEDOUT where !greeting.isEmpty && !greeting.hasPrefix("* "),
             CURLE_WEIRD_SERVER_REPLY where !greeting.isEmpty && !greeting.hasPrefix("* "):
            error = .critical("unexpected greeting from \(endpoint) (not IMAP): \(greeting.prefix(80))")
        default:
            error = wording.error(for: TransportFailure(outcome, endpoint: endpoint, deadline: deadline,
                                                        pending: timeline.pending(implicitTLS: connection.tls == .implicit),
                                                        serverReply: timeline.events.last(where: { $0.direction == .received })?.line))
        }
        return error.prefixed("IMAP: ")
    }
}
