import Foundation
import Testing

/// scripts/test-fast.sh skips the suites that need the real mail stack, root or a scheduler;
/// a suite that starts needing one without being listed there would break the fast command
/// for a newcomer, so this finds such a suite by what its file uses.
@Suite struct TestSplitTests {
    /// What only the full run (scripts/test.sh) provides.
    static let stackMarkers = ["MailStack[", "IMAPMailbox.", "ScratchFilesystem(", "Scheduler.script(",
                               "DeliveryLab.doveadm", "DeliveryLab.arguments", "mta-queue-postfix.sh", "mta-queue-exim.sh",
                               "Webmail[", "DAVServers."]

    /// The suite names in test-fast.sh's STACK_SUITES=( ... ).
    static func stackSuites() -> Set<String> {
        let script = Shipped.text("scripts/test-fast.sh")
        guard let start = script.range(of: "STACK_SUITES=("), let end = script[start.upperBound...].firstIndex(of: ")") else { return [] }
        return Set(script[start.upperBound..<end].split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }

    @Test func everySuiteThatNeedsTheStackIsSkippedByTheFastCommand() throws {
        let listed = Self.stackSuites()
        try #require(!listed.isEmpty, "scripts/test-fast.sh has no STACK_SUITES")
        let dir = Plugin.root + "/Tests/MailCheckTests"
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) where file.hasSuffix("Tests.swift") && file != "TestSplitTests.swift" {
            // Code only: a comment may name a script the suite does not run.
            let text = Shipped.text("Tests/MailCheckTests/" + file).split(separator: "\n")
                .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(separator: "\n")
            guard let marker = Self.stackMarkers.first(where: { text.contains($0) }) else { continue }
            for suite in Self.suiteNames(text) {
                #expect(listed.contains(suite), "\(file) uses \(marker): add \(suite) to STACK_SUITES in scripts/test-fast.sh")
            }
        }
    }

    /// Foundation's Process can miss a child's exit in waitUntilExit while parallel tests spawn
    /// (seen: the whole run hung until CI's time limit, the script long dead as a zombie), so
    /// test code runs programs only through Plugin.exec (posix_spawn + waitpid, with a limit).
    @Test func noTestRunsAProgramThroughFoundationProcess() throws {
        let root = Plugin.root + "/Tests"
        guard let files = FileManager.default.enumerator(atPath: root) else { return }
        for case let file as String in files where file.hasSuffix(".swift") && !file.hasSuffix("TestSplitTests.swift") {
            let code = Shipped.text("Tests/" + file).split(separator: "\n")
                .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
            #expect(!code.contains { $0.contains("Process()") || $0.contains("waitUntilExit") },
                    "\(file) uses Foundation's Process: run programs with Plugin.exec")
        }
    }

    /// `struct NameTests` declarations of a file.
    static func suiteNames(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "struct ") else { return nil }
            let name = line[range.upperBound...].prefix(while: { $0.isLetter || $0.isNumber })
            return name.hasSuffix("Tests") ? String(name) : nil
        }
    }
}
