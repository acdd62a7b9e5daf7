import CLibcurl
import CheckKit

/// TLS and routing settings of an HTTP session, from the check's connection options.
public struct HTTPTLSOptions: Sendable {
    /// CA certificates (PEM file) to verify against, instead of the system store.
    public var caFile: String?
    /// A directory of hashed CA certificates.
    public var caPath: String?
    /// Skip certificate verification (the certificate's facts are still read).
    public var insecure: Bool
    /// Client certificate and key (PEM).
    public var clientCert: String?
    public var clientKey: String?
    /// Connect here (`-H`/`-p`) while the URL's name goes into SNI and verification.
    public var connectHost: String?
    public var connectPort: Int?
    /// 4 or 6 to force an address family.
    public var ipVersion: Int?

    /// Verifying TLS against the system store, no client certificate.
    public init(caFile: String? = nil, caPath: String? = nil, insecure: Bool = false, clientCert: String? = nil,
                clientKey: String? = nil, connectHost: String? = nil, connectPort: Int? = nil, ipVersion: Int? = nil) {
        self.caFile = caFile; self.caPath = caPath; self.insecure = insecure
        self.clientCert = clientCert; self.clientKey = clientKey
        self.connectHost = connectHost; self.connectPort = connectPort; self.ipVersion = ipVersion
    }

    /// The verification, client certificate and address family options an HTTP check shares
    /// with the mail checks (ConnectionOptions' specs), read once; `connect*` as above.
    public init(_ options: ParsedOptions, connectHost: String? = nil, connectPort: Int? = nil) throws(UsageError) {
        let clientKey = options.string("client-key")
        if clientKey != nil && options.string("client-cert") == nil { throw UsageError("--client-key needs --client-cert") }
        self.init(caFile: options.string("cacert"), caPath: options.string("capath"), insecure: options.flag("insecure"),
                  clientCert: options.string("client-cert"), clientKey: clientKey,
                  connectHost: connectHost, connectPort: connectPort, ipVersion: try ConnectionOptions.ipVersion(options))
    }

    /// The TLS settings of a check's `ConnectionOptions` (host and port are the URL's business).
    public init(_ c: ConnectionOptions) {
        self.init(caFile: c.caFile, caPath: c.caPath, insecure: c.insecure, clientCert: c.clientCert,
                  clientKey: c.clientKey, ipVersion: c.ipVersion)
    }
}

/// A browser-like HTTP session on one libcurl handle: connections kept alive between requests,
/// cookies in memory only, redirects followed here (capped, loops detected), bodies capped,
/// every request timed on one clock, and each failure a CheckError naming the phase.
public final class HTTPSession {
    /// Redirects followed per request at most.
    public let maxRedirects: Int
    /// The certificate of the first TLS handshake, when there was one.
    public private(set) var certificate: CertificateFacts?
    /// Every request made, in order, for `-vv` and for timing lines.
    public private(set) var log: [(phase: String, method: String, url: String, status: Int, seconds: Double)] = []
    /// libcurl's trace of the whole session (`-vvv`).
    public var transcript: Transcript { easy.transcript }

    let easy: CurlEasy
    let headerSink = HTTPHeaderSink()
    let deadline: Deadline
    let wording: any TransportWording
    let tls: HTTPTLSOptions
    let started = Deadline.now()
    let context: RunContext?
    var auth: (user: String, password: String, origin: String)?

