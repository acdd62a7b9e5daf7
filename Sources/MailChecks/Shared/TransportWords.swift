import CheckKit
import MailTransport

/// How every check says what went wrong on the wire: one sentence per kind of transport
/// failure, so a refused connection or a timeout reads the same in the SMTP, IMAP, POP3,
/// delivery, webmail and DAV checks. Each check hands it to the sessions it opens; what a
/// check adds around it (a side's `SMTP: `, an option hint) it adds itself (`LoginHint`).
struct TransportWords: TransportWording {
    func error(for failure: TransportFailure) -> CheckError {
        CheckError(failure.status, Self.sentence(failure), detail: Self.detail(failure), cause: failure.cause)
    }

    /// The first line's sentence for `failure`.
    static func sentence(_ failure: TransportFailure) -> String {
        let endpoint = failure.endpoint
        let message = failure.message
        // The server's own words end the sentence when it said something.
        let said = failure.reply.map { ": \($0)" } ?? ""
        switch failure.kind {
        case .resolve:
            return "cannot resolve \(endpoint): \(message)"
        case .connect:
            return "cannot connect to \(endpoint): \(message)"
        case .timeout(let pending):
            let limit = NumberFormat.decimal(failure.deadline.seconds, fractionDigits: 1)
            return "no answer from \(endpoint) within \(limit) s" + (pending.map { " (\($0))" } ?? "")
        case .tls:
            return "TLS with \(endpoint) failed: \(message)"
        case .startTLS:
            return "STARTTLS failed with \(endpoint): \(message)\(said)"
        case .loginRefused:
            return "login failed: \(failure.reply ?? message)"
        case .closed(let step):
            // libcurl's words for a close ("response reading failed (errno: N)") go to -v only.
            return "connection closed by \(endpoint)" + (step.map { " (\($0))" } ?? "")
        case .broken(let step):
            return "connection to \(endpoint) broken: \(message)" + (step.map { " (\($0))" } ?? "")
        case .unexpectedReply:
            return "unexpected reply from \(endpoint)" + (failure.reply == nil ? ": \(message)" : said)
        case .setup:
            return "cannot set up the connection to \(endpoint): \(message)"
        case .bodyTooLarge(let limit):
            return "response body larger than \(NumberFormat.bytes(Double(limit))) from \(endpoint)"
        case .tooManyRedirects:
            return "too many redirects from \(endpoint)"
        case .other:
            return "\(endpoint): \(message)\(said)"
        }
    }

    /// The `-v` lines: libcurl's message when the sentence leaves it out.
    static func detail(_ failure: TransportFailure) -> [String] {
        if case .closed = failure.kind { return ["libcurl: \(failure.message)"] }
        return []
    }
}
