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
}
