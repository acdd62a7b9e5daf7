import Foundation
import Testing

/// No file we install into the plugin directory may shadow a plugin of Debian's plugin packages
/// (monitoring-plugins, monitoring-plugins-contrib, nagios-plugins, NRPE): two programs of one
/// name on one estate confuse every runbook and every ITL CheckCommand. The names come from
/// data/debian-plugin-names.txt, which scripts/debian-plugin-names.sh reads from the packages.
@Suite struct PluginNameTests {
    static func debianNames() -> Set<String> {
        Set(Shipped.text("data/debian-plugin-names.txt").split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") })
    }

    @Test func theListIsThereAndHoldsTheWellKnownPlugins() {
        let names = Self.debianNames()
        // A list that lost its packages would let every name through: these three come from
        // monitoring-plugins-basic and -contrib, so their absence means a broken refresh.
        for known in ["check_smtp", "check_imap", "check_email_delivery"] {
            #expect(names.contains(known), "data/debian-plugin-names.txt lacks \(known): run scripts/debian-plugin-names.sh")
        }
    }

    @Test func noCheckOfOursShadowsADebianPlugin() throws {
        let names = Self.debianNames()
        let ours = Set(try Scheduler.checks()).union(["mailcheck", "libmailcheck-curl.so", "libmailcheck-curl-plain.so", "libmailcheck-curl-bundled.so"])
        try #require(ours.count > 2, "no checks found")
        let clashes = ours.intersection(names).sorted()
        #expect(clashes.isEmpty, "these would shadow a Debian plugin of the same name: \(clashes)")
    }
}
