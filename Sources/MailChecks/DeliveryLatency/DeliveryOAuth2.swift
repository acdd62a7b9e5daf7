import CheckKit
import MailTransport

extension DeliveryLatencyCheck {
    /// The usage rules of OAuth2Options.validate, for both sides: the receiving side's
    /// --oauth2-* with --imap-/--pop3-auth-mechanism, the SMTP side's --smtp-oauth2-*.
    func validateOAuth2() throws(UsageError) {
        if usePOP3 {
            try OAuth2Options.validate(oauth2, mechanism: pop3Mechanism, credentials: mailboxCredentials, option: "--pop3-auth-mechanism")
        } else {
            try OAuth2Options.validate(oauth2, mechanism: imapMechanism, credentials: mailboxCredentials, option: "--imap-auth-mechanism")
        }
        if smtpCredentials.isSet || smtpOAuth2.isSet {
            guard smtpCredentials.isSet else { throw UsageError("--smtp-oauth2-* options need --smtp-user") }
            try OAuth2Options.validate(smtpOAuth2, mechanism: smtpMechanism,
                                       credentials: smtpCredentials, option: "--smtp-auth-mechanism")
        }
    }

    /// The receiving side's password, or its OAuth2 access token (cached; a probe is sent
    /// only after this login worked, so no refetch-and-retry is needed to stay safe).
    func receiverSecret<M: LoginMechanism>(_ mechanism: M, _ context: RunContext) throws(CheckError) -> String {
        guard mechanism.isOAuth else { return try mailboxCredentials.password() }
        return try OAuth2Token(oauth2, user: mailboxCredentials.username ?? "").get(refetch: false, context: context).token
    }

    /// The SMTP side's password, or its OAuth2 access token.
    func smtpSecret(_ context: RunContext) throws(CheckError) -> String {
        guard smtpMechanism.isOAuth else { return try smtpCredentials.password() }
        return try OAuth2Token(smtpOAuth2, user: smtpCredentials.username ?? "").get(refetch: false, context: context).token
    }
}
