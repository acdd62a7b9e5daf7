import Foundation
import Testing
@testable import CheckKit

struct CredentialsTests {
    static func options(_ arguments: [String]) throws(UsageError) -> ParsedOptions {
        try OptionParser.parse(arguments, specs: Credentials.specs())
    }

    static func credentials(_ arguments: [String]) throws(UsageError) -> Credentials {
        try Credentials(try options(arguments))
    }

    @Test("the shared options")
    func specs() {
        let names = Credentials.specs().map(\.displayName)
        #expect(names == ["-U/--username", "--password-file", "--password-env", "-P/--password"])
        #expect(Credentials.specs(userHelp: "Mailbox user.").first?.help == "Mailbox user.")
    }

    @Test("password from a file: the first line, line end stripped", arguments: [
        ("secret\n", "secret"), ("secret", "secret"), ("secret\r\n", "secret"), ("secret\r", "secret"),
        ("first\nsecond\n", "first"), ("first\r\nsecond\r\n", "first"), (" spaced pass \n", " spaced pass "),
        ("pä55wörd\n", "pä55wörd"), ("tab\there\n", "tab\there"),
    ] as [(String, String)])
    func passwordFile(content: String, expected: String) throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("pw", content)
        let credentials = try Self.credentials(["-U", "alice", "--password-file", file])
        #expect(credentials.isSet)
        #expect(credentials.username == "alice")
        let password = try credentials.password()
        #expect(password == expected, "\(password.debugDescription)")
        #expect(!password.unicodeScalars.contains("\r") && !password.unicodeScalars.contains("\n"))
    }

    @Test("an empty password file is UNKNOWN naming the file", arguments: ["", "\n", "\r\n", "\nsecond\n"])
    func emptyFile(content: String) throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("pw", content)
        let credentials = try Self.credentials(["-U", "alice", "--password-file", file])
        let error = checkError { () throws(CheckError) in try credentials.password() }
        #expect(error == .unknown("password file \(file) is empty"), "\(error?.message ?? "no error")")
    }

    @Test("a missing password file is UNKNOWN naming it")
    func missingFile() throws {
        let credentials = try Self.credentials(["-U", "alice", "--password-file", "/nonexistent/pw"])
        let error = checkError { () throws(CheckError) in try credentials.password() }
        #expect(error?.status == .unknown)
        #expect(error?.message == "cannot read /nonexistent/pw: no such file or directory")
    }

    @Test("password from an environment variable")
    func passwordEnv() throws {
        // PATH is always set; setenv in a threaded test process is not safe.
        let expected = try #require(ProcessInfo.processInfo.environment["PATH"])
        let credentials = try Self.credentials(["-U", "alice", "--password-env", "PATH"])
        #expect(try credentials.password() == expected)
    }

    @Test("a missing environment variable is UNKNOWN naming it")
    func missingEnv() throws {
        let name = "MAILCHECK_TEST_UNSET_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        let credentials = try Self.credentials(["-U", "alice", "--password-env", name])
        let error = checkError { () throws(CheckError) in try credentials.password() }
        #expect(error == .unknown("environment variable \(name) (from --password-env) is not set"))
    }

    @Test("password given directly")
    func direct() throws {
        #expect(try Self.credentials(["-U", "bob", "-P", "s3cret"]).password() == "s3cret")
        #expect(try Self.credentials(["--username=bob", "--password=a b"]).password() == "a b")
    }

    @Test("more than one source is an error", arguments: [
        ["-U", "a", "-P", "x", "--password-file", "/f"],
        ["-U", "a", "-P", "x", "--password-env", "E"],
        ["-U", "a", "--password-file", "/f", "--password-env", "E"],
        ["-U", "a", "-P", "x", "--password-file", "/f", "--password-env", "E"],
    ])
    func severalSources(arguments: [String]) {
        #expect(usageMessage { () throws(UsageError) in try Self.credentials(arguments) }
                == "give only one of -P/--password, --password-file and --password-env")
    }

    @Test("a password without a user is an error", arguments: [
        ["-P", "x"], ["--password-file", "/f"], ["--password-env", "E"],
    ])
    func passwordWithoutUser(arguments: [String]) {
        #expect(usageMessage { () throws(UsageError) in try Self.credentials(arguments) } == "a password needs -U/--username")
    }

    @Test("no login at all")
    func noLogin() throws {
        let credentials = try Self.credentials([])
        #expect(!credentials.isSet)
        #expect(credentials.username == nil)
    }

    @Test("a user without a password source is UNKNOWN when the password is needed")
    func userWithoutPassword() throws {
        let credentials = try Self.credentials(["-U", "alice"])
        #expect(credentials.isSet)
        let error = checkError { () throws(CheckError) in try credentials.password() }
        #expect(error?.status == .unknown)
        #expect(error?.message.contains("alice") == true)
    }

    /// A second login of a check, read under its own names: one with a password option
    /// (`--imap-password`) and one whose password never goes on a command line.
    static let sideSpecs = [
        OptionSpec("imap-user", value: "USER", help: "u"), OptionSpec("imap-password-file", value: "FILE", help: "f"),
        OptionSpec("imap-password-env", value: "NAME", help: "e"), OptionSpec("imap-password", value: "PASSWORD", help: "p"),
        OptionSpec("smtp-user", value: "USER", help: "u"), OptionSpec("smtp-password-file", value: "FILE", help: "f"),
        OptionSpec("smtp-password-env", value: "NAME", help: "e"),
    ] + Credentials.specs()
    static let imapNames = CredentialOptionNames(user: "imap-user", passwordFile: "imap-password-file",
                                                 passwordEnv: "imap-password-env", password: "imap-password")
    static let smtpNames = CredentialOptionNames(user: "smtp-user", passwordFile: "smtp-password-file",
                                                 passwordEnv: "smtp-password-env", password: nil)

    @Test("the standard names are the ones Credentials.specs declares")
    func standardNamesAreDeclared() {
        let declared = Set(Credentials.specs().map(\.long))
        let names = CredentialOptionNames.standard
        for name in [names.user, names.passwordFile, names.passwordEnv, names.password].compactMap({ $0 }) {
            #expect(declared.contains(name), "\(name)")
        }
    }

    @Test("a side's login is read under its own names, not -U or -P", arguments: [
        (["--imap-user", "ann", "--imap-password", "pw", "-U", "bob", "-P", "other"], "imap", "ann", "pw"),
        (["--smtp-user", "sam", "--smtp-password-env", "PATH", "-U", "bob"], "smtp", "sam", nil),
        (["-U", "bob", "-P", "other"], "smtp", nil, nil),
        (["-U", "bob", "-P", "other"], "imap", nil, nil),
    ] as [([String], String, String?, String?)])
    func sideNamesAreRead(arguments: [String], side: String, user: String?, password: String?) throws {
        let options = try OptionParser.parse(arguments, specs: Self.sideSpecs)
        let credentials = try Credentials(options, names: side == "imap" ? Self.imapNames : Self.smtpNames)
        #expect(credentials.username == user)
        #expect(credentials.isSet == (user != nil))
        if let password { #expect(try credentials.password() == password) }
    }

    @Test("usage errors name the side's options", arguments: [
        (["--imap-user", "a", "--imap-password", "x", "--imap-password-env", "E"], "imap",
         "give only one of --imap-password, --imap-password-file and --imap-password-env"),
        (["--imap-password-file", "/f"], "imap", "a password needs --imap-user"),
        (["--smtp-user", "a", "--smtp-password-file", "/f", "--smtp-password-env", "E"], "smtp",
         "give either --smtp-password-file or --smtp-password-env, not both"),
        (["--smtp-password-env", "E"], "smtp", "a password needs --smtp-user"),
        // -U with a password does not satisfy the side's own user option.
        (["-U", "bob", "--smtp-password-file", "/f"], "smtp", "a password needs --smtp-user"),
    ] as [([String], String, String)])
    func sideErrorsNameTheSide(arguments: [String], side: String, message: String) {
        let names = side == "imap" ? Self.imapNames : Self.smtpNames
        #expect(usageMessage { () throws(UsageError) in
            try Credentials(try OptionParser.parse(arguments, specs: Self.sideSpecs), names: names)
        } == message)
    }

    @Test("password errors name the side's options")
    func sidePasswordErrors() throws {
        let unset = "MAILCHECK_TEST_UNSET_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        let fromEnv = try Credentials(OptionParser.parse(["--smtp-user", "sam", "--smtp-password-env", unset], specs: Self.sideSpecs),
                                      names: Self.smtpNames)
        #expect(checkError { () throws(CheckError) in try fromEnv.password() }
                == .unknown("environment variable \(unset) (from --smtp-password-env) is not set"))
        let none = try Credentials(OptionParser.parse(["--smtp-user", "sam"], specs: Self.sideSpecs), names: Self.smtpNames)
        #expect(checkError { () throws(CheckError) in try none.password() }
                == .unknown("no password given for sam (use --smtp-password-file, --smtp-password-env or --extra-opts)"))
        let plain = try Self.credentials(["-U", "sam"])
        #expect(checkError { () throws(CheckError) in try plain.password() }
                == .unknown("no password given for sam (use --password-file, --password-env or --extra-opts)"))
    }
}
