import CheckKit

/// Whether the AUTH a run asked for really happened, judged from what the server said and not
/// from curl's success: libcurl skips AUTH silently when the last EHLO offered none (Exim and
/// OpenSMTPD offer it only after STARTTLS), so a transfer can succeed without any login.
enum SMTPAuthProof {
    /// The CRITICAL error when the login asked for did not happen, or nil when an AUTH with
    /// `mechanism` was sent and answered 2xx.
    static func problem(_ timeline: SMTPTimeline, mechanism: SMTPMechanism, endpoint: String) -> CheckError? {
        guard let offered = timeline.authMechanisms else {
            // Without a TLS session the likeliest cause is a server that offers AUTH only after STARTTLS.
            return .critical("AUTH not offered by \(endpoint)\(timeline.tlsEvent == nil ? " (before STARTTLS?)" : "")")
        }
        guard offered.contains(mechanism.rawValue) else {
            let usable = SMTPMechanism.allCases.first { $0 != mechanism && offered.contains($0.rawValue) }
            let list = offered.isEmpty ? "no mechanism" : "offers " + Array(offered.prefix(8)).joinedText(" ")
            return CheckError(.critical, "AUTH \(mechanism.rawValue) not offered by \(endpoint) (\(list))",
                              cause: usable.map { .init(.mechanismNotOffered, $0.rawValue) })
        }
        guard let reply = timeline.authReply else {
            return .critical("AUTH \(mechanism.rawValue) was never sent to \(endpoint)")
        }
        guard reply.hasPrefix("2") else {
            return CheckError(.critical, "AUTH \(mechanism.rawValue) not accepted by \(endpoint): \(reply)", cause: .init(.loginRefused, reply))
        }
        return nil
    }
}
