import CLibcurl
import CheckKit

/// How a connection is secured.
public enum TLSMode: Sendable, Equatable {
    case plain
    /// STARTTLS (STLS for POP3), required: the check fails if the server does not offer it.
    case startTLS
    /// TLS from the first byte (SMTPS 465, IMAPS 993, POP3S 995).
    case implicit
}

/// The option names one connection is read under: `-H`, `-p`, `--tls`, `--starttls` and `--sni`
/// for a check with one server, or a side's own (`--smtp-host`, `--smtp-port`, ...) in a check
/// with two, where `-H` is the host of every side that names none. The certificate and
/// address-family options (`--cacert`, `--insecure`, `-4`, ...) are shared and never prefixed.
public struct ConnectionOptionNames: Sendable, Equatable {
    /// The host option (`hostname`, `smtp-host`).
    public let host: String
    /// The host option read when `host` is not given (`hostname` for a side), nil for none.
    public let fallbackHost: String?
    /// The port option (`port`, `smtp-port`).
    public let port: String
    /// The implicit-TLS flag (`tls`, `smtp-tls`).
    public let tls: String
    /// The STARTTLS flag (`starttls`, `smtp-starttls`).
    public let starttls: String
    /// The SNI name option (`sni`, `smtp-sni`).
    public let sni: String

    /// Names for one connection; long names without dashes.
    public init(host: String, fallbackHost: String?, port: String, tls: String, starttls: String, sni: String) {
        self.host = host
        self.fallbackHost = fallbackHost
        self.port = port
        self.tls = tls
        self.starttls = starttls
        self.sni = sni
    }

    /// `-H/--hostname`, `-p/--port`, `--tls`, `--starttls`, `--sni`: what `ConnectionOptions.specs` declares.
    public static let standard = ConnectionOptionNames(host: "hostname", fallbackHost: nil, port: "port",
                                                       tls: "tls", starttls: "starttls", sni: "sni")

    /// One side's names, `prefix` before each (`smtp-` gives `--smtp-host`, `--smtp-port`, ...),
    /// with `-H/--hostname` as the host when the side names none.
    public static func side(_ prefix: String) -> ConnectionOptionNames {
        ConnectionOptionNames(host: prefix + "host", fallbackHost: "hostname", port: prefix + "port",
                              tls: prefix + "tls", starttls: prefix + "starttls", sni: prefix + "sni")
    }
}

/// Host, port, address family and TLS settings shared by every network check.
public struct ConnectionOptions: Sendable {
    /// The options every network check shares.
    public static func specs(defaultPort: Int, implicitPort: Int) -> [OptionSpec] {
        [
            OptionSpec("hostname", short: "H", value: "HOST", help: "Host name or address to connect to."),
            OptionSpec("port", short: "p", value: "PORT", help: "Port (default \(defaultPort), or \(implicitPort) with --tls)."),
        ] + addressFamilySpecs + [
            OptionSpec("tls", help: "Implicit TLS: TLS from the first byte."),
            OptionSpec("starttls", help: "Require STARTTLS; fail if the server does not offer it."),
        ] + certificateSpecs + [
            OptionSpec("sni", value: "NAME", help: "Server name to send in TLS SNI and to verify, when it differs from -H."),
        ] + expirySpecs
    }

    /// -4/-6, which every network check has (the mail checks and the HTTP ones).
    public static var addressFamilySpecs: [OptionSpec] {
        [OptionSpec("ipv4", short: "4", help: "Connect over IPv4 only."),
         OptionSpec("ipv6", short: "6", help: "Connect over IPv6 only.")]
    }

    /// How the server certificate is verified and which client certificate is shown.
    public static var certificateSpecs: [OptionSpec] {
        [OptionSpec("cacert", value: "FILE", help: "Verify the server certificate against the CA certificates in FILE."),
         OptionSpec("capath", value: "DIR", help: "Verify against the CA certificates in DIR (hashed names)."),
         OptionSpec("insecure", help: "Do not verify the server certificate (it is verified by default)."),
         OptionSpec("client-cert", value: "FILE", help: "Client certificate (PEM) to present."),
         OptionSpec("client-key", value: "FILE", help: "Private key (PEM) of the client certificate.")]
    }

    /// Days-left thresholds on the server certificate.
    public static var expirySpecs: [OptionSpec] {
        [OptionSpec("cert-warning", value: "DAYS", help: "WARNING when the server certificate expires in fewer than DAYS days."),
         OptionSpec("cert-critical", value: "DAYS", help: "CRITICAL when the server certificate expires in fewer than DAYS days.")]
    }

    /// -4/-6 as 4, 6 or nil; both at once is a usage error.
    public static func ipVersion(_ options: ParsedOptions) throws(UsageError) -> Int? {
        if options.flag("ipv4") && options.flag("ipv6") { throw UsageError("give either -4 or -6, not both") }
        return options.flag("ipv4") ? 4 : (options.flag("ipv6") ? 6 : nil)
    }

