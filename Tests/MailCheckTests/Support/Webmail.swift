import Foundation

/// The private Roundcube (scripts/stacks/webmail-private.sh), started once per test process.
enum Webmail {
    static let env: [String: String] = {
        _ = MailStack.env
        return StackScript.startAndDescribe("scripts/stacks/webmail-private.sh")
    }()

    static subscript(_ key: String) -> String { env[key] ?? "" }

    @discardableResult
    static func shell(_ arguments: [String]) -> String { StackScript.run("scripts/stacks/webmail-private.sh", arguments) }
}
