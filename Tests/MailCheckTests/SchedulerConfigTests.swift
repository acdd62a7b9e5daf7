import Foundation
import Testing

/// The shipped configurations pass the schedulers' own validators: `nagios4 -v`,
/// `icinga2 daemon -C`, `monit -t` (Debian's packages; private paths, no daemon started).
@Suite struct SchedulerConfigTests {
    @Test func nagiosAcceptsTheExamplePlatform() throws {
        let run = try Scheduler.script("nagios-check-config.sh", [])
        #expect(run.code == 0, "\(run)")
        #expect(run.stdout.contains("Total Warnings: 0"), "\(run.stdout)")
        #expect(run.stdout.contains("Total Errors:   0"), "\(run.stdout)")
        // Five roles, one host each, and the services the roles want.
        #expect(run.stdout.contains("Checked 14 services."), "\(run.stdout)")
        #expect(run.stdout.contains("Checked 5 hosts."), "\(run.stdout)")
        #expect(run.stdout.contains("Checked 5 host groups."), "\(run.stdout)")
    }

    @Test func icingaAcceptsCommandsTemplatesAndApplyRules() throws {
        let run = try Scheduler.script("icinga2-check-config.sh", [])
        let output = run.stdout + run.stderr
        #expect(run.code == 0, "\(run)")
        #expect(output.contains("Finished validating the configuration file(s)."), "\(output)")
        #expect(output.contains("Instantiated 14 Services."), "\(output)")
        #expect(output.contains("Instantiated 5 Hosts."), "\(output)")
        #expect(!output.contains("warning/"), "\(output)")
    }

    /// The distributed example (nagios-config/icinga2/distributed/) in the layout its
    /// zones.conf describes: agents' hosts in the satellite's zone, probes from satellites.
    @Test func icingaAcceptsTheDistributedExample() throws {
        let run = try Scheduler.script("icinga2-check-distributed.sh", [])
        let output = run.stdout + run.stderr
        #expect(run.code == 0, "\(run)")
        #expect(output.contains("Finished validating the configuration file(s)."), "\(output)")
        #expect(output.contains("Instantiated 8 Zones."), "\(output)")
        #expect(output.contains("Instantiated 17 Services."), "\(output)")
        #expect(!output.contains("warning/"), "\(output)")
    }

    @Test func monitAcceptsTheStanzas() throws {
        let run = try Scheduler.script("monit-check-config.sh", [])
        #expect(run.code == 0, "\(run)")
        #expect(run.stdout.contains("Control file syntax OK"), "\(run)")
    }

    /// The validators do fail on a broken file (so a pass above means something).
    @Test func nagiosRejectsACommandThatIsNotDefined() throws {
        let dir = try Scheduler.tempDir("nagios-broken")
        defer { Scheduler.remove(dir) }
        // nagios4 reads its configuration as the nagios user.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir)
        let conf = Plugin.root + "/nagios-config"
        let broken = Shipped.text("nagios-config/example-platform.cfg")
            .replacingOccurrences(of: "check_mailcheck_smtp_session!", with: "check_mailcheck_smtp_sessionx!")
        try broken.write(toFile: dir + "/example-platform.cfg", atomically: true, encoding: .utf8)
        try """
        cfg_file=\(conf)/commands.cfg
        cfg_file=\(conf)/templates.cfg
        cfg_file=\(dir)/example-platform.cfg
        cfg_file=\(conf)/example-hosts.cfg
        resource_file=\(conf)/resource.cfg
        log_file=\(dir)/nagios.log
        """.write(toFile: dir + "/nagios.cfg", atomically: true, encoding: .utf8)
        let run = try Plugin.exec("/usr/sbin/nagios4", ["-v", dir + "/nagios.cfg"])
        #expect(run.code != 0, "\(run)")
        #expect(run.stdout.contains("check_mailcheck_smtp_sessionx"), "\(run)")
    }
}