    /// --cert-warning/--cert-critical DAYS as ranges (`N:` alerts below N days), empty when not given.
    public static func expiryThresholds(_ options: ParsedOptions) throws(UsageError) -> Thresholds {
        let warn = try options.double("cert-warning", in: 0...100000)
        let crit = try options.double("cert-critical", in: 0...100000)
        return Thresholds(
            warning: warn.map { ThresholdRange(start: $0, end: .infinity, text: NumberFormat.decimal($0) + ":") },
            critical: crit.map { ThresholdRange(start: $0, end: .infinity, text: NumberFormat.decimal($0) + ":") })
    }

    /// The host name or address to connect to.
    public let host: String
    /// The TCP port.
    public let port: Int
    /// 4 or 6 when -4/-6 forced an address family.
    public let ipVersion: Int?
    /// Plain, STARTTLS or implicit TLS.
    public let tls: TLSMode
    /// CA bundle to verify the server with (--cacert).
    public let caFile: String?
    /// Directory of CA certificates (--capath).
    public let caPath: String?
    /// Skip certificate verification (--insecure).
    public let insecure: Bool
    /// Client certificate file.
    public let clientCert: String?
    /// Client certificate key file.
    public let clientKey: String?
    /// Server name to send and verify instead of the host.
    public let sni: String?
    /// Days-left thresholds as ranges (`N:` alerts below N), or empty.
    public let certThresholds: Thresholds

    /// Reads the connection options under `names`; `implicitPort` is the default with TLS.
    /// Every error names the option as it was declared (`-p/--port`, `--smtp-port`).
    public init(_ options: ParsedOptions, defaultPort: Int, implicitPort: Int,
                names: ConnectionOptionNames = .standard) throws(UsageError) {
        // A side's own host wins over the shared one, even when it is empty (that is an error).
        let hostOption = options.string(names.host) == nil ? (names.fallbackHost ?? names.host) : names.host
        guard let host = options.string(hostOption), !host.isEmpty else {
            if options.string(hostOption) == nil, let fallback = names.fallbackHost {
                throw UsageError("missing \(options.displayName(names.host)) (or \(options.displayName(fallback)) for both sides)")
            }
            throw UsageError("missing \(options.displayName(hostOption))")
        }
        guard !host.contains(where: { $0 == "/" || $0 == " " || $0 == "@" || $0 == "?" || $0 == "#" }) else {
            throw UsageError("invalid value '\(host)' for \(options.displayName(hostOption))")
        }
        self.host = host
        let tlsOption = options.displayName(names.tls), starttlsOption = options.displayName(names.starttls)
        if options.flag(names.tls) && options.flag(names.starttls) {
            throw UsageError("give either \(tlsOption) or \(starttlsOption), not both")
        }
        tls = options.flag(names.tls) ? .implicit : (options.flag(names.starttls) ? .startTLS : .plain)
        port = try options.int(names.port, default: tls == .implicit ? implicitPort : defaultPort, in: 1...65535)
        ipVersion = try Self.ipVersion(options)
        caFile = options.string("cacert")
        caPath = options.string("capath")
        insecure = options.flag("insecure")
        clientCert = options.string("client-cert")
        clientKey = options.string("client-key")
        if clientKey != nil && clientCert == nil { throw UsageError("--client-key needs --client-cert") }
        sni = options.string(names.sni)
        certThresholds = try Self.expiryThresholds(options)
        if !certThresholds.isEmpty && tls == .plain {
            throw UsageError("--cert-warning/--cert-critical need \(tlsOption) or \(starttlsOption)")
        }
    }

    /// `host:port` of -H as people write it (IPv6 in brackets).
    public var endpoint: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }

    /// The host as it goes into a URL: the SNI name when given, brackets for IPv6 literals.
    public var urlHost: String {
        let name = sni ?? host
        return name.contains(":") ? "[\(name)]" : name
    }

    /// Applies address family, TLS verification and client certificate to a handle.
    public func apply(to easy: CurlEasy) throws(CheckError) {
        if let ipVersion { try easy.set(CURLOPT_IPRESOLVE, ipVersion == 4 ? Int(CURL_IPRESOLVE_V4) : Int(CURL_IPRESOLVE_V6)) }
        if let sni, sni != host {
            // Connect to -H while the URL (and so SNI and verification) carries the SNI name.
            let target = host.contains(":") ? "[\(host)]" : host
            try easy.set(CURLOPT_CONNECT_TO, list: ["\(urlHost):\(port):\(target):\(port)"])
            easy.transcript.peerName = host
        }
        if tls == .startTLS { try easy.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        guard tls != .plain else { return }
        try easy.set(CURLOPT_SSL_VERIFYPEER, insecure ? 0 : 1)
        try easy.set(CURLOPT_SSL_VERIFYHOST, insecure ? 0 : 2)
        try easy.useCAs(file: caFile, directory: caPath)
        if let clientCert { try easy.set(CURLOPT_SSLCERT, clientCert) }
        if let clientKey { try easy.set(CURLOPT_SSLKEY, clientKey) }
        try easy.collectCertificate()
    }

    /// Overall and connect timeouts from the time left; curl's own timeout comes slightly
    /// before the watchdog so the message can say what was pending.
    public func applyTimeouts(to easy: CurlEasy, deadline: Deadline) throws(CheckError) {
        try easy.set(CURLOPT_TIMEOUT_MS, deadline.remainingMilliseconds)
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, deadline.remainingMilliseconds)
    }
}
