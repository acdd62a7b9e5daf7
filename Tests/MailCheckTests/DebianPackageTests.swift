import Foundation
import Testing

/// The package the test command built (scripts/test.sh runs `scripts/build-deb.sh .build/deb`
/// before the tests: a release build cannot run from inside `swift test`, which holds the
/// build directory's lock).
let builtDebianPackage: String? = {
    let dir = Plugin.root + "/.build/deb"
    let debs = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".deb") }
    return debs.sorted().last.map { dir + "/" + $0 }
}()

/// The Debian package, proven the way an operator would meet it: scripts/deb-check.sh runs
/// lintian (no errors), installs it beside monitoring-plugins, runs every check as nagios from
/// /usr/lib/nagios/plugins, validates an Icinga 2 configuration that has only
/// `include <plugins-contrib>`, and purges it, comparing the file list before and after. It
/// needs root (dpkg -i) and always purges what it installed.
@Suite(.serialized,
       .enabled(if: runningAsRoot, "dpkg -i needs root"),
       .enabled(if: builtDebianPackage != nil, "no .build/deb/*.deb: run scripts/build-deb.sh .build/deb (scripts/test.sh does)"))
struct DebianPackageTests {
    @Test func thePackageInstallsRunsValidatesAndPurgesClean() throws {
        let deb = try #require(builtDebianPackage)
        let run = try Plugin.exec(Plugin.root + "/scripts/deb-check.sh", [deb], limit: 240)
        #expect(run.code == 0, "scripts/deb-check.sh failed:\n\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("deb-check: OK"), "\(run.stdout)")
        let left = try Plugin.exec("/usr/bin/dpkg-query", ["-W", "-f=${Status}", "mailcheck"])
        #expect(!left.stdout.contains("ok installed"), "deb-check left mailcheck installed")
    }
}
