import CLibcurl
import CheckKit
import Testing
@testable import MailChecks
@testable import MailTransport

/// The two halves of a failure on the wire: what a CURLcode means (the transport's
/// `TransportFailure.Kind`), and how the checks say each kind (`TransportWords`). The end-to-end
/// suites pin the same sentences against real servers; these pin every row of both tables.
@Suite struct TransportErrorTests {
    static let endpoint = "mx.example:25"

    static func failure(_ kind: TransportFailure.Kind, reply: String? = nil, expiry: Status = .critical) -> TransportFailure {
        TransportFailure(kind, endpoint: endpoint, message: "libcurl says", reply: reply,
                         deadline: Deadline(seconds: 2.5, expiryStatus: expiry))
    }

    // MARK: CURLcode -> kind

    @Test(arguments: [
        (CURLE_COULDNT_RESOLVE_HOST, "x", nil, .resolve),
        (CURLE_COULDNT_CONNECT, "x", nil, .connect),
        (CURLE_OPERATION_TIMEDOUT, "x", "waiting for the banner", .timeout(pending: "waiting for the banner")),
        // Without a step, libcurl's words say what the wait was.
        (CURLE_OPERATION_TIMEDOUT, "Operation timed out", nil, .timeout(pending: "Operation timed out")),
        (CURLE_PEER_FAILED_VERIFICATION, "x", nil, .tls),
        (CURLE_SSL_CONNECT_ERROR, "x", nil, .tls),
        (CURLE_SSL_ISSUER_ERROR, "x", nil, .tls),
        (CURLE_USE_SSL_FAILED, "x", "waiting for the reply to STARTTLS", .startTLS),
        (CURLE_LOGIN_DENIED, "x", nil, .loginRefused),
        (CURLE_SSL_CACERT_BADFILE, "x", nil, .setup),
        (CURLE_SSL_CERTPROBLEM, "x", nil, .setup),
        (CURLE_UNSUPPORTED_PROTOCOL, "x", nil, .setup),
        (CURLE_OUT_OF_MEMORY, "x", nil, .setup),
        // A read that returned 0 is the server closing; any other receive failure is a broken line.
        (CURLE_RECV_ERROR, "response reading failed (errno: 11)", "waiting for the reply to NOOP", .closed(step: "waiting for the reply to NOOP")),
        (CURLE_GOT_NOTHING, "response reading failed", nil, .closed(step: nil)),
        (CURLE_RECV_ERROR, "Connection reset by peer", "waiting for the reply to EHLO", .broken(step: "waiting for the reply to EHLO")),
        (CURLE_SEND_ERROR, "Broken pipe", nil, .broken(step: nil)),
        // curl's own QUIT or LOGOUT after the failure is not the step that failed.
        (CURLE_GOT_NOTHING, "Server returned nothing", "waiting for the reply to QUIT", .broken(step: nil)),
        (CURLE_RECV_ERROR, "response reading failed", "waiting for the reply to LOGOUT", .closed(step: nil)),
        (CURLE_WEIRD_SERVER_REPLY, "x", nil, .unexpectedReply),
        (CURLE_ABORTED_BY_CALLBACK, "x", nil, .other),
        (CURLE_REMOTE_ACCESS_DENIED, "x", nil, .other),
    ] as [(CURLcode, String, String?, TransportFailure.Kind)])
    func curlCodeMeansKind(code: CURLcode, message: String, pending: String?, kind: TransportFailure.Kind) {
        #expect(TransportFailure.kind(CurlOutcome(code: code, message: message), pending: pending) == kind)
    }

    @Test func theServerReplyIsKeptEscapedAndBounded() {
        let outcome = CurlOutcome(code: CURLE_WEIRD_SERVER_REPLY, message: "x")
        let long = "500 \u{1b}[31m" + String(repeating: "y", count: 500)
        let failure = TransportFailure(outcome, endpoint: Self.endpoint, deadline: Deadline(seconds: 1, expiryStatus: .critical),
                                       pending: nil, serverReply: long)
        #expect(failure.reply == SafeText.quote(long))
        #expect(failure.reply?.contains("\u{1b}") == false)
    }

