import CheckKit
import Testing
@testable import MailChecks
@testable import MailTransport

/// Connection and login options read under a set of names: the plain checks' `-H`, `-p`,
/// `--tls`, ... and the delivery check's sides (`--smtp-host`, `--imap-port`, `--pop3-tls`, ...,
/// `-H` as the host of a side that names none). Each error names the option the user typed.
@Suite struct OptionNamesTests {
    static func names(_ side: String) -> ConnectionOptionNames {
        switch side {
        case "smtp": DeliveryOptions.smtp
        case "imap": DeliveryOptions.imap
        default: DeliveryOptions.pop3
        }
    }

    static func ports(_ side: String) -> (Int, Int) {
        switch side {
        case "smtp": (25, 465)
        case "imap": (143, 993)
        default: (110, 995)
        }
    }

    /// One side's connection, read from `arguments` parsed against the delivery check's own specs.
    static func side(_ side: String, _ arguments: [String]) throws(UsageError) -> ConnectionOptions {
        let options = try OptionParser.parse(arguments, specs: DeliveryLatencyCheck.options)
        let (plain, implicit) = ports(side)
        return try ConnectionOptions(options, defaultPort: plain, implicitPort: implicit, names: names(side))
    }

    @Test func sideNamesArePrefixed() {
        let smtp = ConnectionOptionNames.side("smtp-")
        #expect([smtp.host, smtp.port, smtp.tls, smtp.starttls, smtp.sni] == ["smtp-host", "smtp-port", "smtp-tls", "smtp-starttls", "smtp-sni"])
        #expect(smtp.fallbackHost == "hostname")
        #expect(ConnectionOptionNames.standard.fallbackHost == nil)
        #expect(DeliveryOptions.pop3 == .side("pop3-"))
    }

    @Test("every name a side reads is declared", arguments: ["smtp", "imap", "pop3"])
    func sideNamesAreDeclared(side: String) {
        let declared = Set(DeliveryLatencyCheck.options.map(\.long))
        let names = Self.names(side)
        for name in [names.host, names.port, names.tls, names.starttls, names.sni, names.fallbackHost].compactMap({ $0 }) {
            #expect(declared.contains(name), "--\(name) read for \(side) but not declared")
        }
        let logins = [DeliveryOptions.smtpLogin, CredentialOptionNames.standard]
        for name in logins.flatMap({ (login: CredentialOptionNames) -> [String?] in [login.user, login.passwordFile, login.passwordEnv, login.password] }).compactMap({ $0 }) {
            #expect(declared.contains(name), "--\(name) read but not declared")
        }
        let standard = ConnectionOptionNames.standard
        let plain = Set(ConnectionOptions.specs(defaultPort: 1, implicitPort: 2).map(\.long))
        for name in [standard.host, standard.port, standard.tls, standard.starttls, standard.sni] {
            #expect(plain.contains(name), "--\(name)")
        }
    }

    /// (side, arguments, host, port, TLS, SNI)
    @Test("a side reads its own options and -H as the fallback host", arguments: [
        ("smtp", ["-H", "h"], "h", 25, TLSMode.plain, nil),
        ("smtp", ["-H", "h", "--smtp-host", "s", "--smtp-port", "587", "--smtp-starttls"], "s", 587, .startTLS, nil),
        ("smtp", ["-H", "h", "--smtp-tls", "--imap-port", "1", "--imap-host", "i"], "h", 465, .implicit, nil),
        ("imap", ["-H", "h", "--imap-tls", "--smtp-port", "587"], "h", 993, .implicit, nil),
        ("imap", ["--imap-host", "i", "--imap-sni", "mail.example", "--smtp-sni", "other"], "i", 143, .plain, "mail.example"),
        ("pop3", ["-H", "h", "--pop3-port", "1995", "--pop3-tls"], "h", 1995, .implicit, nil),
        ("pop3", ["-H", "h", "--imap-host", "i", "--pop3-starttls"], "h", 110, .startTLS, nil),
    ] as [(String, [String], String, Int, TLSMode, String?)])
    func sideReadsItsOwnOptions(side: String, arguments: [String], host: String, port: Int, tls: TLSMode, sni: String?) throws {
        let connection = try Self.side(side, arguments)
        #expect(connection.host == host)
        #expect(connection.port == port)
        #expect(connection.tls == tls)
        #expect(connection.sni == sni)
    }

