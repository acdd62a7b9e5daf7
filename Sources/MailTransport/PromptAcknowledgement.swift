import CLibcurl

/// Acknowledges the server's data at once instead of after the kernel's 40 ms delayed-ACK
/// timer, so that phase times measure the server, not our kernel's ACK policy.
///
/// Why (packet captures on loopback, issue 14): with TLS 1.3 the server sends its session
/// tickets right after the handshake, in a segment of their own. Postfix leaves Nagle's
/// algorithm on, so its next small write (the SMTPS greeting, or the reply to the EHLO that
/// follows STARTTLS) waits until the tickets are acknowledged. A Linux client that has just
/// sent (Finished, then EHLO) is in delayed-ACK mode and acknowledges only when its 40 ms
/// timer fires: the reply then arrives 40-45 ms late although Postfix produced it in well
/// under a millisecond. Python's smtplib escapes it after STARTTLS only because it sends EHLO
/// after the tickets arrived (the ACK rides on the EHLO); with implicit TLS it waits the same
/// 40 ms. TCP_QUICKACK is not sticky (the kernel re-enters delayed-ACK mode whenever we send
/// soon after receiving), so it is re-armed after each TLS handshake message read from the
/// server, session tickets included (transcriptCallback): that flushes the pending ACK the
/// server's held write waits for. Not after plain replies and application data: there the next
/// command carries the ACK, and re-arming on every event (as at first) cost 8 bare ACK
/// segments and ~100 system calls per STARTTLS run, 0.3 ms (issue 14). An ACK we send early
/// costs the server nothing; the server's own latency is unchanged.
final class PromptAcknowledgement {
    /// The connection's socket, once libcurl made it; -1 before.
    var socket: Int32 = -1

    /// Sends a pending ACK now and leaves delayed-ACK mode, until we send again.
    func rearm() {
        if socket >= 0 { mc_tcp_quickack(socket) }
    }
}

/// Called by libcurl for each socket it creates: remembers it and starts in quick-ACK mode.
let rememberSocket: curl_sockopt_callback = { user, fd, _ in
    guard let user else { return Int32(CURL_SOCKOPT_OK) }
    let acks = Unmanaged<PromptAcknowledgement>.fromOpaque(user).takeUnretainedValue()
    acks.socket = fd
    acks.rearm()
    return Int32(CURL_SOCKOPT_OK)
}
