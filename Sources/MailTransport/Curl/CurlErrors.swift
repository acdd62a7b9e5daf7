import CLibcurl
import CheckKit

/// Turns a failed transfer into the state operators expect: the service's fault (resolve,
/// connect, timeout, TLS, login) is CRITICAL, our own setup's fault is UNKNOWN. curl's own
/// message is kept.
public enum CurlErrors {
    /// The error for `outcome`; `pending` names what the run waited for when it timed out.
    public static func error(_ outcome: CurlOutcome, endpoint: String, deadline: Deadline,
                             pending: String?, serverReply: String?) -> CheckError {
        let message = outcome.message
        // Quoted server text is bounded so the first line stays one readable sentence.
        let reply = serverReply.map { ": \(SafeText.quote($0))" } ?? ""
        switch outcome.code {
        case CURLE_COULDNT_RESOLVE_HOST:
            return .critical("cannot resolve \(endpoint): \(message)")
        case CURLE_COULDNT_CONNECT:
            return .critical("cannot connect to \(endpoint): \(message)")
        case CURLE_OPERATION_TIMEDOUT:
            let what = pending.map { "(\($0))" } ?? "(\(message))"
            return CheckError(deadline.expiryStatus, "no answer from \(endpoint) within \(NumberFormat.decimal(deadline.seconds, fractionDigits: 1)) s \(what)")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS:
            return .critical("TLS with \(endpoint) failed: \(message)")
        case CURLE_USE_SSL_FAILED:
            return .critical("STARTTLS failed with \(endpoint): \(message)\(reply)")
        case CURLE_LOGIN_DENIED:
            let said = serverReply.map { SafeText.quote($0) } ?? message
            return CheckError(.critical, "login failed: \(said)", cause: .init(.loginRefused, said))
        case CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CIPHER, CURLE_UNSUPPORTED_PROTOCOL, CURLE_FAILED_INIT,
             CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION,
             CURLE_OUT_OF_MEMORY, CURLE_READ_ERROR, CURLE_FILE_COULDNT_READ_FILE:
            return .unknown("cannot set up the connection to \(endpoint): \(message)")
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR:
            // curl's own QUIT/LOGOUT after a failed reply is not the step that failed: leave it out.
            let step = pending.flatMap { $0.contains("QUIT") || $0.contains("LOGOUT") ? nil : " (\($0))" } ?? ""
            // curl says "response reading failed (errno: N)" when the server closed the connection
            // (read returned 0); N is a stale errno that means nothing to a user.
            if message.hasPrefix("response reading failed") {
                return CheckError(.critical, "connection closed by \(endpoint)\(step)", detail: ["libcurl: \(message)"])
            }
            return .critical("connection to \(endpoint) broken: \(message)\(step)")
        case CURLE_WEIRD_SERVER_REPLY:
            return .critical("unexpected reply from \(endpoint)\(reply.isEmpty ? ": \(message)" : reply)")
        default:
            return .critical("\(endpoint): \(message)\(reply)")
        }
    }
}
