import CLibcurl
import CheckKit

/// Turns a failed HTTP transfer into a CheckError that names the phase and what happened:
/// connect refused, TLS, timeout, body too large; the rest as CurlErrors words them.
enum HTTPErrors {
    static func error(_ outcome: CurlOutcome, request: HTTPRequest, deadline: Deadline, body: DataSink,
                      osErrno: Int?) -> CheckError {
        let endpoint = HTTPURL.endpoint(request.url)
        let phase = request.phase
        let detail = ["libcurl: \(outcome.message)", "request: \(request.method) \(request.url)"]
        switch outcome.code {
        case CURLE_WRITE_ERROR where body.overflowed, CURLE_FILESIZE_EXCEEDED:
            return .critical("\(phase): response body larger than \(NumberFormat.bytes(Double(body.limit))) from \(endpoint)", detail: detail)
        case CURLE_OPERATION_TIMEDOUT:
            return CheckError(deadline.expiryStatus,
                              "\(phase): no answer from \(endpoint) within \(NumberFormat.decimal(deadline.seconds, fractionDigits: 1)) s",
                              detail: detail)
        case CURLE_COULDNT_CONNECT:
            let why = osErrno == 111 ? "connection refused" : (osErrno == 113 || osErrno == 101 ? "no route to host" : outcome.message)
            return .critical("\(phase): cannot connect to \(endpoint): \(why)", detail: detail)
        case CURLE_TOO_MANY_REDIRECTS:
            return .critical("\(phase): too many redirects from \(endpoint)", detail: detail)
        default:
            let base = CurlErrors.error(outcome, endpoint: endpoint, deadline: deadline, pending: nil, serverReply: nil)
            return CheckError(base.status, "\(phase): \(base.message)", detail: detail + base.detail)
        }
    }
}