    @Test("the shared options apply to every side", arguments: ["smtp", "imap", "pop3"])
    func sharedOptions(side: String) throws {
        let connection = try Self.side(side, ["-H", "h", "-4", "--cacert", "/ca", "--capath", "/d", "--insecure",
                                              "--client-cert", "/c", "--client-key", "/k"])
        #expect(connection.ipVersion == 4)
        #expect(connection.caFile == "/ca" && connection.caPath == "/d" && connection.insecure)
        #expect(connection.clientCert == "/c" && connection.clientKey == "/k")
        #expect(connection.certThresholds.isEmpty)
    }

    @Test("a side's errors name the option the user typed", arguments: [
        ("smtp", ["-H", "h", "--smtp-port", "x"], "invalid value 'x' for --smtp-port: expected a whole number from 1 to 65535"),
        ("imap", ["-H", "h", "--imap-port", "0"], "invalid value '0' for --imap-port: expected a whole number from 1 to 65535"),
        ("pop3", ["-H", "h", "--pop3-port", "70000"], "invalid value '70000' for --pop3-port: expected a whole number from 1 to 65535"),
        ("smtp", [], "missing --smtp-host (or -H/--hostname for both sides)"),
        ("imap", ["--smtp-host", "s"], "missing --imap-host (or -H/--hostname for both sides)"),
        ("pop3", ["--imap-host", "i"], "missing --pop3-host (or -H/--hostname for both sides)"),
        ("imap", ["-H", "h", "--imap-host", ""], "missing --imap-host"),
        ("imap", ["-H", ""], "missing -H/--hostname"),
        ("smtp", ["-H", "h", "--smtp-host", "a b"], "invalid value 'a b' for --smtp-host"),
        ("smtp", ["-H", "a/b"], "invalid value 'a/b' for -H/--hostname"),
        ("smtp", ["-H", "h", "--smtp-tls", "--smtp-starttls"], "give either --smtp-tls or --smtp-starttls, not both"),
        ("pop3", ["-H", "h", "--pop3-tls", "--pop3-starttls"], "give either --pop3-tls or --pop3-starttls, not both"),
        // The other side's flags are not this side's.
        ("imap", ["-H", "h", "--imap-tls", "--smtp-starttls", "--imap-port", "x"], "invalid value 'x' for --imap-port: expected a whole number from 1 to 65535"),
        ("imap", ["-H", "h", "-4", "-6"], "give either -4 or -6, not both"),
        ("smtp", ["-H", "h", "--client-key", "/k"], "--client-key needs --client-cert"),
    ] as [(String, [String], String)])
    func sideErrorsNameTheOption(side: String, arguments: [String], message: String) {
        #expect(usage { () throws(UsageError) in try Self.side(side, arguments) } == message)
    }

