import CheckKit
import MailTransport

/// The two ends of a delivery probe have their own host, port, TLS mode and login. Each side's
/// options are read under the side's own names (`ConnectionOptionNames.side`,
/// `CredentialOptionNames`), so a message always names the option the user typed.
enum DeliveryOptions {
    /// The SMTP side's connection options: `--smtp-host`, `--smtp-port`, ...
    static let smtp = ConnectionOptionNames.side("smtp-")
    /// The IMAP side's: `--imap-host`, `--imap-port`, ...
    static let imap = ConnectionOptionNames.side("imap-")
    /// The POP3 side's (with --pop3): `--pop3-host`, `--pop3-port`, ...
    static let pop3 = ConnectionOptionNames.side("pop3-")

    /// The SMTP side's login. It has no password option: the SMTP password never goes on a
    /// command line (ps shows it). The receiving side's login is `CredentialOptionNames.standard`.
    static let smtpLogin = CredentialOptionNames(user: "smtp-user", passwordFile: "smtp-password-file",
                                                 passwordEnv: "smtp-password-env", password: nil)

    /// Options every side has, `prefix` before each: the host, port, TLS flags and SNI that
    /// `ConnectionOptionNames.side(prefix)` reads, and the login mechanism.
    static func sideSpecs(_ prefix: String, label: String, defaultPort: Int, implicitPort: Int,
                          mechanisms: String = "PLAIN|LOGIN", defaultMechanism: String = "PLAIN") -> [OptionSpec] {
        let names = ConnectionOptionNames.side(prefix)
        return [
            OptionSpec(names.host, value: "HOST", help: "\(label) host (default: -H)."),
            OptionSpec(names.port, value: "PORT", help: "\(label) port (default \(defaultPort), or \(implicitPort) with --\(names.tls))."),
            OptionSpec(names.tls, help: "\(label): implicit TLS from the first byte."),
            OptionSpec(names.starttls, help: "\(label): require STARTTLS; fail if the server does not offer it."),
            OptionSpec(names.sni, value: "NAME", help: "\(label): server name to send in TLS SNI and to verify, when it differs from the host."),
            OptionSpec("\(prefix)auth-mechanism", value: mechanisms, help: "\(label): how to log in (default \(defaultMechanism))."),
        ]
    }

    /// TLS and address-family options that apply to both sides.
    static let sharedSpecs: [OptionSpec] = [
        OptionSpec("hostname", short: "H", value: "HOST", help: "Host for both sides unless --smtp-host or --imap-host (--pop3-host) say otherwise."),
        OptionSpec("ipv4", short: "4", help: "Connect over IPv4 only."),
        OptionSpec("ipv6", short: "6", help: "Connect over IPv6 only."),
        OptionSpec("cacert", value: "FILE", help: "Verify both servers' certificates against the CA certificates in FILE."),
        OptionSpec("capath", value: "DIR", help: "Verify against the CA certificates in DIR (hashed names)."),
        OptionSpec("insecure", help: "Do not verify the servers' certificates (they are verified by default)."),
        OptionSpec("client-cert", value: "FILE", help: "Client certificate (PEM) to present to both servers."),
        OptionSpec("client-key", value: "FILE", help: "Private key (PEM) of the client certificate."),
    ]
}
