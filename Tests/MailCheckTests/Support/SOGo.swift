import Foundation

/// The private SOGo (scripts/sogo-private.sh: its own PostgreSQL, memcached and sogod on
/// loopback, IMAP to the mail stack's Dovecot), started once per test process.
enum SOGo {
    static let env: [String: String] = {
        _ = MailStack.env
        _ = shell(["start"])
        var out: [String: String] = [:]
        for line in shell(["env"]).split(separator: "\n") {
            let pair = line.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { out[String(pair[0])] = String(pair[1]) }
        }
        return out
    }()

    static subscript(_ key: String) -> String { env[key] ?? "" }

    @discardableResult
    static func shell(_ arguments: [String]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Plugin.root + "/scripts/sogo-private.sh"] + arguments
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
