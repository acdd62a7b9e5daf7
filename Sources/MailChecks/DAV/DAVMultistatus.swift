/// One `<response>` of a 207 multistatus: what the server said about one href.
public struct DAVResource: Equatable, Sendable {
    /// The href exactly as the server wrote it (still percent-encoded; resolve it as a URL).
    public var href: String
    /// A response-level `<status>` (a status for the whole href instead of propstats), if any.
    public var status: Int?
    /// The child element names of `resourcetype`.
    public var resourceType: Set<XMLName> = []
    /// `displayname`.
    public var displayName: String?
    /// `getetag`, quotes included as sent.
    public var etag: String?
    /// `CS:getctag`.
    public var ctag: String?
    /// `sync-token`.
    public var syncToken: String?
    /// The hrefs inside `current-user-principal`.
    public var currentUserPrincipal: [String] = []
    /// The hrefs inside `C:calendar-home-set`.
    public var calendarHomeSet: [String] = []
    /// The hrefs inside `CR:addressbook-home-set`.
    public var addressbookHomeSet: [String] = []
    /// Properties that came back in a propstat whose status was not 2xx, with that status.
    public var failedProperties: [XMLName: Int] = [:]

    /// An entry for `href` with nothing known yet.
    public init(href: String) { self.href = href }

    /// True when `resourcetype` says this is a calendar collection.
    public var isCalendar: Bool { resourceType.contains(DAVName.calendar) }
    /// True when `resourcetype` says this is an address book collection.
    public var isAddressBook: Bool { resourceType.contains(DAVName.addressbook) }
    /// True when the server reported a failure status for the whole href.
    public var failed: Bool { status.map { !(200..<300).contains($0) } ?? false }
}

/// Why a multistatus body could not be used.
public enum DAVMultistatusError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The body is not well-formed XML, or one the reader refused (DTD, too deep, too large).
    case notXML(String)
    /// Well-formed XML whose root is not `DAV:multistatus` (an HTML page, say).
    case notMultistatus(root: String)
    /// A `<response>` without an `<href>`.
    case responseWithoutHref
    /// A `<status>` that is not an HTTP status line.
    case badStatusLine(String)

    /// A short sentence for the check's output.
    public var description: String {
        switch self {
        case .notXML(let why): "XML that does not parse: \(why)"
        case .notMultistatus(let root): "not a DAV multistatus (root element \(root))"
        case .responseWithoutHref: "a multistatus response without href"
        case .badStatusLine(let line): "a multistatus status that is no HTTP status line (\(line.prefix(40)))"
        }
    }
}

/// Reads a 207 Multi-Status body (RFC 4918 section 13) into `DAVResource`s, by namespace URI and
/// local name, whatever prefixes the server chose.
public enum DAVMultistatus {
    /// The largest text kept from one property: hrefs, etags and tokens are short, and a hostile
    /// server must not grow the check's memory through them.
    static let maxText = 8192
    /// The most responses kept: a huge listing is counted, but only this many are held.
    public static let maxResources = 200_000

    /// The responses of `body`, in document order.
    public static func parse(_ body: [UInt8], maxBytes: Int = XMLPullReader.defaultMaxBytes) throws(DAVMultistatusError) -> [DAVResource] {
        var state = ParseState()
        do {
            try XMLPullReader.read(body, maxBytes: maxBytes) { event in try state.take(event) }
        } catch let error as DAVMultistatusError {
            throw error
        } catch let error as XMLReadError {
            throw .notXML(error.message)
        } catch {
            throw .notXML("\(error)")
        }
        return state.resources
    }

    /// The code of an HTTP status line (`HTTP/1.1 404 Not Found` -> 404), nil for anything else.
    public static func statusCode(_ line: String) -> Int? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), parts[1].count == 3,
              let code = Int(parts[1]), (100...599).contains(code) else { return nil }
        return code
    }
}

/// The parser's walk: a stack of element names and the response being filled.
private struct ParseState {
    var resources: [DAVResource] = []
    var stack: [XMLName] = []
    var current: DAVResource?
    var currentHasHref = false
    // Properties of the propstat being read, applied once its status is known.
    var pending = DAVResource(href: "")
    var pendingNames: [XMLName] = []
    var pendingStatus: Int?
    var text = ""

    private static let multistatus = XMLName(DAVName.dav, "multistatus")
    private static let response = XMLName(DAVName.dav, "response")
    private static let href = XMLName(DAVName.dav, "href")
    private static let propstat = XMLName(DAVName.dav, "propstat")
    private static let prop = XMLName(DAVName.dav, "prop")
    private static let status = XMLName(DAVName.dav, "status")

