import Foundation
import Testing

/// check_caldav and check_carddav against the private Radicale: read-only, --write (the user's
/// items byte-for-byte unchanged), counts and thresholds, and the failures a user meets.
@Suite(.serialized) struct DAVRadicaleTests {
    static func args(_ extra: [String], user: String = "alice") -> [String] {
        ["-u", DAVServers.radicale, "-U", user, "--password-file", DAVServers.passwordFile(user), "-t", "20"] + extra
    }

    @Test func readOnlyCountsTheRecurringEventOnce() throws {
        let run = try Plugin.run("check_caldav", Self.args(["--window", "7d", "-v"]))
        #expect(run.code == 0, "\(run)")
        #expect(run.status.hasPrefix("CALDAV OK - alice: 2 calendars"))
        // standup.ics repeats daily: one event (its master), not seven.
        #expect(run.metric("events_calendar") == 1)
        #expect(run.metric("events_empty") == 0)
        #expect(run.metric("collections") == 2)
        for label in ["time", "time_discovery", "time_principal", "time_home", "time_list", "time_query_calendar"] {
            #expect(run.metric(label) != nil, "no \(label)")
        }
        #expect(run.stdout.contains("ctag"))
        #expect(run.stderr.isEmpty)
    }

    @Test func carddavCountsCards() throws {
        let run = try Plugin.run("check_carddav", Self.args(["--addressbook", "contacts", "--items-critical", "3:"]))
        #expect(run.code == 0, "\(run)")
        #expect(run.metric("cards_contacts") == 3)
    }

