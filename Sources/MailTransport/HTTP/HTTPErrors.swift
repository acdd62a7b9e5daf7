import CLibcurl
import CheckKit

/// Turns a failed HTTP transfer into a CheckError that names the phase: the failure's kind
/// comes from here (a body too large, a refused connection with the system's reason, too many
/// redirects, the rest as for the mail protocols), its words from the check's `TransportWording`.
enum HTTPErrors {
    static func error(_ outcome: CurlOutcome, request: HTTPRequest, deadline: Deadline, body: DataSink,
                      osErrno: Int?, wording: any TransportWording) -> CheckError {
        let endpoint = HTTPURL.endpoint(request.url)
        let worded = wording.error(for: failure(outcome, endpoint: endpoint, deadline: deadline, body: body, osErrno: osErrno))
        let detail = ["libcurl: \(outcome.message)", "request: \(request.method) \(request.url)"]
        return CheckError(worded.status, "\(request.phase): \(worded.message)", detail: detail + worded.detail, cause: worded.cause)
    }

    /// What went wrong, as a transport failure.
    static func failure(_ outcome: CurlOutcome, endpoint: String, deadline: Deadline, body: DataSink,
                        osErrno: Int?) -> TransportFailure {
        switch outcome.code {
        case CURLE_WRITE_ERROR where body.overflowed, CURLE_FILESIZE_EXCEEDED:
            return TransportFailure(.bodyTooLarge(limit: body.limit), endpoint: endpoint, message: outcome.message, deadline: deadline)
        case CURLE_OPERATION_TIMEDOUT:
            // The phase, which the message starts with, says what the wait was for.
            return TransportFailure(.timeout(pending: nil), endpoint: endpoint, message: outcome.message, deadline: deadline)
        case CURLE_COULDNT_CONNECT:
            // The system's reason says more than libcurl's account of the attempt.
            let why = osErrno == 111 ? "connection refused" : (osErrno == 113 || osErrno == 101 ? "no route to host" : outcome.message)
            return TransportFailure(.connect, endpoint: endpoint, message: why, deadline: deadline)
        case CURLE_TOO_MANY_REDIRECTS:
            return TransportFailure(.tooManyRedirects, endpoint: endpoint, message: outcome.message, deadline: deadline)
        default:
            return TransportFailure(outcome, endpoint: endpoint, deadline: deadline, pending: nil, serverReply: nil)
        }
    }
}
