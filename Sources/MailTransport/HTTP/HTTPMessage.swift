import CheckKit

/// One HTTP request: method (any token: GET, POST, PROPFIND, REPORT, PUT, DELETE, ...), URL,
/// headers, optional body, and the phase name that its timing and its errors carry.
public struct HTTPRequest: Sendable {
    /// The method token, upper case.
    public var method: String
    /// The absolute URL.
    public var url: String
    /// Extra headers as `(name, value)`, sent in order.
    public var headers: [(name: String, value: String)]
    /// The body, for methods that send one.
    public var body: [UInt8]?
    /// The step this request belongs to (`login page`, `login`, `propfind`), for timings and errors.
    public var phase: String

    /// A request; `phase` names the step in timings and error messages.
    public init(_ url: String, method: String = "GET", headers: [(name: String, value: String)] = [],
                body: [UInt8]? = nil, phase: String) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.phase = phase
    }

    /// A form POST (`application/x-www-form-urlencoded`) of `fields` in order.
    public static func form(_ url: String, fields: [(String, String)], phase: String,
                            headers: [(name: String, value: String)] = []) -> HTTPRequest {
        let body = fields.map { "\(FormEncoding.encode($0.0))=\(FormEncoding.encode($0.1))" }.joinedText("&")
        return HTTPRequest(url, method: "POST", headers: [("Content-Type", "application/x-www-form-urlencoded")] + headers,
                           body: Array(body.utf8), phase: phase)
    }
}

/// Response headers with case-insensitive lookup, in the order received.
public struct HTTPHeaders: Sendable {
    /// `(name, value)` pairs as received.
    public let fields: [(name: String, value: String)]

    /// Splits `Name: value` lines; lines without a colon are dropped.
    public init(lines: [String]) {
        fields = lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = String(line[..<colon]).trimmingBlanksAndNewlines
            let value = String(line[line.index(after: colon)...]).trimmingBlanksAndNewlines
            return (name, value)
        }
    }

    /// The first value of header `name` (any case), or nil.
    public subscript(_ name: String) -> String? { values(name).first }

    /// Every value of header `name` (any case), in order.
    public func values(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return fields.filter { $0.name.lowercased() == wanted }.map(\.value)
    }
}

/// Times of one request, in seconds, measured on the one monotonic clock (`Deadline.now`);
/// `connect`, `tls` and `firstByte` come from curl's own timers and are nil when the
/// request reused a connection (or did no TLS).
public struct HTTPTiming: Sendable {
    /// From the start of the session to the start of this request.
    public let startOffset: Double
    /// The whole request, redirects it followed included.
    public let total: Double
    /// TCP connect (nil on a reused connection).
    public let connect: Double?
    /// TLS handshake (nil without TLS or on a reused connection).
    public let tls: Double?
    /// Time to the first response byte of the last hop.
    public let firstByte: Double?
}

/// One hop of a followed redirect chain.
public struct HTTPHop: Sendable {
    /// The URL requested.
    public let url: String
    /// Its status.
    public let status: Int
    /// Where it pointed (`Location`, resolved).
    public let location: String?
    /// The response headers of that hop (cookies set at login live here).
    public let headers: HTTPHeaders
}

/// A response: status, headers, body bytes (bounded), the URL that answered, and timings.
public struct HTTPResponse: Sendable {
    /// The status code of the final hop.
    public let status: Int
    /// The status line (`HTTP/1.1 200 OK`).
    public let statusLine: String
    /// The final hop's headers.
    public let headers: HTTPHeaders
    /// The final hop's body.
    public let body: [UInt8]
    /// The URL that gave this answer, after redirects.
    public let effectiveURL: String
    /// The redirects followed before the final answer, first first.
    public let redirects: [HTTPHop]
    /// The phase of the request.
    public let phase: String
    /// When and how long.
    public let timing: HTTPTiming

    /// The body as text, invalid UTF-8 escaped (never for echoing unbounded: quote it).
    public var text: String { SafeText.decode(body) }

    /// The reason phrase of the status line (`Not Found`), or empty.
    public var reason: String {
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        return parts.count == 3 ? String(parts[2]) : ""
    }

    /// Throws CRITICAL `phase: HTTP 503 Service Unavailable` unless the status is in `accepted`.
    public func require(_ accepted: ClosedRange<Int> = 200...299) throws(CheckError) {
        guard accepted.contains(status) else {
            let reasonText = reason.isEmpty ? "" : " \(SafeText.bounded(reason, limit: 60))"
            throw .critical("\(phase): HTTP \(status)\(reasonText) from \(effectiveURL.prefix(120))")
        }
    }
}

/// `application/x-www-form-urlencoded` as browsers write it.
public enum FormEncoding {
    /// Percent-encodes everything but unreserved characters; space becomes `+`.
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "*"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%"
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 15)]))
            }
        }
        return out
    }
}
