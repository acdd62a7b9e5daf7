import Testing
@testable import CheckKit

/// The run's one wall clock: `MAILCHECK_NOW` is read strictly (plain seconds, bounded so no
/// later conversion can trap), and a fixed clock answers the fixed time.
@Suite struct WallClockTests {
    @Test func plainSecondsAreAccepted() {
        #expect(WallClock.plainSeconds("1700000000") == 1_700_000_000)
        #expect(WallClock.plainSeconds("1700000000.25") == 1_700_000_000.25)
        #expect(WallClock.plainSeconds("+12") == 12)
        #expect(WallClock.plainSeconds("0") == 0)
    }

    @Test(arguments: ["", "soon", "-5", "1e9", "inf", "nan", "0x10", "1.2.3", ".", "+", " 5", "5 ", "99999999999999999999"])
    func otherTextIsRejected(_ text: String) {
        #expect(WallClock.plainSeconds(text) == nil)
    }

    @Test func aFixedClockAnswersItsTime() {
        #expect(WallClock(fixed: 86_400).now() == 86_400)
        let context = RunContext(verbosity: 0, deadline: Deadline(seconds: 1, expiryStatus: .critical), clock: WallClock(fixed: 5))
        #expect(context.clock.now() == 5)
    }

    @Test func theRealClockIsAfter2020() {
        // A sanity bound, not a comparison of measured times.
        #expect(WallClock().now() > 1_577_836_800)
    }
}
