import CheckKit
import MailTransport

/// The two ends of a delivery probe have their own host, port, TLS mode and login, while the
/// shared connection types read fixed option names (`-H`, `--tls`, `-U`, ...). These helpers
/// hand each side's options to them under those names and put the side's names back into any
/// error, so a message always names the option the user typed.
enum DeliveryOptions {
    /// Options every side has, by the suffix after `--smtp-` / `--imap-`.
    static func sideSpecs(_ side: String, label: String, defaultPort: Int, implicitPort: Int,
                          mechanisms: String = "PLAIN|LOGIN", defaultMechanism: String = "PLAIN") -> [OptionSpec] {
        [
            OptionSpec("\(side)-host", value: "HOST", help: "\(label) host (default: -H)."),
            OptionSpec("\(side)-port", value: "PORT", help: "\(label) port (default \(defaultPort), or \(implicitPort) with --\(side)-tls)."),
            OptionSpec("\(side)-tls", help: "\(label): implicit TLS from the first byte."),
            OptionSpec("\(side)-starttls", help: "\(label): require STARTTLS; fail if the server does not offer it."),
            OptionSpec("\(side)-sni", value: "NAME", help: "\(label): server name to send in TLS SNI and to verify, when it differs from the host."),
            OptionSpec("\(side)-auth-mechanism", value: mechanisms, help: "\(label): how to log in (default \(defaultMechanism))."),
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

    /// One side's connection, built by ConnectionOptions from the side's options.
    static func connection(_ options: ParsedOptions, side: String, defaultPort: Int, implicitPort: Int) throws(UsageError) -> ConnectionOptions {
        let own = options.string("\(side)-host")
        guard let host = own ?? options.string("hostname") else {
            throw UsageError("missing --\(side)-host (or -H/--hostname for both sides)")
        }
        var args = ["--hostname=\(host)"]
        if let port = options.string("\(side)-port") { args.append("--port=\(port)") }
        if options.flag("\(side)-tls") { args.append("--tls") }
        if options.flag("\(side)-starttls") { args.append("--starttls") }
        if let sni = options.string("\(side)-sni") { args.append("--sni=\(sni)") }
        for shared in ["cacert", "capath", "client-cert", "client-key"] {
            if let value = options.string(shared) { args.append("--\(shared)=\(value)") }
        }
        for flag in ["insecure", "ipv4", "ipv6"] where options.flag(flag) { args.append("--\(flag)") }
        var renames = [("-p/--port", "--\(side)-port"), ("--starttls", "--\(side)-starttls"), ("--tls", "--\(side)-tls"), ("--sni", "--\(side)-sni")]
        if own != nil { renames.insert(("-H/--hostname", "--\(side)-host"), at: 0) }
        do {
            let parsed = try OptionParser.parse(args, specs: ConnectionOptions.specs(defaultPort: defaultPort, implicitPort: implicitPort))
            return try ConnectionOptions(parsed, defaultPort: defaultPort, implicitPort: implicitPort)
        } catch {
            throw UsageError(rename(error.message, renames))
        }
    }

    /// One side's login: `-U`/`--password-file`/... for IMAP, `--smtp-user`/`--smtp-password-file`/... for SMTP.
    static func credentials(_ options: ParsedOptions, names: CredentialNames) throws(UsageError) -> Credentials {
        var args: [String] = []
        if let user = options.string(names.user) { args.append("--username=\(user)") }
        if let file = options.string(names.file) { args.append("--password-file=\(file)") }
        if let env = options.string(names.env) { args.append("--password-env=\(env)") }
        if let name = names.text, let text = options.string(name) { args.append("--password=\(text)") }
        do {
            return try Credentials(OptionParser.parse(args, specs: Credentials.specs()))
        } catch {
            throw UsageError(rename(error.message, names.renames))
        }
    }

    /// The password of a side, with the side's option names in any error.
    static func password(_ credentials: Credentials, names: CredentialNames) throws(CheckError) -> String {
        do {
            return try credentials.password()
        } catch {
            throw CheckError(error.status, rename(error.message, names.renames), detail: error.detail)
        }
    }

    /// The option names of one side's login; `text` is nil for a side without a password option.
    struct CredentialNames {
        let user: String, file: String, env: String, text: String?
        let userShown: String

        static let imap = CredentialNames(user: "username", file: "password-file", env: "password-env", text: "password", userShown: "-U/--username")
        static let smtp = CredentialNames(user: "smtp-user", file: "smtp-password-file", env: "smtp-password-env", text: nil, userShown: "--smtp-user")

        var renames: [(String, String)] {
            // Without a password option, the message about too many sources must not name one.
            let password: [(String, String)] = text == nil
                ? [("give only one of -P/--password, --password-file and --password-env", "give either --\(file) or --\(env), not both")] : []
            return password + [("-U/--username", userShown), ("--password-file", "--\(file)"), ("--password-env", "--\(env)")]
        }
    }

    /// Replaces option names in a message, each once, longest first so `--tls` never eats `--starttls`.
    static func rename(_ message: String, _ pairs: [(String, String)]) -> String {
        var out = message
        var placeholders: [(String, String)] = []
        for (index, pair) in pairs.enumerated() where out.contains(pair.0) {
            let mark = "\u{1}\(index)\u{1}"
            out = out.replacingAll(pair.0, with: mark)
            placeholders.append((mark, pair.1))
        }
        for (mark, name) in placeholders { out = out.replacingAll(mark, with: name) }
        return out
    }
}

extension String {
    /// Every occurrence of `target` replaced, without Foundation.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
