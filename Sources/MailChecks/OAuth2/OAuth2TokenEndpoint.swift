import CLibcurl
import CheckKit
import MailTransport

/// A token the endpoint issued: the access token, when it expires, and a rotated refresh token.
struct OAuth2IssuedToken: Sendable, Equatable {
    let accessToken: String
    /// Seconds since the epoch; the endpoint's expires_in added to the time of the request.
    let expires: Double
    /// A new refresh token, when the endpoint rotated it (the old one may no longer work).
    let refreshToken: String?
}

/// One POST to an OAuth2 token endpoint (RFC 6749 4.4 and 6), through libcurl. Secrets go in
/// the request body (client_secret_post, which Microsoft and Google both take), never on a
/// command line, and the transcript keeps none of the request or reply.
struct OAuth2TokenEndpoint {
    let url: String
    let clientID: String
    let clientSecret: String?
    let caFile: String?

    /// Asks for an access token; failures are named as the operator must act on them.
    func request(_ form: [(String, String)], now: Double, deadline: Deadline, log: RunContext?) throws(CheckError) -> OAuth2IssuedToken {
        var fields = form + [("client_id", clientID)]
        if let clientSecret { fields.append(("client_secret", clientSecret)) }
        let body = fields.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joinedText("&")
        let easy = try CurlEasy(redact: { _ in "***" }, bodyLimit: 64 << 10)
        try easy.set(CURLOPT_URL, url)
        // The token request is the only HTTP this check makes: no redirects, no other scheme.
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try easy.set(CURLOPT_FOLLOWLOCATION, 0)
        try easy.set(CURLOPT_COPYPOSTFIELDS, body)
        try easy.set(CURLOPT_HTTPHEADER, list: ["Accept: application/json", "Content-Type: application/x-www-form-urlencoded"])
        if url.lowercased().hasPrefix("https:") { try easy.useCAs(file: caFile, directory: nil) }
        let remaining = max(1, Int((deadline.remaining * 1000).rounded(.down)))
        try easy.set(CURLOPT_TIMEOUT_MS, remaining)
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, remaining)
        let grant = form.first(where: { $0.0 == "grant_type" })?.1 ?? "?"
        log?.activity("waiting for the OAuth2 token endpoint")
        let outcome = easy.perform()
        let status = easy.long(CURLINFO_RESPONSE_CODE) ?? 0
        log?.log(2, "oauth2: POST \(url) grant_type=\(grant) client_id=\(clientID) -> \(outcome.ok ? "HTTP \(status)" : outcome.message)")
        guard outcome.ok else {
            if outcome.code == CURLE_OPERATION_TIMEDOUT {
                throw CheckError(deadline.expiryStatus, "OAuth2 token endpoint \(url) did not answer in time")
            }
            throw .critical("OAuth2 token endpoint unreachable: \(outcome.message)")
        }
        return try Self.interpret(status: status, body: easy.body.bytes, now: now, url: url)
    }

    /// The token from a reply, or the error it names (RFC 6749 5.2).
    static func interpret(status: Int, body: [UInt8], now: Double, url: String) throws(CheckError) -> OAuth2IssuedToken {
        let json = OAuth2JSON.parse(body)
        if let error = json?.strings["error"] {
            let description = json?.strings["error_description"].map { ": \(SafeText.quote(String($0.prefix(160))))" } ?? ""
            switch error {
            case "invalid_grant":
                throw .critical("OAuth2 refresh token rejected (invalid_grant): revoked or expired, a human must authorize again", detail: ["token endpoint \(url) said invalid_grant\(description)"])
            case "invalid_client", "unauthorized_client":
                throw .critical("OAuth2 client rejected by the token endpoint (\(error))", detail: ["token endpoint \(url) said \(error)\(description)"])
            default:
                throw .critical("OAuth2 token endpoint refused: \(SafeText.quote(String(error.prefix(60))))", detail: ["HTTP \(status)\(description)"])
            }
        }
        guard (200..<300).contains(status) else {
            throw .critical("OAuth2 token endpoint answered HTTP \(status)")
        }
        guard let json, let token = json.strings["access_token"], !token.isEmpty,
              token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw .critical("OAuth2 token endpoint sent no usable access_token")
        }
        // Without expires_in (it is only RECOMMENDED) a token is kept for five minutes.
        let lifetime = json.numbers["expires_in"].map { min(max($0, 0), 366 * 86400) } ?? 300
        let rotated = json.strings["refresh_token"].flatMap { $0.isEmpty ? nil : $0 }
        return OAuth2IssuedToken(accessToken: token, expires: now + lifetime, refreshToken: rotated)
    }

    /// application/x-www-form-urlencoded: unreserved bytes as they are, the rest %XX.
    static func formEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}
