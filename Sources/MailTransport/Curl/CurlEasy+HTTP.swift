import CLibcurl
import CheckKit

/// Typed HTTP settings for one handle, made only of CurlEasy's typed setters (no raw handle
/// here): the HTTP session calls these, so the one gate to libcurl stays in this folder.
extension CurlEasy {
    /// Sets the URL of the next transfer.
    public func setURL(_ url: String) throws(CheckError) {
        try set(CURLOPT_URL, url)
    }

    /// Sets the request method and body. GET and HEAD send no body; any other method sends
    /// `body` (possibly empty) as POST data would, under its own method name.
    public func setMethod(_ method: String, body: [UInt8]?) throws(CheckError) {
        // Reset what an earlier request of this kept handle may have left behind.
        try clear(CURLOPT_CUSTOMREQUEST)
        try set(CURLOPT_NOBODY, 0)
        try set(CURLOPT_HTTPGET, 1)
        switch method {
        case "GET":
            return
        case "HEAD":
            try set(CURLOPT_NOBODY, 1)
        default:
            try setPostFields(body ?? [])
            if method != "POST" { try set(CURLOPT_CUSTOMREQUEST, method) }
        }
    }

    /// Request headers (`Name: value`) for the next transfer; an empty list sends curl's defaults only.
    public func setRequestHeaders(_ headers: [String]) throws(CheckError) {
        try set(CURLOPT_HTTPHEADER, list: headers)
    }

    /// Turns on curl's cookie engine in memory only: an empty COOKIEFILE reads no file, and no
    /// COOKIEJAR is ever set, so no cookie reaches the disk.
    public func enableMemoryCookies() throws(CheckError) {
        try set(CURLOPT_COOKIEFILE, "")
    }

    /// Sends HTTP basic authentication, or none when `user` is nil.
    public func setBasicAuth(user: String?, password: String?) throws(CheckError) {
        if let user {
            try set(CURLOPT_HTTPAUTH, 1)  // CURLAUTH_BASIC: a macro Swift does not import
            try set(CURLOPT_USERNAME, user)
            try set(CURLOPT_PASSWORD, password ?? "")
        } else {
            try clear(CURLOPT_USERNAME)
            try clear(CURLOPT_PASSWORD)
        }
    }

    /// Keeps connections open between transfers of this handle (HTTP keep-alive).
    public func allowConnectionReuse(_ allow: Bool) throws(CheckError) {
        try set(CURLOPT_FORBID_REUSE, allow ? 0 : 1)
    }

    /// Routes the connection to `host:port` whatever the URL names (SNI and verification keep the
    /// URL's name); without a port, the URL's own port (curl's empty CONNECT-TO-PORT).
    public func connect(to host: String, port: Int?) throws(CheckError) {
        let target = host.contains(":") ? "[\(host)]" : host
        try set(CURLOPT_CONNECT_TO, list: ["::\(target):\(port.map(String.init) ?? "")"])
        transcript.peerName = host
    }

    /// Fails a transfer whose declared Content-Length exceeds the body sink's limit before any
    /// byte arrives (CURLE_FILESIZE_EXCEEDED); an undeclared length is caught by the sink itself.
    public func refuseLargerBodies() throws(CheckError) {
        try set(CURLOPT_MAXFILESIZE_LARGE, offset: Int64(body.limit))
    }
}
