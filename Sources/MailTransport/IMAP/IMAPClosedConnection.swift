import CheckKit

/// The error for an IMAP server that closed the connection, naming the step it closed after
/// (`closed the connection after LOGIN`), the same for libcurl's transfers and the raw
/// connection, and whatever the timing: a server that drops the connection right after the
/// login must not read as a broken reply to the next command on one run and not on another.
enum IMAPClosedConnection {
    /// Commands that are the step themselves when they go unanswered.
    static let setupVerbs: Set<String> = ["LOGIN", "AUTHENTICATE", "STARTTLS"]

    /// `unanswered`: the command sent last whose completion never came; `completed`: the last
    /// command that was answered. The step is the unanswered command, except right after a
    /// login: whether the next command went out before the close was seen is a race, so the
    /// login is the step then (and the unanswered command goes to the detail).
    static func error(endpoint: String, unanswered: String?, completed: String?, cause: String?) -> CheckError {
        let step: String?
        if let unanswered, setupVerbs.contains(verb(unanswered)) {
            step = unanswered
        } else if let completed, ["LOGIN", "AUTHENTICATE"].contains(verb(completed)) {
            step = completed
        } else {
            step = unanswered ?? completed
        }
        var detail: [String] = []
        if let unanswered, unanswered != step { detail.append("no reply to \(unanswered)") }
        if let cause { detail.append("libcurl: \(cause)") }
        let after = step.map { " after \($0)" } ?? " before its greeting"
        return .critical("\(endpoint) closed the connection\(after)", detail: detail)
    }

    static func verb(_ command: String) -> String {
        String(command.prefix(while: { $0 != " " })).uppercased()
    }

    /// How a command is named in the message: its verb, with the mechanism for AUTHENTICATE
    /// and the second word for UID commands (`AUTHENTICATE PLAIN`, `UID FETCH`).
    static func name(_ command: Substring) -> String {
        let words = command.split(separator: " ", maxSplits: 2).map { $0.uppercased() }
        guard let first = words.first else { return "" }
        if (first == "AUTHENTICATE" || first == "UID") && words.count > 1 { return "\(first) \(words[1])" }
        return first
    }
}

extension IMAPTimeline {
    /// The last command sent without a completion, and the last command that completed
    /// (as `IMAPClosedConnection.name` calls them), from this transfer's transcript. libcurl
    /// sends a LOGOUT of its own when it drops a failed connection: left out unless `command`
    /// (the transfer's own command) is LOGOUT.
    func lastExchange(command: String = "") -> (unanswered: String?, completed: String?) {
        let skipLogout = command != "LOGOUT"
        var sent: [(tag: String, name: String)] = []
        var completed: String?
        for event in events {
            let tag = Self.tag(event.line)
            guard !tag.isEmpty else { continue }
            if event.direction == .sent {
                if skipLogout && Self.verb(event.line) == "LOGOUT" { continue }
                sent.append((tag, IMAPClosedConnection.name(event.line.dropFirst(tag.count + 1))))
            } else if event.direction == .received, let index = sent.lastIndex(where: { $0.tag == tag }) {
                completed = sent[index].name
                sent.remove(at: index)
            }
        }
        return (sent.last?.name, completed)
    }
}
