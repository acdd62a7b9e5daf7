import Testing
@testable import CheckKit

/// Phase names are typed, but what users see stays the raw name: interpolation, perfdata
/// labels, the `--phase-warning` names accepted and listed in the help.
@Suite struct PhaseNameTests {
    enum Sample: String, PhaseName {
        case loginPage = "login_page"
        case logout
    }

    static func parse(_ arguments: [String]) throws -> ParsedOptions {
        try OptionParser.parse(arguments, specs: PhaseThresholds.totalSpecs + PhaseThresholds.phaseSpecs(Sample.allCases))
    }

    @Test func interpolationPrintsTheRawName() {
        let time = PhaseTime(Sample.loginPage, 0.5)
        #expect("\(time.name)" == "login_page")
    }

    @Test func thresholdsAreReadByRawNameAndLabelled() throws {
        let timing = try PhaseThresholds(Self.parse(["--phase-critical", "login_page=0.1"]), phases: Sample.allCases)
        #expect(timing.has(Sample.loginPage))
        #expect(!timing.has(Sample.logout))
        let result = timing.result(PhaseTime(Sample.loginPage, 0.5))
        #expect(result.status == .critical)
        #expect(result.perfdata.first?.label == "time_login_page")
    }

    @Test func anUnknownPhaseIsAUsageError() throws {
        let options = try Self.parse(["--phase-warning", "loginPage=1"])
        #expect(throws: UsageError.self) { try PhaseThresholds(options, phases: Sample.allCases) }
    }

    @Test func theHelpListsTheRawNamesInOrder() {
        let help = PhaseThresholds.phaseSpecs(Sample.allCases)[0].help
        #expect(help.contains("one of login_page, logout;"))
    }
}