    @Test("the plain checks' errors keep the standard names", arguments: [
        ([String](), "missing -H/--hostname"),
        (["-H", ""], "missing -H/--hostname"),
        (["-H", "a b"], "invalid value 'a b' for -H/--hostname"),
        (["-H", "h", "-p", "x"], "invalid value 'x' for -p/--port: expected a whole number from 1 to 65535"),
        (["-H", "h", "--tls", "--starttls"], "give either --tls or --starttls, not both"),
        (["-H", "h", "--cert-warning", "10"], "--cert-warning/--cert-critical need --tls or --starttls"),
    ])
    func standardErrors(arguments: [String], message: String) {
        #expect(usage { () throws(UsageError) in
            let options = try OptionParser.parse(arguments, specs: ConnectionOptions.specs(defaultPort: 143, implicitPort: 993))
            return try ConnectionOptions(options, defaultPort: 143, implicitPort: 993)
        } == message)
    }

    @Test("the delivery check's two logins: -U for the mailbox, --smtp-user for SMTP")
    func deliveryLogins() throws {
        let options = try OptionParser.parse(["-U", "bob", "--password-file", "/pw", "--smtp-user", "sam", "--smtp-password-env", "PW"],
                                             specs: DeliveryLatencyCheck.options)
        #expect(try Credentials(options).username == "bob")
        #expect(try Credentials(options, names: DeliveryOptions.smtpLogin).username == "sam")
        let onlyMailbox = try OptionParser.parse(["-U", "bob", "--password-file", "/pw"], specs: DeliveryLatencyCheck.options)
        #expect(try !Credentials(onlyMailbox, names: DeliveryOptions.smtpLogin).isSet)
        let both = try OptionParser.parse(["--smtp-user", "s", "--smtp-password-file", "/f", "--smtp-password-env", "E"],
                                          specs: DeliveryLatencyCheck.options)
        #expect(usage { () throws(UsageError) in try Credentials(both, names: DeliveryOptions.smtpLogin) }
                == "give either --smtp-password-file or --smtp-password-env, not both")
    }

    @Test("the other receiving side's options are refused, by their names", arguments: [
        (["--pop3", "-H", "h", "-U", "b@x", "--imap-sni", "x"], "--imap-sni does not apply with --pop3"),
        (["--pop3", "-H", "h", "-U", "b@x", "--imap-starttls"], "--imap-starttls does not apply with --pop3"),
        (["-H", "h", "-U", "b@x", "--pop3-host", "p"], "--pop3-host needs --pop3"),
        (["-H", "h", "-U", "b@x", "--pop3-auth-mechanism", "USER"], "--pop3-auth-mechanism needs --pop3"),
    ])
    func otherSideIsRefused(arguments: [String], message: String) {
        let (status, text) = PluginRunner.execute(DeliveryLatencyCheck.self, arguments: arguments)
        #expect(status == .unknown)
        #expect(text.hasPrefix("DELIVERY_LATENCY UNKNOWN - \(message)\n"), "\(text)")
    }

    /// The -t budget reaches the checks' option checks through the run context (no second parse of -t).
    @Test("--stale-after is checked against -t as the runner parsed it", arguments: [
        (["-H", "h", "-U", "b@x", "-t", "20", "--stale-after", "15"], "--stale-after (15 s) must be longer than -t (20 s)"),
        (["-H", "h", "-U", "b@x", "-t", "20:warning", "--stale-after", "20"], "--stale-after (20 s) must be longer than -t (20 s)"),
    ])
    func staleAfterFitsTheDeadline(arguments: [String], message: String) {
        let (status, text) = PluginRunner.execute(DeliveryLatencyCheck.self, arguments: arguments)
        #expect(status == .unknown)
        #expect(text.hasPrefix("DELIVERY_LATENCY UNKNOWN - \(message): "), "\(text)")
    }

    @Test("the DAV checks check --stale-after against -t from the run context", arguments: [
        ("caldav", ["-u", "http://h/", "-U", "u", "--write", "-t", "40", "--stale-after", "35"]),
        ("carddav", ["-u", "http://h/", "-U", "u", "--write", "-t", "40", "--stale-after", "35"]),
    ])
    func davStaleAfterFitsTheDeadline(check: String, arguments: [String]) {
        let type: any MonitoringCheck.Type = check == "caldav" ? CalDAVCheck.self : CardDAVCheck.self
        let (status, text) = PluginRunner.execute(type, arguments: arguments)
        #expect(status == .unknown)
        #expect(text.hasPrefix("\(type.pluginName) UNKNOWN - --stale-after (35 s) must be longer than -t (40 s): "), "\(text)")
    }

    func usage<T>(_ body: () throws(UsageError) -> T) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return error.message
        }
    }
}
