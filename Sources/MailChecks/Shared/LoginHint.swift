import CheckKit
import MailTransport

/// Adds the option that would help to a login failure, from its typed cause: the transport
/// never names a command-line option, because only the check knows what its options are called
/// (`--auth-mechanism` in the login checks, `--imap-auth-mechanism` in the delivery check).
enum LoginHint {
    /// Runs `body`; a login failure it throws gets the hint for `option` (`auth-mechanism`).
    static func naming<T>(_ option: String, _ body: () throws(CheckError) -> T) throws(CheckError) -> T {
        do {
            return try body()
        } catch {
            throw add(to: error, option: option)
        }
    }

    /// `error` with the hint for `option`, when its cause has one.
    static func add(to error: CheckError, option: String) -> CheckError {
        guard let cause = error.cause else { return error }
        switch cause.kind {
        case .mechanismNotOffered: return error.appending("; try --\(option) \(cause.value)")
        case .credentialsUnsendable: return error.appending(" (use --\(option) \(cause.value))")
        default: return error
        }
    }
}
