/// `-U` plus a password from a file, an environment variable or extra-opts, so that no
/// password has to appear on a command line (`-P` exists for shells but is never needed).
public struct Credentials: Sendable {
    /// The options every check with a login shares.
    public static func specs(userHelp: String = "User name to log in with.") -> [OptionSpec] {
        [
            OptionSpec("username", short: "U", value: "USER", help: userHelp),
            OptionSpec("password-file", value: "FILE", help: "Read the password from the first line of FILE (keep it mode 600)."),
            OptionSpec("password-env", value: "NAME", help: "Read the password from the environment variable NAME."),
            OptionSpec("password", short: "P", value: "PASSWORD", help: "The password itself (visible in ps; prefer --password-file, --password-env or --extra-opts)."),
        ]
    }

    /// The user name, when one was given.
    public let username: String?
    let passwordText: String?
    let passwordFile: String?
    let passwordEnv: String?

    /// Reads the credential options; at most one password source may be given.
    public init(_ options: ParsedOptions) throws(UsageError) {
        username = options.string("username")
        passwordText = options.string("password")
        passwordFile = options.string("password-file")
        passwordEnv = options.string("password-env")
        let sources = [passwordText, passwordFile, passwordEnv].compactMap { $0 }.count
        if sources > 1 {
            throw UsageError("give only one of -P/--password, --password-file and --password-env")
        }
        if sources == 1 && username == nil {
            throw UsageError("a password needs -U/--username")
        }
    }

    /// True when a login was asked for.
    public var isSet: Bool { username != nil }

    /// True when a password source was given (an OAuth2 login takes none).
    public var hasPasswordSource: Bool { passwordText != nil || passwordFile != nil || passwordEnv != nil }

    /// The password from whichever source was given; UNKNOWN naming the source if it cannot be read.
    public func password() throws(CheckError) -> String {
        if let passwordText { return passwordText }
        if let passwordFile {
            let bytes = try FileIO.read(passwordFile, limit: 64 << 10)
            let text = String(decoding: bytes, as: UTF8.self)
            let password = text.lines.first ?? ""
            guard !password.isEmpty else { throw .unknown("password file \(passwordFile) is empty") }
            return password
        }
        if let passwordEnv {
            guard let value = FileIO.environment(passwordEnv), !value.isEmpty else {
                throw .unknown("environment variable \(passwordEnv) (from --password-env) is not set")
            }
            return value
        }
        throw .unknown("no password given for \(username ?? "the login") (use --password-file, --password-env or --extra-opts)")
    }
}
