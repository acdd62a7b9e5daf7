import Foundation
import Testing
@testable import MailChecks

/// A probe filed as spam: frank's Sieve script in the test stack's Dovecot (pigeonhole at LMTP
/// delivery) files every probe into his \Junk folder with X-Spam-* headers. Serialized: both
/// tests use frank's mailbox and count what is left in it.
@Suite(.serialized) struct DeliveryJunkTests {
    let user = MailStack["JUNK_USER"]

    func deliver(_ extra: [String]) throws -> PluginRun {
        try Plugin.run("check_delivery_latency", ["-H", MailStack.host, "--smtp-port", MailStack["SMTP_PORT"], "--imap-port", MailStack["IMAP_PORT"],
                                                  "-U", user, "--password-file", MailStack["FRANK_PASS_FILE"], "-t", "15"] + extra)
    }

    /// Messages in frank's Junk folder, read with the IMAP check.
    func junkCount() throws -> Double? {
        try Plugin.run("check_imap_login", ["-H", MailStack.host, "-p", MailStack["IMAP_PORT"], "-U", user,
                                            "--password-file", MailStack["FRANK_PASS_FILE"], "--folder", "Junk"]).metric("messages_Junk")
    }

    @Test func probeInJunkIsAWarningWithTheSpamHeadersAndIsRemovedThere() throws {
        // Whatever else is in Junk stays; the probe must not add to it.
        let before = try junkCount()
        let run = try deliver(["-v", "--check-name", "junk-default"])
        expectWellFormed(run)
        #expect(run.code == 1, "\(run)")
        #expect(run.status.hasPrefix("DELIVERY_LATENCY WARNING - probe delivered to Junk in "), "\(run)")
        #expect(run.metric("latency") != nil)
        #expect(run.stdout.contains("X-Spam-Flag: YES") && run.stdout.contains("X-Spam-Status: Yes"), "\(run)")
        let after = try junkCount()
        #expect(before != nil && after == before)
    }

    @Test func junkStateAndAnExplicitFolder() throws {
        let before = try junkCount()
        let critical = try deliver(["--junk-state", "critical", "--junk-folder", "Junk", "--check-name", "junk-critical"])
        #expect(critical.code == 2, "\(critical)")
        #expect(critical.status.contains("probe delivered to Junk in "))
        let ok = try deliver(["--junk-state", "ok", "--check-name", "junk-ok"])
        #expect(ok.code == 0, "\(ok)")
        let after = try junkCount()
        #expect(before != nil && after == before)
        let missing = try deliver(["--junk-folder", "NoSuchSpam", "--check-name", "junk-missing"])
        #expect(missing.code == 3, "\(missing)")
        #expect(missing.status.contains("NoSuchSpam does not exist"), "\(missing)")
    }

    @Test(arguments: [
        ("LIST (\\HasNoChildren \\Junk) \"/\" Junk", "Junk"),
        ("LIST (\\HasNoChildren \\Junk) \"/\" \"[Gmail]/Spam\"", "[Gmail]/Spam"),
        ("LIST (\\Junk) NIL \"Spam \\\"x\\\"\"", "Spam \"x\""),
        ("LIST (\\HasNoChildren \\Trash) \"/\" Trash", nil),
        ("LIST (\\Junk \"/\" Junk", nil),
    ] as [(String, String?)])
    func specialUseJunkIsParsed(line: String, name: String?) {
        #expect(JunkMailbox.specialUseJunk(line) == name)
    }
}
