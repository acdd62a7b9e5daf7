import Foundation

/// The private Radicale and Xandikos (scripts/stacks/dav-private.sh), started once per test process
/// (idempotent) and described by `dav-private.sh env`.
enum DAVServers {
    static let env: [String: String] = {
        _ = shell(["start"])
        var out: [String: String] = [:]
        for line in shell(["env"]).split(separator: "\n") {
            let pair = line.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { out[String(pair[0])] = String(pair[1]) }
        }
        return out
    }()

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
    static func shell(_ arguments: [String]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Plugin.root + "/scripts/stacks/dav-private.sh"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
