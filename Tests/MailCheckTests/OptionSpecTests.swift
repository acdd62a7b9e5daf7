import CheckKit
import Foundation
import MailChecks
import Testing

/// Every option a check reads is one it declares: a name read but not declared would never be
/// set by any command line (the parser rejects it), so the feature behind it would be dead.
/// Reads with a literal name in the check's own folder (and the shared folder of a family of
/// checks, such as DAV) are found in the source; the shared readers (ConnectionOptions,
/// Credentials, PhaseThresholds) read the specs they made themselves, under the names they are
/// given (OptionNamesTests checks the delivery check's sides).
@Suite struct OptionSpecTests {
    // Checks read their options through `options.` (ParsedOptions); other readers with the same
    // method names (a JSON helper's `.string("message", in:)`) are not options.
    static let reads = try! NSRegularExpression(pattern: #"options\.(?:string|strings|count|flag|has|int|double|range|choice|namedRanges)\("([a-z0-9-]+)""#)
    static let thresholdPairs = try! NSRegularExpression(pattern: #"thresholds\(warning: "([a-z0-9-]+)", critical: "([a-z0-9-]+)"\)"#)

    /// Folders under Sources/MailChecks shared by a family of checks, whose reads count for each of them.
    static let sharedFolders = ["check_caldav": ["DAV"], "check_carddav": ["DAV"]]

    /// The folder under Sources/MailChecks whose files declare `programName = "NAME"`.
    static func folder(of name: String) throws -> String {
        let base = Plugin.root + "/Sources/MailChecks"
        for folder in try FileManager.default.contentsOfDirectory(atPath: base) {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: base + "/" + folder)) ?? []
            for file in files where file.hasSuffix(".swift") {
                let text = Shipped.text("Sources/MailChecks/\(folder)/\(file)")
                if text.contains("programName = \"\(name)\"") { return base + "/" + folder }
            }
        }
        return ""
    }

    /// Option names read with a literal in the files of `folder`.
    static func namesRead(in folder: String) throws -> [String: String] {
        var found: [String: String] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: folder) where file.hasSuffix(".swift") {
            let text = (try? String(contentsOfFile: folder + "/" + file, encoding: .utf8)) ?? ""
            let range = NSRange(text.startIndex..., in: text)
            for regex in [reads, thresholdPairs] {
                for match in regex.matches(in: text, range: range) {
                    for group in 1..<match.numberOfRanges {
                        if let r = Range(match.range(at: group), in: text) { found[String(text[r])] = file }
                    }
                }
            }
        }
        return found
    }

    @Test(arguments: CheckRegistry.checks.map { $0.programName })
    func everyOptionReadIsDeclared(name: String) throws {
        let check = try #require(CheckRegistry.check(named: name))
        let declared = Set((PluginRunner.commonOptions + check.options).map(\.long))
        let folder = try Self.folder(of: name)
        try #require(!folder.isEmpty, "no folder under Sources/MailChecks declares \(name)")
        var read = try Self.namesRead(in: folder)
        for shared in Self.sharedFolders[name] ?? [] {
            read.merge(try Self.namesRead(in: Plugin.root + "/Sources/MailChecks/" + shared)) { own, _ in own }
        }
        #expect(!read.isEmpty, "\(name): no option reads found in \(folder)")
        for (option, file) in read.sorted(by: { $0.key < $1.key }) {
            #expect(declared.contains(option), "\(name) reads --\(option) in \(file) but does not declare it")
        }
    }
}
