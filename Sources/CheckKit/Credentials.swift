/// The option names one login is read under: `-U`, `--password-file`, `--password-env` and
/// `-P` for a check with one login, or a side's own names (`--smtp-user`, ...) in a check with two.
public struct CredentialOptionNames: Sendable, Equatable {
    /// The user name option (`username`).
    public let user: String
    /// The option naming the password file (`password-file`).
    public let passwordFile: String
    /// The option naming the password's environment variable (`password-env`).
    public let passwordEnv: String
    /// The option with the password itself, or nil for a login whose password never goes on a command line.
    public let password: String?

    /// Names for one login; long names without dashes.
    public init(user: String, passwordFile: String, passwordEnv: String, password: String?) {
        self.user = user
        self.passwordFile = passwordFile
        self.passwordEnv = passwordEnv
        self.password = password
    }

    /// `-U/--username`, `--password-file`, `--password-env`, `-P/--password`: what `Credentials.specs` declares.
    public static let standard = CredentialOptionNames(user: "username", passwordFile: "password-file",
                                                       passwordEnv: "password-env", password: "password")
}

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
    /// The password file and environment options as the user typed them, for messages.
    let passwordFileOption: String
    let passwordEnvOption: String

    /// Reads the credential options under `names`; at most one password source may be given,
    /// and every error names the options as they were declared.
    public init(_ options: ParsedOptions, names: CredentialOptionNames = .standard) throws(UsageError) {
        username = options.string(names.user)
        passwordText = names.password.flatMap { options.string($0) }
        passwordFile = options.string(names.passwordFile)
        passwordEnv = options.string(names.passwordEnv)
        passwordFileOption = options.displayName(names.passwordFile)
        passwordEnvOption = options.displayName(names.passwordEnv)
        let sources = [passwordText, passwordFile, passwordEnv].compactMap { $0 }.count
        if sources > 1 {
            if let text = names.password {
                throw UsageError("give only one of \(options.displayName(text)), \(passwordFileOption) and \(passwordEnvOption)")
            }
            throw UsageError("give either \(passwordFileOption) or \(passwordEnvOption), not both")
        }
        if sources == 1 && username == nil {
            throw UsageError("a password needs \(options.displayName(names.user))")
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
                throw .unknown("environment variable \(passwordEnv) (from \(passwordEnvOption)) is not set")
            }
            return value
        }
        throw .unknown("no password given for \(username ?? "the login") (use \(passwordFileOption), \(passwordEnvOption) or --extra-opts)")
    }
}
