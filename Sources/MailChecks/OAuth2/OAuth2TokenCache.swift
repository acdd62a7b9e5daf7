#if canImport(Glibc)
import Glibc
#endif
import CheckKit

/// The cached access token of one client and grant, and the newest refresh token, in a state
/// file of mode 0600. Everything happens under the store's lock, so two checks running at once
/// make one token request, and a rotated refresh token is on disk (written atomically) before
/// the access token that came with it is used: a crash never loses the only valid refresh token.
struct OAuth2TokenCache {
    static let header = "oauth2-token 1"
    /// A token this close to its expiry is not used: the login must happen before it expires.
    static let margin = 60.0

    let store: StateStore
    let name: String

    /// What the state file holds.
    struct Entry: Equatable {
        var accessToken: String?
        var expires: Double = 0
        /// A refresh token the endpoint rotated, and the hash of the file's token it replaced,
        /// so that a new token an operator puts in the file wins over the stored one.
        var refreshToken: String?
        var refreshOrigin: String?

        init() {}

        init?(lines: [String]) {
            guard lines.first == OAuth2TokenCache.header else { return nil }
            for line in lines.dropFirst() {
                let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { return nil }
                switch parts[0] {
                case "access": accessToken = parts[1]
                case "expires": expires = GrowthUnits.plainNumber(Substring(parts[1])) ?? 0  // "inf", "nan": expired
                case "refresh": refreshToken = parts[1]
                case "origin": refreshOrigin = parts[1]
                default: return nil
                }
            }
        }

        var lines: [String] {
            var out = [OAuth2TokenCache.header]
            if let accessToken { out += ["access \(accessToken)", "expires \(NumberFormat.decimal(expires, fractionDigits: 0))"] }
            if let refreshToken, let refreshOrigin { out += ["refresh \(refreshToken)", "origin \(refreshOrigin)"] }
            return out
        }
    }

    init(directory: String, key: String) {
        store = StateStore(directory: directory, maxBytes: 64 << 10, fileMode: 0o600)
        name = "oauth2-" + String(StateStore.fnv1a(Array(key.utf8)), radix: 16)
    }

    /// Runs `body` on the entry under the lock and stores what it leaves.
    func update<T>(deadline: Deadline, _ body: (inout Entry) throws(CheckError) -> T) throws(CheckError) -> T {
        try store.update(name, format: Self.header, deadline: deadline) { (record: inout StateRecord) throws(CheckError) -> T in
            var entry = Entry(lines: record.lines) ?? Entry()
            do throws(CheckError) {
                let result = try body(&entry)
                record.lines = entry.lines
                return result
            } catch {
                // A failed fetch keeps what was there (a rotated refresh token above all).
                record.lines = entry.lines
                throw error
            }
        }
    }

}
