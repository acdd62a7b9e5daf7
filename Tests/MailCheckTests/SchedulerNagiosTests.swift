import Foundation
import Testing

/// A real Nagios 4 and a real NRPE (Debian's packages), private and on loopback, run the
/// shipped example platform (nagios-config/: commands, templates, services by role) against
/// the test mail stack with the built checks as their plugin directory
/// (scripts/stacks/nagios-private.sh); the results are read back from Nagios's status.dat.
@Suite struct SchedulerNagiosTests {
    /// What each example service must show: state, the start of its output, words the output
    /// contains, and perfdata items (label, or `label=` prefix with thresholds) it carries.
    struct Expected: Sendable {
        let service: String
        let state: Int
        let prefix: String
        let contains: [String]
        let perfdata: [String]
    }

    static func expectations(_ stack: [String: String]) -> [Expected] {
        let host = stack["MAIL_HOST"] ?? ""
        let alice = stack["ALICE_USER"] ?? "", bob = stack["BOB_USER"] ?? ""
        return [
            Expected(service: "mx1/SMTP", state: 0, prefix: "SMTP_SESSION OK - \(host):\(stack["SMTP_PORT"] ?? "") answered in ",
                     contains: [", STARTTLS, cert "], perfdata: ["time=", "time_tls=", "cert_days="]),
            Expected(service: "smtp1/SMTP submission", state: 0, prefix: "SMTP_SESSION OK - \(host):\(stack["SUBMISSION_PORT"] ?? "") answered in ",
                     contains: [", STARTTLS, AUTH PLAIN as \(alice)"], perfdata: ["time=", "time_auth="]),
            Expected(service: "smtp1/SMTPS", state: 0, prefix: "SMTP_SESSION OK - \(host):\(stack["SUBMISSIONS_PORT"] ?? "") answered in ",
                     contains: [", TLS, cert "], perfdata: ["time_tls=", "cert_days="]),
            Expected(service: "imap1/IMAP login", state: 0, prefix: "IMAP_LOGIN OK - \(alice) on \(host):\(stack["IMAP_PORT"] ?? "") in ",
                     contains: ["STARTTLS", "INBOX"], perfdata: ["time=", "time_login=", "time_fetch="]),
            Expected(service: "imap1/IMAPS login", state: 0, prefix: "IMAP_LOGIN OK - \(alice) on \(host):\(stack["IMAPS_PORT"] ?? "") in ",
                     contains: [", TLS, "], perfdata: ["time=", "time_tls=", "cert_days="]),
            Expected(service: "imap1/POP3S login", state: 0, prefix: "POP3_LOGIN OK - \(alice) on \(host):\(stack["POP3S_PORT"] ?? "") in ",
                     contains: [", TLS, "], perfdata: ["time=", "time_stat=", "messages="]),
            Expected(service: "store1/IMAP backend login", state: 0, prefix: "IMAP_LOGIN OK - \(bob) on \(host):\(stack["IMAP_PORT"] ?? "") in ",
                     contains: ["STARTTLS"], perfdata: ["time=", "time_login="]),
        ]
    }

    @Test func examplePlatformRunsAgainstTheMailStack() throws {
        let stack = MailStack.env
        try #require(!stack.isEmpty, "the test mail stack did not start")
        // The IMAP service reads INBOX's newest header (time_fetch): put a message there
        // rather than rely on mail that other tests or the demo may or may not have left.
        try IMAPMailbox.append(.alice, folder: "INBOX", subject: "nagios example platform")
        let dir = try Scheduler.tempDir("nagios")
        defer {
            _ = try? Scheduler.script("stacks/nagios-private.sh", ["stop", dir])
            Scheduler.remove(dir)
        }
        let start = try Scheduler.script("stacks/nagios-private.sh", ["start", dir])
        try #require(start.code == 0, "\(start)")
        let statusFile = Scheduler.keyValues(start.stdout)["NAGIOS_STATUS"] ?? ""

        // Every service is checked at once on start; 14 services across the five roles.
        let allChecked = Scheduler.wait(40) {
            let services = NagiosService.read(statusFile)
            return services.count == 14 && services.allSatisfy(\.checked)
        }
        var services = NagiosService.read(statusFile)
        try #require(allChecked, "not every service was checked within 40 s:\n\(services.map(\.description).joined(separator: "\n"))\nlog: \(log(dir))")
        check(services, stack: stack, dir: dir)

        // A forced check through the external command file runs every service again.
        sleep(1)
        let forcedAt = Int(Date().timeIntervalSince1970)
        let force = try Scheduler.script("stacks/nagios-private.sh", ["force", dir])
        try #require(force.code == 0, "\(force)")
        let rerun = { Scheduler.wait(40) {
            let now = NagiosService.read(statusFile)
            return now.count == 14 && now.allSatisfy { $0.lastCheck >= forcedAt }
        } }
        // Nagios 4 passed over one forced check once, on a loaded machine (1 service of 14 did not
        // run again within 40 s; likely forced while its previous check still ran): a second
        // force catches that, and a service that misses both still fails the test.
        var ranAgain = rerun()
        if !ranAgain {
            _ = try Scheduler.script("stacks/nagios-private.sh", ["force", dir])
            ranAgain = rerun()
        }
        services = NagiosService.read(statusFile)
        let late = services.filter { $0.lastCheck < forcedAt }
        #expect(ranAgain, "forced checks (asked twice) did not all run within 80 s:\n\(late.map { "\($0.name) last_check \($0.lastCheck) < \(forcedAt)" }.joined(separator: "\n"))")
        check(services, stack: stack, dir: dir)
        // The second run of the mail store's disk growth has a second sample in its history.
        let disk = services.first { $0.name == "store1/Mail store disk" }
        #expect(disk?.output.contains("collecting samples") == true, "\(String(describing: disk))")
    }