    @Test func writeRoundTripLeavesTheUsersItemsUntouched() throws {
        let before = DAVServers.snapshot(DAVServers.radicaleAlice)
        let cal = try Plugin.run("check_caldav", Self.args(["--calendar", "calendar", "--write", "--check-name", "t-write", "-v"]))
        let card = try Plugin.run("check_carddav", Self.args(["--write", "--check-name", "t-write"]))
        #expect(cal.code == 0, "\(cal)")
        #expect(card.code == 0, "\(card)")
        for label in ["time_put", "time_get", "time_delete"] {
            #expect(cal.metric(label) != nil && card.metric(label) != nil, "no \(label)")
        }
        let after = DAVServers.snapshot(DAVServers.radicaleAlice)
        #expect(before.keys.filter { !$0.contains(".Radicale.props") }.sorted() == after.keys.filter { !$0.contains(".Radicale.props") }.sorted())
        for (path, data) in before { #expect(after[path] == data, "\(path) changed") }
        #expect(!after.keys.contains { $0.contains("mailcheck-t-write-") }, "a probe was left behind")
    }

    @Test func concurrentWritesWithOneCheckName() throws {
        // Four runs at once, each through posix_spawn (Plugin.run), never Foundation's Process.
        let results = Mutex4()
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let run = try? Plugin.run("check_caldav", Self.args(["--calendar", "calendar", "--write", "--check-name", "t-concurrent"]))
            results.set(i, run)
        }
        for run in results.all {
            #expect(run?.code == 0, "\(run.map { "\($0)" } ?? "did not run")")
        }
        let left = DAVServers.snapshot(DAVServers.radicaleAlice).keys.filter { $0.contains("mailcheck-t-concurrent-") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test func staleProbeOfTheSameCheckNameIsSweptOthersStay() throws {
        let base = DAVServers.radicale + "alice/calendar/"
        let old = "mailcheck-t-sweep-1000000000000-0123456789abcdef0123456789abcdef.ics"
        let other = "mailcheck-t-other-1000000000000-0123456789abcdef0123456789abcdef.ics"
        for name in [old, other] {
            let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:\(name)\r\nDTSTAMP:19700102T000000Z\r\nDTSTART:19700102T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            _ = try Plugin.exec("/usr/bin/curl", ["-s", "-m", "10", "-u", "alice:alicepass", "-X", "PUT", "-H", "Content-Type: text/calendar",
                                                  "--data-binary", ics, base + name])
        }
        defer {
            for name in [old, other] { _ = try? Plugin.exec("/usr/bin/curl", ["-s", "-m", "10", "-u", "alice:alicepass", "-X", "DELETE", base + name]) }
        }
        let run = try Plugin.run("check_caldav", Self.args(["--calendar", "calendar", "--write", "--check-name", "t-sweep", "-v"]))
        #expect(run.code == 0, "\(run)")
        #expect(run.stdout.contains("swept a stale probe"))
        let files = DAVServers.snapshot(DAVServers.radicaleAlice + "/calendar").keys
        #expect(!files.contains(old))
        #expect(files.contains(other))
    }

    @Test func emptyCalendarWithItemsCriticalIsCritical() throws {
        let run = try Plugin.run("check_caldav", Self.args(["--calendar", "empty", "--items-critical", "1:"]))
        #expect(run.code == 2, "\(run)")
        #expect(run.status.hasPrefix("CALDAV CRITICAL"))
        #expect(run.status.contains("empty: 0 events"))
    }

    @Test func missingCalendarIsCritical() throws {
        let run = try Plugin.run("check_caldav", Self.args(["--calendar", "holidays"]))
        #expect(run.code == 2, "\(run)")
        #expect(run.status.contains("no calendar holidays"))
        let required = try Plugin.run("check_caldav", Self.args(["--require-collection", "holidays"]))
        #expect(required.code == 2, "\(required)")
    }

    @Test func wrongPasswordIsCriticalNamingTheStep() throws {
        let file = NSTemporaryDirectory() + "dav-wrong-\(getpid())"
        try "not-the-password\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let run = try Plugin.run("check_caldav", ["-u", DAVServers.radicale, "-U", "alice", "--password-file", file, "-t", "20"])
        #expect(run.code == 2, "\(run)")
        #expect(run.status.contains("principal: authentication failed for alice (HTTP 401)"))
    }

    @Test func anotherUsersCollectionIs403() throws {
        let run = try Plugin.run("check_caldav", ["-u", DAVServers.radicale + "bob/calendar/", "-U", "alice",
                                                  "--password-file", DAVServers.passwordFile("alice"), "-t", "20"])
        #expect(run.code == 2, "\(run)")
        #expect(run.status.contains("403"))
    }

    @Test func serverDownIsCritical() throws {
        let run = try Plugin.run("check_carddav", ["-u", "http://127.0.0.1:1/", "-U", "alice", "--password-file", DAVServers.passwordFile("alice")])
        #expect(run.code == 2, "\(run)")
        #expect(run.status.contains("discovery: cannot connect"))
    }
}

/// The same checks against Xandikos, a second, independent implementation (prefixed namespaces,
/// status before prop, a home below the principal).
@Suite struct DAVXandikosTests {
    static func args(_ extra: [String]) -> [String] {
        ["-u", DAVServers.xandikos, "-U", "alice", "--password-file", DAVServers.passwordFile("alice"), "-t", "20"] + extra
    }

    @Test func caldavWriteOK() throws {
        let run = try Plugin.run("check_caldav", Self.args(["--calendar", "calendar", "--write", "--check-name", "t-xandikos", "-v"]))
        #expect(run.code == 0, "\(run)")
        #expect(run.stdout.contains("home: \(DAVServers.xandikos)alice/calendars/"))
        #expect(run.metric("time_delete") != nil)
    }

    @Test func carddavCountsCardsAndWrites() throws {
        let run = try Plugin.run("check_carddav", Self.args(["--write", "--check-name", "t-xandikos"]))
        #expect(run.code == 0, "\(run)")
        #expect(run.metric("cards_addressbook") == 3)
    }
}

/// Four results filled from concurrent threads.
final class Mutex4: @unchecked Sendable {
    private let lock = NSLock()
    private var runs: [PluginRun?] = [nil, nil, nil, nil]
    func set(_ i: Int, _ run: PluginRun?) { lock.lock(); runs[i] = run; lock.unlock() }
    var all: [PluginRun?] { lock.lock(); defer { lock.unlock() }; return runs }
}
