import CLibcurl
import CheckKit

extension TransportFailure {
    /// The failure a finished transfer's CURLcode stands for. `pending` names what the run
    /// waited for (`waiting for the banner`); `serverReply` is the server's last line, kept
    /// escaped and bounded so a quote of it stays one readable sentence.
    init(_ outcome: CurlOutcome, endpoint: String, deadline: Deadline, pending: String?, serverReply: String?) {
        self.init(Self.kind(outcome, pending: pending), endpoint: endpoint, message: outcome.message,
                  reply: serverReply.map { SafeText.quote($0) }, deadline: deadline)
    }

    /// The kind of failure a CURLcode (and, for a closed connection, libcurl's message) means.
    static func kind(_ outcome: CurlOutcome, pending: String?) -> Kind {
        switch outcome.code {
        case CURLE_COULDNT_RESOLVE_HOST:
            return .resolve
        case CURLE_COULDNT_CONNECT:
            return .connect
        case CURLE_OPERATION_TIMEDOUT:
            // Without a step, libcurl's message is what there is to say about the wait.
            return .timeout(pending: pending ?? outcome.message)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS:
            return .tls
        case CURLE_USE_SSL_FAILED:
            return .startTLS
        case CURLE_LOGIN_DENIED:
            return .loginRefused
        case CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CIPHER, CURLE_UNSUPPORTED_PROTOCOL, CURLE_FAILED_INIT,
             CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION,
             CURLE_OUT_OF_MEMORY, CURLE_READ_ERROR, CURLE_FILE_COULDNT_READ_FILE:
            return .setup
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR:
            // curl's own QUIT/LOGOUT after a failed reply is not the step that failed: leave it out.
            let step = pending.flatMap { $0.containsText("QUIT") || $0.containsText("LOGOUT") ? nil : $0 }
            // curl says "response reading failed (errno: N)" when the server closed the connection
            // (read returned 0); N is a stale errno that means nothing to a user.
            return outcome.message.hasPrefix("response reading failed") ? .closed(step: step) : .broken(step: step)
        case CURLE_WEIRD_SERVER_REPLY:
            return .unexpectedReply
        default:
            return .other
        }
    }
}
