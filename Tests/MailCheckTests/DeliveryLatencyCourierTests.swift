import Foundation
import Testing

/// check_delivery_latency against an IMAP server that, like Courier-IMAP, shows new mail to a
/// session only after a NOOP or IDLE: repeated UID SEARCH alone never sees the probe. The
/// fake SMTP server puts the probe in the fake "maildir" when it accepts it (or `delay` later).
@Suite struct DeliveryLatencyCourierTests {
    /// An SMTP server that accepts any message and delivers it to `imap` after `delay` seconds.
    static func smtp(delivering imap: CourierLikeIMAP, after delay: Double) throws -> ScriptedServer {
        let state = imap.state
        return try ScriptedServer(greeting: "220 fake.test ESMTP") { line in
            switch line.split(separator: " ").first.map({ $0.uppercased() }) ?? "" {
            case "EHLO", "HELO": return ["250 fake.test"]
            case "MAIL", "RCPT": return ["250 2.1.0 Ok"]
            case "DATA": return ["354 End data with <CR><LF>.<CR><LF>"]
            case ".":
                state.deliver(after: delay)
                return ["250 2.0.0 Ok: queued as COURIER1"]
            case "QUIT": return ["221 2.0.0 Bye"]
            default: return []
            }
        }
    }

    static func run(_ imap: CourierLikeIMAP, delay: Double, _ extra: [String]) throws -> PluginRun {
        let smtp = try Self.smtp(delivering: imap, after: delay)
        return try Plugin.run("check_delivery_latency", [
            "-H", "127.0.0.1", "--smtp-port", "\(smtp.port)", "--imap-port", "\(imap.port)", "-U", "u@courier.test", "-P", "p",
            "--check-name", DeliveryLab.checkName("courier"), "-vv"] + extra)
    }

    @Test(arguments: [["--no-idle"], []])
    func probeIsFoundAtOnceWhenNewMailShowsOnlyAfterNOOP(mode: [String]) throws {
        let imap = try CourierLikeIMAP(idle: mode.isEmpty)
        let run = try Self.run(imap, delay: 0, ["-t", "6"] + mode)
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        #expect(run.status.hasPrefix("DELIVERY_LATENCY OK - probe delivered to u@courier.test in "), "\(run)")
        // Before the fix: never found with --no-idle, and found only at the first IDLE (2.5 s) without it.
        let latency = try #require(run.metric("latency"), "\(run)")
        #expect(latency < 0.5, "\(run)")
        let commands = imap.state.commands
        #expect(commands.contains("UID STORE 42 +FLAGS.SILENT (\\DELETED)"), "\(commands)")
        #expect(commands.contains("UID EXPUNGE 42"), "\(commands)")
        // Every look gives the server its chance first: each probe search follows a NOOP.
        for (index, command) in commands.enumerated() where command.hasPrefix("UID SEARCH UID 42:*") {
            #expect(index > 0 && commands[index - 1] == "NOOP", "\(commands)")
        }
    }

    @Test func probeArrivingWhileIdlingEndsTheIdleAtOnce() throws {
        // The watch idles once its pauses reach 0.25 s (after 2.5 s); the probe arrives at 3 s.
        // This server tells only an idling session, so the IDLE path alone can find it.
        let imap = try CourierLikeIMAP(idle: true, revealOn: ["IDLE"])
        let run = try Self.run(imap, delay: 3, ["-t", "8"])
        expectWellFormed(run)
        #expect(run.code == 0, "\(run)")
        let latency = try #require(run.metric("latency"), "\(run)")
        #expect(latency >= 2.9 && latency < 3.5, "\(run)")
        #expect(run.stdout.contains("watch: IDLE reported new mail"), "\(run)")
        #expect(run.stdout.contains(", IDLE between looks)"), "\(run)")
        #expect(imap.state.commands.contains("IDLE") && imap.state.commands.contains("DONE"))
    }
}
