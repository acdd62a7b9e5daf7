import CheckKit

/// The phases of an SMTP conversation, as the SMTP timeline measures them.
public enum SMTPPhase: String, ConnectionPhase {
    case resolve, connect, tls, banner, ehlo, auth, quit
    /// MAIL FROM to the acceptance of the message (a submission only, not a session check).
    case transaction

    /// The phases of a session without a message (check_smtp_session's `--phase-warning` names).
    public static let session: [SMTPPhase] = [.resolve, .connect, .tls, .banner, .ehlo, .auth, .quit]
}