    @Test(arguments: [
        (CURLE_FILESIZE_EXCEEDED, nil, .bodyTooLarge(limit: 1024), "x"),
        (CURLE_OPERATION_TIMEDOUT, nil, .timeout(pending: nil), "x"),
        (CURLE_COULDNT_CONNECT, 111, .connect, "connection refused"),
        (CURLE_COULDNT_CONNECT, 113, .connect, "no route to host"),
        (CURLE_COULDNT_CONNECT, 101, .connect, "no route to host"),
        (CURLE_COULDNT_CONNECT, nil, .connect, "x"),
        (CURLE_TOO_MANY_REDIRECTS, nil, .tooManyRedirects, "x"),
        (CURLE_PEER_FAILED_VERIFICATION, nil, .tls, "x"),
        (CURLE_RECV_ERROR, nil, .broken(step: nil), "x"),
    ] as [(CURLcode, Int?, TransportFailure.Kind, String)])
    func httpCodeMeansKind(code: CURLcode, osErrno: Int?, kind: TransportFailure.Kind, message: String) {
        let failure = HTTPErrors.failure(CurlOutcome(code: code, message: "x"), endpoint: Self.endpoint,
                                         deadline: Deadline(seconds: 1, expiryStatus: .critical),
                                         body: DataSink(limit: 1024), osErrno: osErrno)
        #expect(failure.kind == kind)
        #expect(failure.message == message)
    }

    // MARK: kind -> words

    @Test(arguments: [
        (.resolve, nil, "cannot resolve mx.example:25: libcurl says"),
        (.connect, nil, "cannot connect to mx.example:25: libcurl says"),
        (.timeout(pending: "waiting for the banner"), nil, "no answer from mx.example:25 within 2.5 s (waiting for the banner)"),
        (.timeout(pending: nil), nil, "no answer from mx.example:25 within 2.5 s"),
        (.tls, "ignored", "TLS with mx.example:25 failed: libcurl says"),
        (.startTLS, nil, "STARTTLS failed with mx.example:25: libcurl says"),
        (.startTLS, "454 TLS not available", "STARTTLS failed with mx.example:25: libcurl says: 454 TLS not available"),
        (.loginRefused, nil, "login failed: libcurl says"),
        (.loginRefused, "535 5.7.8 no", "login failed: 535 5.7.8 no"),
        (.closed(step: "waiting for the reply to NOOP"), nil, "connection closed by mx.example:25 (waiting for the reply to NOOP)"),
        (.closed(step: nil), nil, "connection closed by mx.example:25"),
        (.broken(step: "waiting for the reply to EHLO"), nil, "connection to mx.example:25 broken: libcurl says (waiting for the reply to EHLO)"),
        (.broken(step: nil), nil, "connection to mx.example:25 broken: libcurl says"),
        (.unexpectedReply, nil, "unexpected reply from mx.example:25: libcurl says"),
        (.unexpectedReply, "HTTP/1.1 400", "unexpected reply from mx.example:25: HTTP/1.1 400"),
        (.setup, nil, "cannot set up the connection to mx.example:25: libcurl says"),
        (.bodyTooLarge(limit: 1 << 20), nil, "response body larger than 1 MiB from mx.example:25"),
        (.tooManyRedirects, nil, "too many redirects from mx.example:25"),
        (.other, nil, "mx.example:25: libcurl says"),
        (.other, "554 no", "mx.example:25: libcurl says: 554 no"),
    ] as [(TransportFailure.Kind, String?, String)])
    func kindReadsAs(kind: TransportFailure.Kind, reply: String?, sentence: String) {
        #expect(TransportWords().error(for: Self.failure(kind, reply: reply)).message == sentence)
        // Transport words never name a command-line option: hints are the checks' (LoginHint).
        #expect(!sentence.contains("--"))
    }

    @Test(arguments: [
        (.resolve, .critical), (.connect, .critical), (.tls, .critical), (.startTLS, .critical),
        (.loginRefused, .critical), (.closed(step: nil), .critical), (.broken(step: nil), .critical),
        (.unexpectedReply, .critical), (.bodyTooLarge(limit: 1), .critical), (.tooManyRedirects, .critical),
        (.other, .critical),
        // Our own setup cannot run the check: UNKNOWN. A timeout is what -t says (WARNING here).
        (.setup, .unknown), (.timeout(pending: nil), .warning),
    ] as [(TransportFailure.Kind, Status)])
    func kindEndsInState(kind: TransportFailure.Kind, status: Status) {
        #expect(TransportWords().error(for: Self.failure(kind, expiry: .warning)).status == status)
    }

    @Test func aRefusedLoginCarriesItsTypedCause() {
        let said = TransportWords().error(for: Self.failure(.loginRefused, reply: "535 no"))
        #expect(said.cause == CheckError.Cause(.loginRefused, "535 no"))
        let unsaid = TransportWords().error(for: Self.failure(.loginRefused))
        #expect(unsaid.cause == CheckError.Cause(.loginRefused, "libcurl says"))
        #expect(TransportWords().error(for: Self.failure(.connect)).cause == nil)
    }

    @Test func aClosedConnectionKeepsLibcurlsWordsBehindVerbose() {
        #expect(TransportWords().error(for: Self.failure(.closed(step: nil))).detail == ["libcurl: libcurl says"])
        #expect(TransportWords().error(for: Self.failure(.broken(step: nil))).detail.isEmpty)
    }
}
