import Foundation
import Testing
@testable import CheckKit

struct ExtraOptsTests {
    static let program = "check_unit"
    static let noEnvironment: @Sendable (String) -> String? = { _ in nil }

    static func expand(_ arguments: [String], environment: @escaping (String) -> String? = noEnvironment) throws(UsageError) -> [String] {
        try ExtraOpts.expand(arguments, programName: program, environment: environment)
    }

    static let sample = """
        # a comment
        ; another comment
        [check_unit]
        warning = 10:20
          critical=30   
        tls =
        w = 5
        v =
        password = a=b c
        # warning = 99
        ; critical = 99

        [other]
        warning = 1
        hostname=mx.example.org
        """

    @Test("arguments without --extra-opts pass through unchanged")
    func passThrough() throws {
        #expect(try Self.expand(["-w", "1", "--extra", "x"]) == ["-w", "1", "--extra", "x"])
    }

    @Test("section defaults to the program name; key = value is trimmed; key = is a flag; comments skipped")
    func defaultSection() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("plugins.ini", Self.sample)
        let expanded = try Self.expand(["--extra-opts=@\(file)"])
        #expect(expanded == ["--warning=10:20", "--critical=30", "--tls", "-w", "5", "-v", "--password=a=b c"])
    }

    @Test("[section]@file picks the section")
    func namedSection() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("plugins.ini", Self.sample)
        #expect(try Self.expand(["--extra-opts=other@\(file)"]) == ["--warning=1", "--hostname=mx.example.org"])
        #expect(try Self.expand(["--extra-opts", "other@\(file)"]) == ["--warning=1", "--hostname=mx.example.org"])
    }

    @Test("section headers are trimmed and blank lines and CR are ignored")
    func headerTrim() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("p.ini", "\n  [  check_unit  ]  \n\n\tkey\t=\tvalue\t\n")
        #expect(try Self.expand(["--extra-opts=@\(file)"]) == ["--key=value"])
    }

    @Test("a file with CRLF line ends reads like one with LF")
    func crlf() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("p.ini", "# from Windows\r\n[check_unit]\r\nwarning = 10\r\ntls =\r\nc = 20\r\n")
        #expect(try Self.expand(["--extra-opts=@\(file)"]) == ["--warning=10", "--tls", "-c", "20"])
    }

    @Test("file options come before the command line's, so the command line wins")
    func commandLineWins() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("p.ini", "[check_unit]\nwarning = 10\ncritical = 20\n")
        let expanded = try Self.expand(["-w", "5", "--extra-opts=@\(file)", "-v"])
        #expect(expanded == ["--warning=10", "--critical=20", "-w", "5", "-v"])
        let specs = [OptionSpec("warning", short: "w", value: "R", help: ""),
                     OptionSpec("critical", short: "c", value: "R", help: ""),
                     OptionSpec("verbose", short: "v", help: "")]
        let options = try OptionParser.parse(expanded, specs: specs)
        #expect(options.string("warning") == "5")
        #expect(options.string("critical") == "20")
        #expect(options.count("verbose") == 1)
    }

    @Test("several --extra-opts, in order")
    func several() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("p.ini", "[a]\nwarning=1\n[b]\ncritical=2\n")
        let other = try dir.write("q.ini", "[check_unit]\ntls=\n")
        let expanded = try Self.expand(["--extra-opts=a@\(file)", "-v", "--extra-opts", "b@\(file)", "--extra-opts=@\(other)"])
        #expect(expanded == ["--warning=1", "--critical=2", "--tls", "-v"])
    }

    @Test("a repeated section adds to it")
    func repeatedSection() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("p.ini", "[check_unit]\na1=1\n[x]\nb=2\n[check_unit]\na2=3\n")
        #expect(try Self.expand(["--extra-opts=@\(file)"]) == ["--a1=1", "--a2=3"])
    }

    @Test("a missing section is an error naming it")
    func missingSection() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("p.ini", Self.sample)
        #expect(usageMessage { () throws(UsageError) in try Self.expand(["--extra-opts=nosuch@\(file)"]) }
                == "--extra-opts: invalid section 'nosuch' in config file '\(file)'")
        let empty = try dir.write("empty.ini", "")
        #expect(usageMessage { () throws(UsageError) in try Self.expand(["--extra-opts=@\(empty)"]) }
                == "--extra-opts: invalid section 'check_unit' in config file '\(empty)'")
    }

    @Test("a missing file is an error naming it")
    func missingFile() throws {
        let dir = try TemporaryDirectory()
        let path = "\(dir.path)/absent.ini"
        let message = usageMessage { () throws(UsageError) in try Self.expand(["--extra-opts=@\(path)"]) }
        #expect(message == "--extra-opts: cannot read \(path): no such file or directory")
    }

    @Test("options outside a section are an error")
    func outsideSection() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("p.ini", "warning = 1\n[check_unit]\ncritical = 2\n")
        #expect(usageMessage { () throws(UsageError) in try Self.expand(["--extra-opts=@\(file)"]) }
                == "--extra-opts: config file error in \(file): option outside a section")
    }

    @Test("malformed lines are errors naming the file", arguments: [
        "[check_unit\nwarning=1\n", "[check_unit]\nwarning\n", "[check_unit]\n= 5\n",
    ])
    func malformed(text: String) throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("p.ini", text)
        let message = usageMessage { () throws(UsageError) in try Self.expand(["--extra-opts=@\(file)"]) }
        #expect(message?.hasPrefix("--extra-opts: config file error in \(file)") == true, "\(message ?? "nil")")
    }

    @Test("MP_CONFIG_FILE names the file when no @file is given")
    func mpConfigFile() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("custom.ini", "[check_unit]\nwarning=3\n[sec]\ncritical=4\n")
        let env: (String) -> String? = { $0 == "MP_CONFIG_FILE" ? file : nil }
        #expect(try Self.expand(["--extra-opts"], environment: env) == ["--warning=3"])
        #expect(try Self.expand(["--extra-opts", "-v"], environment: env) == ["--warning=3", "-v"])
        #expect(try Self.expand(["--extra-opts=sec"], environment: env) == ["--critical=4"])
        #expect(try Self.expand(["--extra-opts", "sec"], environment: env) == ["--critical=4"])
        #expect(try Self.expand(["--extra-opts="], environment: env) == ["--warning=3"])
    }

    @Test("NAGIOS_CONFIG_PATH directories are searched in order for the known file names")
    func nagiosConfigPath() throws {
        let dir = try TemporaryDirectory()
        try dir.write("one/unrelated.ini", "[check_unit]\nwarning=0\n")
        try dir.write("two/plugins.ini", "[check_unit]\nwarning=2\n")
        try dir.write("three/monitoring-plugins.ini", "[check_unit]\nwarning=3\n")
        let env: (String) -> String? = { name in
            name == "NAGIOS_CONFIG_PATH" ? "\(dir.path)/one:\(dir.path)/two:\(dir.path)/three" : nil
        }
        #expect(try Self.expand(["--extra-opts"], environment: env) == ["--warning=2"])

        // Within one directory monitoring-plugins.ini comes before plugins.ini and nagios-plugins.ini.
        try dir.write("four/nagios-plugins.ini", "[check_unit]\nwarning=40\n")
        try dir.write("four/plugins.ini", "[check_unit]\nwarning=41\n")
        try dir.write("four/monitoring-plugins.ini", "[check_unit]\nwarning=42\n")
        let four: (String) -> String? = { $0 == "NAGIOS_CONFIG_PATH" ? "\(dir.path)/four" : nil }
        #expect(try Self.expand(["--extra-opts"], environment: four) == ["--warning=42"])
        try dir.write("five/nagios-plugins.ini", "[check_unit]\nwarning=50\n")
        let five: (String) -> String? = { $0 == "NAGIOS_CONFIG_PATH" ? "\(dir.path)/five" : nil }
        #expect(try Self.expand(["--extra-opts"], environment: five) == ["--warning=50"])
    }

    @Test("MP_CONFIG_FILE wins over NAGIOS_CONFIG_PATH")
    func mpBeforeNagios() throws {
        let dir = try TemporaryDirectory()
        let mp = try dir.write("mp.ini", "[check_unit]\nwarning=1\n")
        try dir.write("n/plugins.ini", "[check_unit]\nwarning=2\n")
        let env: (String) -> String? = { name in
            switch name {
            case "MP_CONFIG_FILE": mp
            case "NAGIOS_CONFIG_PATH": "\(dir.path)/n"
            default: nil
            }
        }
        #expect(try Self.expand(["--extra-opts"], environment: env) == ["--warning=1"])
    }

    @Test("no file anywhere is an error")
    func noFile() throws {
        try #require(!ExtraOpts.standardPaths.contains { FileManager.default.fileExists(atPath: $0) },
                     "a standard ini file exists on this machine")
        let dir = try TemporaryDirectory()
        let env: (String) -> String? = { $0 == "NAGIOS_CONFIG_PATH" ? dir.path : nil }
        #expect(usageMessage { () throws(UsageError) in try Self.expand(["--extra-opts"], environment: env) }
                == "--extra-opts: cannot find config file in any standard location")
    }

    @Test("the search list matches monitoring-plugins")
    func searchList() {
        #expect(ExtraOpts.fileNames == ["monitoring-plugins.ini", "plugins.ini", "nagios-plugins.ini"])
        #expect(ExtraOpts.standardPaths.first == "/usr/local/etc/monitoring-plugins/monitoring-plugins.ini")
        #expect(ExtraOpts.standardPaths.contains("/etc/nagios/plugins.ini"))
    }

    @Test("the expanded options parse with the check's specs")
    func throughParser() throws {
        let dir = try TemporaryDirectory()
        let file = try dir.write("p.ini", "[check_unit]\nusername = alice\npassword-file = /run/secret\nv=\n")
        let expanded = try Self.expand(["--extra-opts=@\(file)"])
        let options = try OptionParser.parse(expanded, specs: Credentials.specs() + [OptionSpec("verbose", short: "v", help: "")])
        #expect(options.string("username") == "alice")
        #expect(options.string("password-file") == "/run/secret")
        #expect(options.count("verbose") == 1)
    }
}
