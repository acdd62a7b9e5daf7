import Foundation

/// The private SOGo (scripts/stacks/sogo-private.sh: its own PostgreSQL, memcached and sogod on
/// loopback, IMAP to the mail stack's Dovecot), started once per test process.
enum SOGo {
    static let env: [String: String] = {
        _ = MailStack.env
        return StackScript.startAndDescribe("scripts/stacks/sogo-private.sh")
    }()

    static subscript(_ key: String) -> String { env[key] ?? "" }

    @discardableResult
    static func shell(_ arguments: [String]) -> String { StackScript.run("scripts/stacks/sogo-private.sh", arguments) }
}