    /// A session; `bodyLimit` caps each response body (default 4 MiB); a failed transfer is
    /// worded by `wording`, the check's.
    public init(tls: HTTPTLSOptions = HTTPTLSOptions(), deadline: Deadline, wording: any TransportWording, bodyLimit: Int = 4 << 20,
                maxRedirects: Int = 10, userAgent: String? = nil, context: RunContext? = nil) throws(CheckError) {
        self.tls = tls
        self.deadline = deadline
        self.wording = wording
        self.maxRedirects = maxRedirects
        self.context = context
        easy = try CurlEasy(redact: HTTPSession.redact, bodyLimit: bodyLimit, abortWhenFull: true)
        try easy.allowConnectionReuse(true)
        try easy.enableMemoryCookies()
        try easy.captureHeaders(into: headerSink)
        try easy.refuseLargerBodies()
        try easy.set(CURLOPT_USERAGENT, userAgent ?? "mailcheck/\(mailcheckTransportVersion) (monitoring)")
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        // HTTP/1.1 only: the slim libcurl that make install ships has no nghttp2, and curl's default
        // (HTTP/2 offered by ALPN on https) fails there before connecting: every https check was
        // UNKNOWN "Couldn't initialize nghttp2 callbacks" (scripts/build-slim-libcurl.sh, bench.d/webmail_login.sh).
        try easy.set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_1_1))
        if let v = tls.ipVersion { try easy.set(CURLOPT_IPRESOLVE, v == 4 ? Int(CURL_IPRESOLVE_V4) : Int(CURL_IPRESOLVE_V6)) }
        try easy.set(CURLOPT_SSL_VERIFYPEER, tls.insecure ? 0 : 1)
        try easy.set(CURLOPT_SSL_VERIFYHOST, tls.insecure ? 0 : 2)
        try easy.useCAs(file: tls.caFile, directory: tls.caPath)
        if let c = tls.clientCert { try easy.set(CURLOPT_SSLCERT, c) }
        if let k = tls.clientKey { try easy.set(CURLOPT_SSLKEY, k) }
        try easy.collectCertificate()
        if let host = tls.connectHost { try easy.connect(to: host, port: tls.connectPort) }
    }

    /// Sends HTTP basic authentication with every request to the origin of `url` (never to another origin a redirect leads to).
    public func useBasicAuth(user: String, password: String, for url: String) {
        auth = (user, password, HTTPURL.origin(url))
    }

    /// Sends `request`, following up to `maxRedirects` redirects when `followRedirects`; any
    /// status is returned (the caller judges 4xx/5xx), transport failures throw.
    public func send(_ request: HTTPRequest, followRedirects: Bool = true) throws(CheckError) -> HTTPResponse {
        let begin = Deadline.now()
        var current = request
        var hops: [HTTPHop] = []
        var seen: Set<String> = [request.method + " " + request.url]
        while true {
            let hop = try transfer(current)
            let status = hop.status
            guard followRedirects, [301, 302, 303, 307, 308].contains(status),
                  let location = easy.string(CURLINFO_REDIRECT_URL), !location.isEmpty else {
                let timing = HTTPTiming(startOffset: begin - started, total: Deadline.now() - begin,
                                        connect: hop.connect, tls: hop.tls, firstByte: hop.firstByte)
                return HTTPResponse(status: status, statusLine: headerSink.statusLine, headers: hop.headers,
                                    body: easy.body.bytes, effectiveURL: current.url, redirects: hops,
                                    phase: request.phase, timing: timing)
            }
            hops.append(HTTPHop(url: current.url, status: status, location: location, headers: hop.headers))
            // Browsers turn a redirected POST into a GET except for 307/308.
            if status == 303 || ((status == 301 || status == 302) && current.method == "POST") {
                current = HTTPRequest(location, headers: current.headers.filter { $0.name.lowercased() != "content-type" },
                                      phase: request.phase)
            } else {
                current.url = location
            }
            let key = current.method + " " + current.url
            if seen.contains(key) {
                throw .critical("\(request.phase): redirect loop at \(location.prefix(120))",
                                detail: hops.map { "\($0.status) \($0.url) -> \($0.location ?? "")" })
            }
            seen.insert(key)
            if hops.count > maxRedirects {
                throw .critical("\(request.phase): more than \(maxRedirects) redirects (last to \(location.prefix(120)))",
                                detail: hops.map { "\($0.status) \($0.url) -> \($0.location ?? "")" })
            }
        }
    }

    struct Hop { let status: Int; let headers: HTTPHeaders; let connect: Double?; let tls: Double?; let firstByte: Double? }

    /// One transfer without redirects.
    func transfer(_ request: HTTPRequest) throws(CheckError) -> Hop {
        guard !deadline.isExpired else { throw deadline.expiredError(while: "(\(request.phase))") }
        headerSink.reset()
        easy.body.reset()
        try easy.setURL(request.url)
        try easy.setMethod(request.method, body: request.body)
        try easy.setRequestHeaders(request.headers.map { "\($0.name): \($0.value)" })
        if let auth, HTTPURL.origin(request.url) == auth.origin {
            try easy.setBasicAuth(user: auth.user, password: auth.password)
        } else {
            try easy.setBasicAuth(user: nil, password: nil)
        }
        try easy.set(CURLOPT_TIMEOUT_MS, deadline.remainingMilliseconds)
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, deadline.remainingMilliseconds)
        context?.activity("\(request.phase): \(request.method) \(request.url.prefix(100))")
        let begin = Deadline.now()
        let outcome = easy.perform()
        let seconds = Deadline.now() - begin
        let status = easy.long(CURLINFO_RESPONSE_CODE) ?? 0
        log.append((request.phase, request.method, request.url, status, seconds))
        context?.log(2, "http: \(request.phase): \(request.method) \(request.url) -> \(status) in \(NumberFormat.seconds(seconds))")
        if certificate == nil, request.url.lowercased().hasPrefix("https:") {
            certificate = easy.peerCertificate()
        }
        guard outcome.ok else { throw HTTPErrors.error(outcome, request: request, deadline: deadline, body: easy.body,
                                                          osErrno: easy.long(CURLINFO_OS_ERRNO), wording: wording) }
        let connect = easy.seconds(CURLINFO_CONNECT_TIME_T)
        let handshake = easy.seconds(CURLINFO_APPCONNECT_TIME_T).map { $0 - (connect ?? 0) }
        return Hop(status: status, headers: HTTPHeaders(lines: headerSink.lines), connect: connect,
                   tls: handshake, firstByte: easy.seconds(CURLINFO_STARTTRANSFER_TIME_T))
    }

    /// Hides passwords in form bodies and Authorization headers of the trace.
    static let redact: @Sendable (String) -> String = { line in
        if line.lowercased().hasPrefix("authorization:") { return "Authorization: [redacted]" }
        return line
    }
}

/// The transport's version string for the User-Agent.
let mailcheckTransportVersion = "1"
