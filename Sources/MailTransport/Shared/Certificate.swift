#if canImport(Glibc)
import Glibc
#endif
import CLibcurl
import CheckKit

/// Facts about the server's leaf certificate, from curl's certificate info.
public struct CertificateFacts: Sendable {
    /// The certificate's subject.
    public let subject: String?
    /// The certificate's issuer.
    public let issuer: String?
    /// Expiry as seconds since the epoch.
    public let expiresAt: Double

    /// Days until expiry (negative once expired), at `now` (the run's clock, seconds since the epoch).
    public func daysLeft(now: Double) -> Double {
        (expiresAt - now) / 86400
    }

    /// The facts read from the TLS connection (CLibcurl's peercert.c).
    init(_ peer: mc_peer_certificate) {
        var copy = peer
        func text(_ field: UnsafeRawPointer) -> String? {
            let s = String(cString: field.assumingMemoryBound(to: CChar.self))
            return s.isEmpty ? nil : s
        }
        subject = withUnsafeBytes(of: &copy.subject) { text($0.baseAddress!) }
        issuer = withUnsafeBytes(of: &copy.issuer) { text($0.baseAddress!) }
        expiresAt = Double(peer.not_after)
    }

    /// Reads the leaf (first) certificate of a chain; nil when curl gave no expiry date.
    public init?(chain: [[String]]) {
        guard let leaf = chain.first else { return nil }
        func field(_ name: String) -> String? {
            leaf.first(where: { $0.hasPrefix(name + ":") }).map { String($0.dropFirst(name.count + 1)).trimmingBlanksAndNewlines }
        }
        guard let expiry = field("Expire date").flatMap(CertificateFacts.parseDate) else { return nil }
        expiresAt = expiry
        subject = field("Subject")
        issuer = field("Issuer")
    }

    /// Parses OpenSSL's `Nov 25 12:00:00 2027 GMT` and the ISO form `2027-11-25 12:00:00 GMT`.
    public static func parseDate(_ text: String) -> Double? {
        let parts = text.split(separator: " ").map(String.init)
        var t = tm()
        if parts.count >= 4, let month = months.firstIndex(of: parts[0]), let day = Int(parts[1]), let year = Int(parts[3]) {
            t.tm_mon = Int32(month)
            t.tm_mday = Int32(day)
            t.tm_year = Int32(year - 1900)
            guard setTime(parts[2], &t) else { return nil }
        } else if parts.count >= 2 {
            let date = parts[0].split(separator: "-").compactMap { Int($0) }
            guard date.count == 3 else { return nil }
            t.tm_year = Int32(date[0] - 1900)
            t.tm_mon = Int32(date[1] - 1)
            t.tm_mday = Int32(date[2])
            guard setTime(parts[1], &t) else { return nil }
        } else {
            return nil
        }
        return Double(timegm(&t))
    }

    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func setTime(_ text: String, _ t: inout tm) -> Bool {
        let hms = text.split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3 else { return false }
        t.tm_hour = Int32(hms[0]); t.tm_min = Int32(hms[1]); t.tm_sec = Int32(hms[2])
        return true
    }

    /// The `cert_days` result: days left against the `--cert-warning/--cert-critical` thresholds.
    public func result(thresholds: Thresholds, now: Double) -> CheckResult {
        let days = daysLeft(now: now)
        let whole = NumberFormat.decimal(days.rounded(.down), fractionDigits: 0)
        let message = days < 0 ? "certificate expired \(NumberFormat.decimal(-days, fractionDigits: 0)) days ago"
                               : "certificate expires in \(whole) days"
        var result = CheckResult.measure("cert_days", days, thresholds: thresholds, message: message, inSummary: false)
        if result.status != .ok { result.inSummary = true }
        return result
    }
}
