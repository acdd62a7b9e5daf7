import CLibcurl

/// What one raw send or receive on a CONNECT_ONLY connection did.
public enum CurlIO: Equatable {
    /// This many bytes went out or came in (0 on receive: the peer closed).
    case done(Int)
    /// Nothing now (CURLE_AGAIN): wait on the socket and try again.
    case again
    /// curl failed with this code.
    case failed(CURLcode)

    init(_ code: CURLcode, count: Int) {
        switch code {
        case CURLE_OK: self = .done(count)
        case CURLE_AGAIN: self = .again
        default: self = .failed(code)
        }
    }
}

/// A finished transfer's code and message.
public struct CurlOutcome: Sendable {
    /// curl's result code.
    public let code: CURLcode
    /// The sentence shown to the user.
    public let message: String
    /// True when curl reported success.
    public var ok: Bool { code == CURLE_OK }
}
