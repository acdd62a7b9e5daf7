import Foundation

/// The private Radicale and Xandikos (scripts/stacks/dav-private.sh), started once per test process
/// (idempotent) and described by `dav-private.sh env`.
enum DAVServers {
    static let env: [String: String] = StackScript.startAndDescribe("scripts/stacks/dav-private.sh")

    static subscript(_ key: String) -> String { env[key] ?? "" }
    static var radicale: String { self["RADICALE_URL"] }
    static var xandikos: String { self["XANDIKOS_URL"] }
    static func passwordFile(_ user: String) -> String { self["DAV_PASSWORD_FILE_\(user)"] }
    /// Where Radicale keeps alice's items as files (to prove they stay byte-for-byte the same).
    static var radicaleAlice: String { self["DAV_DIR"] + "/radicale/collections/collection-root/alice" }

    /// Every file under `dir` with its bytes (Radicale's cache directories left out).
    static func snapshot(_ dir: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let files = FileManager.default.enumerator(atPath: dir)
        while let path = files?.nextObject() as? String {
            if path.contains(".Radicale.cache") || path.hasSuffix(".Radicale.lock") { continue }
            if let data = FileManager.default.contents(atPath: dir + "/" + path) { out[path] = data }
        }
        return out
    }

    @discardableResult
    static func shell(_ arguments: [String]) -> String { StackScript.run("scripts/stacks/dav-private.sh", arguments) }
}