    mutating func take(_ event: XMLEvent) throws {
        switch event {
        case .start(let name, _):
            if stack.isEmpty, name != Self.multistatus { throw DAVMultistatusError.notMultistatus(root: name.description) }
            stack.append(name)
            text = ""
            if name == Self.response, stack.count == 2 {
                current = DAVResource(href: ""); currentHasHref = false
            } else if name == Self.propstat, stack.count == 3 {
                pending = DAVResource(href: ""); pendingNames = []; pendingStatus = nil
            } else if stack.count == 5, stack[3] == Self.prop {
                pendingNames.append(name)
            } else if stack.count == 6, stack[4] == XMLName(DAVName.dav, "resourcetype") {
                pending.resourceType.insert(name)
            }
        case .text(let chunk):
            let room = ParseState.maxText - text.utf8.count
            if room > 0 { text += chunk.utf8.count <= room ? chunk : String(decoding: chunk.utf8.prefix(room), as: UTF8.self) }
        case .end(let name, _):
            defer { if !stack.isEmpty { stack.removeLast() }; text = "" }
            try close(name)
        }
    }

    private static let maxText = DAVMultistatus.maxText

    private mutating func close(_ name: XMLName) throws {
        let depth = stack.count
        let value = text.trimmingWhitespace()
        if depth == 3, stack[1] == Self.response, name == Self.href {
            current?.href = value; currentHasHref = true
        } else if depth == 3, stack[1] == Self.response, name == Self.status {
            guard let code = DAVMultistatus.statusCode(value) else { throw DAVMultistatusError.badStatusLine(value) }
            current?.status = code
        } else if depth == 4, stack[2] == Self.propstat, name == Self.status {
            // Servers put <status> before or after <prop> (Xandikos before, Radicale after):
            // the properties are applied when the propstat closes.
            guard let code = DAVMultistatus.statusCode(value) else { throw DAVMultistatusError.badStatusLine(value) }
            pendingStatus = code
        } else if depth == 3, name == Self.propstat, stack[1] == Self.response {
            guard let code = pendingStatus else { throw DAVMultistatusError.badStatusLine("propstat without status") }
            applyPropstat(code)
        } else if depth == 5, stack[3] == Self.prop {
            setProperty(name, value)
        } else if depth == 6, name == Self.href, stack[3] == Self.prop {
            addHref(to: stack[4], value)
        } else if depth == 2, name == Self.response, let resource = current {
            guard currentHasHref else { throw DAVMultistatusError.responseWithoutHref }
            if resources.count < DAVMultistatus.maxResources {
                resources.append(resource)
            }
            current = nil
        }
    }

    private mutating func setProperty(_ name: XMLName, _ value: String) {
        switch name {
        case XMLName(DAVName.dav, "displayname"): pending.displayName = value
        case XMLName(DAVName.dav, "getetag"): pending.etag = value
        case XMLName(DAVName.calendarServer, "getctag"): pending.ctag = value
        case XMLName(DAVName.dav, "sync-token"): pending.syncToken = value
        default: break
        }
    }

    private mutating func addHref(to property: XMLName, _ value: String) {
        switch property {
        case XMLName(DAVName.dav, "current-user-principal"): pending.currentUserPrincipal.append(value)
        case XMLName(DAVName.caldav, "calendar-home-set"): pending.calendarHomeSet.append(value)
        case XMLName(DAVName.carddav, "addressbook-home-set"): pending.addressbookHomeSet.append(value)
        default: break
        }
    }

    /// A propstat's properties count only when its status is 2xx; otherwise each is recorded as
    /// failed with that status (a 404 for a property the server lacks is normal and harmless).
    private mutating func applyPropstat(_ code: Int) {
        guard current != nil else { return }
        if !(200..<300).contains(code) {
            for name in pendingNames { current?.failedProperties[name] = code }
            return
        }
        current?.resourceType.formUnion(pending.resourceType)
        if let v = pending.displayName { current?.displayName = v }
        if let v = pending.etag { current?.etag = v }
        if let v = pending.ctag { current?.ctag = v }
        if let v = pending.syncToken { current?.syncToken = v }
        current?.currentUserPrincipal += pending.currentUserPrincipal
        current?.calendarHomeSet += pending.calendarHomeSet
        current?.addressbookHomeSet += pending.addressbookHomeSet
    }
}

extension String {
    /// The string without leading and trailing ASCII whitespace (XML's whitespace).
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