    /// The assertions on one round of results.
    func check(_ services: [NagiosService], stack: [String: String], dir: String) {
        let byName = Dictionary(services.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for expected in Self.expectations(stack) {
            guard let service = byName[expected.service] else {
                Issue.record("no service \(expected.service) in status.dat")
                continue
            }
            #expect(service.state == expected.state, "\(service)")
            #expect(service.output.hasPrefix(expected.prefix), "\(service)")
            for word in expected.contains { #expect(service.output.contains(word), "'\(word)' missing: \(service)") }
            for item in expected.perfdata { #expect(service.perfdata.contains(item), "perfdata '\(item)' missing: \(service)") }
        }
        // Thresholds from the service definition reach the perfdata as the user gave them.
        #expect(byName["mx1/SMTP"]?.perfItem("cert_days")?.hasSuffix(";21:;7:") == true, "\(String(describing: byName["mx1/SMTP"]))")
        #expect(byName["smtp1/SMTP submission"]?.perfItem("time")?.contains(";2;5;") == true)

        // The mail store's disk through NRPE: two paths (the store and /), the used percent
        // against 85/95; its state follows from the percent (the machine's disk decides it).
        if let disk = byName["store1/Mail store disk"] {
            #expect(disk.output.hasPrefix("DISK_GROWTH "), "\(disk)")
            #expect(disk.output.contains("2 paths"), "\(disk)")
            let used = disk.perfItem("1_used_pct") ?? ""
            #expect(used.hasSuffix(";85;95;0;100"), "\(disk)")
            if let pct = Double(used.dropFirst("1_used_pct=".count).prefix(while: { "0123456789.".contains($0) })) {
                #expect(disk.state == (pct > 95 ? 2 : pct > 85 ? 1 : 0), "\(disk)")
            } else {
                Issue.record("no 1_used_pct: \(disk)")
            }
        } else {
            Issue.record("no store1/Mail store disk")
        }

        // The queues through NRPE. NRPE will not run as root and the stack's Postfix is a
        // private instance that postqueue shows to root only, so the check says UNKNOWN with
        // Postfix's reason: proof that an UNKNOWN and its text cross NRPE and check_nrpe
        // intact. (scripts/stacks/monit-private.sh reads the same queue as root: OK.) A machine whose
        // main.cf lists the directory in alternate_config_directories reads the queue.
        for host in ["mx1", "smtp1", "webmail1"] {
            guard let queue = byName["\(host)/Mail queue"] else {
                Issue.record("no \(host)/Mail queue")
                continue
            }
            let refused = queue.state == 3 && queue.output.hasPrefix("MTA_QUEUE UNKNOWN - postqueue -c \(stack["POSTFIX_CONFIG_DIR"] ?? ""): not allowed for nagios")
            let read = queue.output.hasPrefix("MTA_QUEUE ") && queue.output.contains("Postfix: ") && queue.perfItem("deferred") != nil
            #expect(refused || read, "\(queue)")
        }

        // Nothing a plugin said went to stderr, and every state matches its output's word.
        for service in services {
            #expect(!service.output.contains("stderr"), "\(service)")
            #expect(stateNumber(ofOutput: service.output) == service.state, "\(service)")
        }
    }

    func log(_ dir: String) -> String {
        let text = (try? String(contentsOfFile: dir + "/var/nagios.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }
}
