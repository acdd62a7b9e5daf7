// swift-tools-version:6.0
// mailcheck: Nagios/Icinga/Monit check plugins for mail platforms.
//
// One multi-call executable (`mailcheck`) carries every check; `check_*` symlinks pick the
// check by the name they are invoked as (as busybox does). A static Swift stdlib keeps it
// self-contained, and libcurl is loaded with dlopen only when a network check runs, so local
// checks never pay for it.
import PackageDescription

// The checks do not import _StringProcessing (Swift's regex module, imported implicitly by
// every module): a few `contains`/`firstRange` calls linked it and its regex parser, 1 MB of
// code and 40 KB of data relocated at every start of every check (issue 14). CheckKit's
// TextSearch does what they did; a use of the module is now a compile error, not a slowdown.
let noStringProcessing: [SwiftSetting] = [.unsafeFlags(["-Xfrontend", "-disable-implicit-string-processing-module-import"])]

let package = Package(
    name: "mailcheck",
    products: [
        .executable(name: "mailcheck", targets: ["mailcheck"]),
    ],
    targets: [
        // Typed, non-variadic wrappers over libcurl's easy API, resolved at run time with dlopen.
        .target(
            name: "CLibcurl",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // A guarded pull reader over libxml2's xmlTextReader, resolved at run time with dlopen so
        // only the DAV checks load libxml2: no network, no DTD, no entity substitution.
        .target(
            name: "CXMLReader",
            linkerSettings: [.linkedLibrary("dl")]
        ),
        // The plugin protocol: states, ranges, perfdata, reports, options, deadline, state files.
        .target(name: "CheckKit", swiftSettings: noStringProcessing),
        // libcurl in Swift: sessions, TLS options, timings, certificate facts, error mapping.
        .target(name: "MailTransport", dependencies: ["CheckKit", "CLibcurl"], swiftSettings: noStringProcessing),
        // The checks themselves.
        .target(name: "MailChecks", dependencies: ["CheckKit", "MailTransport", "CXMLReader"], swiftSettings: noStringProcessing),
        // The command line handed to the Swift runtime from the program's start, so that the
        // static runtime does not scan /proc/self/maps for it on every run (argv.c).
        .target(name: "CStartup"),
        .executableTarget(name: "mailcheck", dependencies: ["MailChecks", "CStartup"], swiftSettings: noStringProcessing),
        // Test-only checks that block, write state or run children, to prove the runner's
        // deadline and the state store from outside the test process. Never installed.
        .executableTarget(name: "mailcheck-testkit", dependencies: ["CheckKit"]),
        .testTarget(name: "CheckKitTests", dependencies: ["CheckKit"]),
        .testTarget(name: "MailCheckTests", dependencies: ["CheckKit", "MailTransport", "MailChecks", "CXMLReader"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
