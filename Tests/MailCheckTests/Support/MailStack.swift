import Foundation

/// The real test mail stack (Postfix + Dovecot on loopback), started once per test process
/// by `scripts/stacks/mailstack.sh start` (idempotent) and described by `scripts/stacks/mailstack.sh env`.
enum MailStack {
    /// KEY=value facts of the running stack (ports, CA file, users, password files).
    static let env: [String: String] = StackScript.startAndDescribe("scripts/stacks/mailstack.sh")

    /// A fact of the stack; an empty string when missing so that the test fails visibly.
    static subscript(_ key: String) -> String { env[key] ?? "" }

    static var host: String { self["MAIL_HOST"] }
    static var caCert: String { self["CA_CERT"] }

    @discardableResult
    static func shell(_ arguments: [String]) -> String { StackScript.run("scripts/stacks/mailstack.sh", arguments) }
}
