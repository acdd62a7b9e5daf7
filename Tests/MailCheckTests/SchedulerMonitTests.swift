import Foundation
import Testing

/// A real Monit (Debian's package), private, runs the shipped `check program` stanzas
/// (monit-config/mailcheck.monitrc) against the test mail stack (scripts/stacks/monit-private.sh),
/// and `monit status` shows every one of them OK.
@Suite struct SchedulerMonitTests {
    /// One `Program 'name'` block of `monit status`.
    struct Program: CustomStringConvertible {
        var name = ""
        var fields: [String: String] = [:]
        var description: String { "\(name): \(fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))" }
    }

    static func programs(_ status: String) -> [Program] {
        var programs: [Program] = []
        var current: Program?
        for line in status.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("Program '") || line.hasPrefix("System '") || line.isEmpty {
                if let done = current { programs.append(done) }
                current = nil
                if line.hasPrefix("Program '") {
                    current = Program(name: String(line.dropFirst("Program '".count).prefix { $0 != "'" }))
                }
                continue
            }
            guard current != nil else { continue }
            let text = line.trimmingCharacters(in: .whitespaces)
            guard let gap = text.range(of: "  ") else { continue }
            current?.fields[String(text[..<gap.lowerBound])] = text[gap.upperBound...].trimmingCharacters(in: .whitespaces)
        }
        if let done = current { programs.append(done) }
        return programs
    }

    @Test func shippedStanzasAreOKUnderARealMonit() throws {
        let stack = MailStack.env
        try #require(!stack.isEmpty, "the test mail stack did not start")
        let checks = try Scheduler.checks()
        try #require(!checks.isEmpty)
        let dir = try Scheduler.tempDir("monit")
        defer {
            _ = try? Scheduler.script("stacks/monit-private.sh", ["stop", dir])
            Scheduler.remove(dir)
        }
        let start = try Scheduler.script("stacks/monit-private.sh", ["start", dir])
        try #require(start.code == 0, "\(start)")

        // Monit runs a program in one cycle (1 s here) and reads its exit in a later one;
        // the stanzas run every 2 or 5 cycles.
        let shipped = try String(contentsOfFile: Plugin.root + "/monit-config/mailcheck.monitrc", encoding: .utf8)
        let expected = Set(shipped.split(separator: "\n").compactMap { line -> String? in
            let words = line.split(separator: " ")
            return words.count > 2 && words[0] == "check" && words[1] == "program" ? String(words[2]) : nil
        })
        #expect(expected.count >= checks.count, "a stanza per check: \(expected.sorted()) for \(checks)")
        var last = ""
        let done = try Scheduler.wait(40) {
            last = try Scheduler.script("stacks/monit-private.sh", ["status", dir]).stdout
            let programs = Self.programs(last)
            return Set(programs.map(\.name)) == expected && programs.allSatisfy { $0.fields["last exit value"] != nil }
        }
        try #require(done, "monit status never showed a result for every check (\(expected.sorted())):\n\(last)")
        // The network checks must be OK against the stack. The local ones depend on this
        // machine (how full its disk is; how long a message other suites left for the
        // deferred domain has waited): their status must follow their exit value and output.
        let local: Set<String> = ["check_disk_growth", "check_mta_queue"]
        for program in Self.programs(last) {
            let output = program.fields["last output"] ?? ""
            let check = checks.first { output.hasPrefix($0.dropFirst("check_".count).uppercased() + " ") }
            #expect(check != nil, "output names no check: \(program)")
            let exit = Int(program.fields["last exit value"] ?? "") ?? -1
            #expect(stateNumber(ofOutput: output) == exit, "\(program)")
            #expect(program.fields["status"] == (exit == 0 ? "OK" : "Status failed"), "\(program)")
            if let check, !local.contains(check) {
                #expect(exit == 0, "\(program)")
            }
            if check == "check_mta_queue" {
                // OK, or WARNING when mail another suite left for the deferred domain has aged.
                #expect(exit == 0 || exit == 1, "the stack's queue, read as root: \(program)")
            }
        }
    }
}
