import CheckKit
import MailTransport

/// DAV requests over an `HTTPSession`: PROPFIND and REPORT with their multistatus read, and the
/// status codes a DAV server answers turned into errors that name the step.
struct DAVClient {
    let http: HTTPSession
    let user: String
    /// The largest body the XML parser reads (the session caps downloads at the same size).
    let maxBody: Int

    /// A PROPFIND or REPORT whose answer must be a 207 multistatus.
    func multistatus(_ method: String, _ url: String, depth: Int, body: String, phase: String) throws(CheckError) -> (DAVResponseSet) {
        let request = HTTPRequest(url, method: method,
                                  headers: [("Depth", String(depth)), ("Content-Type", "application/xml; charset=utf-8")],
                                  body: Array(body.utf8), phase: phase)
        let response = try http.send(request)
        try judge(response, expecting: [207])
        do {
            return DAVResponseSet(resources: try DAVMultistatus.parse(response.body, maxBytes: maxBody), response: response)
        } catch {
            throw .critical("\(phase): \(error)", detail: ["request: \(method) \(url)"])
        }
    }

    /// Turns an unexpected status into the error a user can act on.
    func judge(_ response: HTTPResponse, expecting accepted: Set<Int>) throws(CheckError) {
        let phase = response.phase
        let url = String(response.effectiveURL.prefix(120))
        if accepted.contains(response.status) {
            if response.status == 207, let type = response.headers["Content-Type"]?.lowercased(), type.containsText("html") {
                throw .critical("\(phase): not a DAV server (an HTML answer with 207 from \(url))")
            }
            return
        }
        let detail = ["answer: \(response.statusLine)", "Content-Type: \(response.headers["Content-Type"] ?? "none")",
                      "DAV header: \(response.headers["DAV"] ?? "none")"]
        switch response.status {
        case 401:
            throw .critical("\(phase): authentication failed for \(user) (HTTP 401)", detail: detail)
        case 403:
            throw .critical("\(phase): HTTP 403 forbidden: \(user) has no right to \(url)", detail: detail)
        case 404:
            throw .critical("\(phase): HTTP 404 not found: \(url)", detail: detail)
        case 200...299 where response.headers["DAV"] == nil:
            let type = response.headers["Content-Type"].map { " (\(SafeText.bounded($0, limit: 40)))" } ?? ""
            throw .critical("\(phase): not a DAV server: HTTP \(response.status)\(type) without a DAV header from \(url)", detail: detail)
        default:
            try response.require(200...206)
            throw .critical("\(phase): HTTP \(response.status) where \(accepted.sorted().map(String.init).joinedText("/")) was expected from \(url)",
                            detail: detail)
        }
    }
}

/// A parsed multistatus with the HTTP answer it came in.
struct DAVResponseSet {
    let resources: [DAVResource]
    let response: HTTPResponse

    /// The first response whose href, resolved, is `url` (servers may or may not repeat the host).
    func resource(for url: String) -> DAVResource? {
        resources.first { DAVPath.same(HTTPURL.resolve($0.href, against: response.effectiveURL), url) }
    }
}

/// URL comparisons for hrefs: servers may answer with an absolute URL or a path, and with or
/// without a trailing slash on collections.
enum DAVPath {
    /// True when both URLs name the same resource (trailing slash and scheme/host case ignored).
    static func same(_ a: String, _ b: String) -> Bool { normal(a) == normal(b) }

    static func normal(_ url: String) -> String {
        var path = url
        if let r = path.firstRange(ofText: "://") {
            let rest = path[r.upperBound...]
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            path = HTTPURL.origin(url) + rest[slash...]
        }
        while path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// The last path segment of an href, percent-decoding left to the caller.
    static func lastSegment(_ href: String) -> String {
        var path = href
        while path.hasSuffix("/") { path.removeLast() }
        return String(path.split(separator: "/").last ?? "")
    }
}
