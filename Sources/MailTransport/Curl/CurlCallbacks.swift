#if canImport(Glibc)
import Glibc
#endif
import CLibcurl

// The C callbacks every handle installs; each finds its Swift object through the opaque user
// pointer CurlEasy set next to it, and that object lives exactly as long as the handle.

let sinkCallback: mc_data_callback = { data, size, count, user in
    let total = size * count
    guard let user, let data else { return total }
    // A sink that refuses bytes (full, and told to stop the transfer) makes curl abort with
    // CURLE_WRITE_ERROR, which the caller reads as "too large" through `overflowed`.
    let accepted = Unmanaged<DataSink>.fromOpaque(user).takeUnretainedValue()
        .append(UnsafeRawBufferPointer(start: data, count: total))
    return accepted ? total : 0
}

let uploadCallback: mc_data_callback = { buffer, size, count, user in
    guard let user, let buffer else { return 0 }
    return Unmanaged<UploadBox>.fromOpaque(user).takeUnretainedValue().source
        .read(into: UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
}

let transcriptCallback: curl_debug_callback = { handle, type, data, size, user in
    guard let user, let data else { return 0 }
    let transcript = Unmanaged<Transcript>.fromOpaque(user).takeUnretainedValue()
    // curl notes "Server certificate:" right after the handshake, while the connection's SSL
    // object holds the peer's certificate: read its facts now (CURLOPT_CERTINFO's text is dearer).
    if transcript.readsCertificate, type == CURLINFO_TEXT, let handle, size >= 19,
       memcmp(data, "Server certificate:", 19) == 0 {
        var peer = mc_peer_certificate()
        if mc_read_peer_certificate(handle, &peer) == 0 { transcript.certificate = CertificateFacts(peer) }
    }
    // A TLS handshake message read from the server (curl reports each as SSL_DATA_IN right
    // after reading it; record headers are 5 bytes, TLS 1.3's inner content types 1 byte, and
    // application data is not reported): a session ticket, which the server may hold its next
    // write behind, is acknowledged now instead of after the 40 ms delayed-ACK timer
    // (PromptAcknowledgement). Only these: re-arming on every event sent a bare ACK for each
    // reply that the next command would have carried, 8 segments and ~100 system calls more
    // per STARTTLS run (issue 14).
    if type == CURLINFO_SSL_DATA_IN, size > 5 { transcript.acknowledgement?.rearm() }
    let before = transcript.events.count
    transcript.record(type, UnsafeRawBufferPointer(start: data, count: size))
    // A server reply curl cannot answer (an XOAUTH2 error continuation) ends the transfer now.
    if transcript.wantsHangUp(from: before), let fd = transcript.acknowledgement?.socket, fd >= 0 {
        shutdown(fd, Int32(SHUT_RDWR))
    }
    return 0
}
