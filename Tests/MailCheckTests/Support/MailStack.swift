import Foundation

/// The real test mail stack (Postfix + Dovecot on loopback), started once per test process
/// by `scripts/mailstack.sh start` (idempotent) and described by `scripts/mailstack.sh env`.
enum MailStack {
    /// KEY=value facts of the running stack (ports, CA file, users, password files).
    static let env: [String: String] = {
        _ = shell(["start"])
        var out: [String: String] = [:]
        for line in shell(["env"]).split(separator: "\n") {
            let pair = line.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { out[String(pair[0])] = String(pair[1]) }
        }
        return out
    }()

    /// A fact of the stack; an empty string when missing so that the test fails visibly.
    static subscript(_ key: String) -> String { env[key] ?? "" }

    static var host: String { self["MAIL_HOST"] }
    static var caCert: String { self["CA_CERT"] }

    @discardableResult
    static func shell(_ arguments: [String]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [Plugin.root + "/scripts/mailstack.sh"] + arguments
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
