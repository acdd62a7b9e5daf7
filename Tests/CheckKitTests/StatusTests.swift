#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CheckKit

struct StatusTests {
    @Test("exit codes and labels", arguments: [
        (Status.ok, Int32(0), "OK"), (.warning, 1, "WARNING"), (.critical, 2, "CRITICAL"), (.unknown, 3, "UNKNOWN"),
    ] as [(Status, Int32, String)])
    func exitCodeAndLabel(status: Status, code: Int32, label: String) {
        #expect(status.exitCode == code)
        #expect(status.label == label)
    }

    @Test("worst-state order is OK < UNKNOWN < WARNING < CRITICAL")
    func order() {
        #expect(Status.ok < .unknown)
        #expect(Status.unknown < .warning)
        #expect(Status.warning < .critical)
        #expect(Status.allCases.sorted() == [.ok, .unknown, .warning, .critical])
        #expect([Status.warning, .unknown, .ok].max() == .warning)
        #expect([Status.unknown, .ok].max() == .unknown)
        #expect([Status.critical, .unknown, .warning].max() == .critical)
    }

    @Test("every exit code is 0-3")
    func exitCodesInRange() {
        for status in Status.allCases { #expect((0...3).contains(status.exitCode)) }
    }

    @Test("state names parse in any case", arguments: [
        ("ok", Status.ok), ("OK", .ok), ("Warning", .warning), ("warn", .warning), ("CRITICAL", .critical),
        ("crit", .critical), ("unknown", .unknown), ("UNKNOWN", .unknown), ("0", .ok), ("1", .warning),
        ("2", .critical), ("3", .unknown),
    ] as [(String, Status)])
    func parseName(text: String, expected: Status) {
        #expect(Status(name: text) == expected)
    }

    @Test("bad state names are refused", arguments: ["", "bogus", "4", "-1", " ok", "okay", "critical "])
    func badName(text: String) {
        #expect(Status(name: text) == nil)
    }
}

struct DeadlineTests {
    @Test("a fresh deadline has time left")
    func fresh() {
        let deadline = Deadline(seconds: 30, expiryStatus: .critical)
        #expect(!deadline.isExpired)
        #expect(deadline.remaining > 29 && deadline.remaining <= 30)
        #expect(deadline.remainingMilliseconds > 29000)
    }

    @Test("elapsed counts from the deadline's creation, and remaining is the budget minus it")
    func elapsedCounts() {
        let before = Deadline.now()
        let deadline = Deadline(seconds: 30, expiryStatus: .critical)
        usleep(50_000)
        let elapsed = deadline.elapsed
        let remaining = deadline.remaining
        let after = Deadline.now()
        #expect(elapsed >= 0.05, "slept 50 ms, elapsed \(elapsed)")
        #expect(elapsed <= after - before)
        #expect(remaining <= 30 - elapsed && remaining >= 30 - (after - before))
    }

    @Test("an expired deadline has nothing left but still at least 1 ms for APIs")
    func expired() async throws {
        let deadline = Deadline(seconds: 0.01, expiryStatus: .unknown)
        try await Task.sleep(for: .milliseconds(30))
        #expect(deadline.isExpired)
        #expect(deadline.remaining == 0)
        #expect(deadline.remainingMilliseconds == 1)
    }

    @Test("the expiry error carries the expiry state and the activity")
    func expiredError() {
        let deadline = Deadline(seconds: 2.5, expiryStatus: .warning)
        let error = deadline.expiredError(while: "reading the banner")
        #expect(error.status == .warning)
        #expect(error.message == "timed out after 2.5 s reading the banner")
    }

    @Test("now() is monotonic")
    func monotonic() {
        let a = Deadline.now()
        let b = Deadline.now()
        #expect(b >= a)
    }
}
