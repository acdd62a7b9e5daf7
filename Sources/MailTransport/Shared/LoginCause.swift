import CheckKit

/// The login failures a check words itself: the transport says what happened, the check adds
/// which of its options would help (`--auth-mechanism`, `--imap-auth-mechanism`, ...), because
/// only the check knows its option names.
extension CheckError.Cause.Kind {
    /// The server refused the credentials; the value is its reply (or libcurl's words).
    public static let loginRefused = Self(rawValue: "login-refused")
    /// The mechanism asked for is not offered; the value is one the server does offer.
    public static let mechanismNotOffered = Self(rawValue: "mechanism-not-offered")
    /// The credentials cannot travel with the mechanism asked for; the value is one that can carry them.
    public static let credentialsUnsendable = Self(rawValue: "credentials-unsendable")
}
