import CheckKit

/// What every mail protocol's timeline shares: when the TCP connection stood, when a TLS
/// handshake finished, the server's greeting, and the opening phases timed from them. Every
/// time comes from one transfer's own clock, so phases never mix two clocks.
protocol ConnectionTranscript {
    associatedtype Events: Collection where Events.Element == Transcript.Event
    /// The transcript events of one transfer.
    var events: Events { get }
}

extension ConnectionTranscript {
    /// When curl noted the connection (after name resolution and the TCP handshake).
    var connected: Double? { events.first(where: { $0.direction == .info && $0.line.hasPrefix("Connected to") })?.time }

    /// curl notes the negotiated protocol and cipher when a handshake finishes.
    var tlsEvent: Transcript.Event? { events.first(where: { $0.direction == .info && $0.line.hasPrefix("SSL connection using") }) }

    /// Negotiated TLS protocol and cipher (`TLSv1.3 / TLS_AES_256_GCM_SHA384`).
    var tlsSession: String? { tlsEvent.map { String($0.line.dropFirst("SSL connection using ".count)) } }

    /// The first line the server sent.
    var greeting: Transcript.Event? { events.first(where: { $0.direction == .received }) }

    /// resolve, connect, tls (implicit TLS only) and banner, each its own duration.
    func openingPhases<Phase: ConnectionPhase>(resolved: Double?, implicitTLS: Bool) -> [PhaseTime<Phase>] {
        var out: [PhaseTime<Phase>] = []
        if let resolved { out.append(PhaseTime(.resolve, resolved)) }
        if let connected { out.append(PhaseTime(.connect, max(0, connected - (resolved ?? 0)))) }
        let tlsDone = tlsEvent?.time
        if implicitTLS, let tlsDone, let connected { out.append(PhaseTime(.tls, max(0, tlsDone - connected))) }
        if let greeting {
            let streamStart = (implicitTLS ? tlsDone : nil) ?? connected ?? 0
            out.append(PhaseTime(.banner, max(0, greeting.time - streamStart)))
        }
        return out
    }

    /// The STARTTLS/STLS phase: from sending the upgrade command to the finished handshake
    /// (the server's go-ahead plus the handshake), or nil when there was none.
    func upgradeSeconds(sent: Transcript.Event?) -> Double? {
        guard let sent, let done = tlsEvent?.time else { return nil }
        return max(0, done - sent.time)
    }

    /// What the server still owed when nothing of the protocol had passed yet, for a timeout.
    func pendingBeforeGreeting(implicitTLS: Bool) -> String {
        if connected == nil { return "connecting" }
        if implicitTLS && tlsEvent == nil { return "during the TLS handshake" }
        return "waiting for the greeting"
    }
}
