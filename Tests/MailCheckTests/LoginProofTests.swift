import Foundation
import Testing

/// A login asked for with -U that cannot happen is CRITICAL in every check that logs in: IMAP
/// servers with LOGINDISABLED or without AUTH=PLAIN, one that greets PREAUTH (libcurl then skips
/// AUTHENTICATE), POP3 servers without the USER or SASL capability, and the delivery probe's
/// SMTP side against the stack's MX port, which offers no AUTH.
@Suite struct LoginProofTests {
    @Test func imapLoginDisabledIsCritical() throws {
        let server = try ScriptedServer(greeting: "* OK fake IMAP ready") { line in
            let words = line.split(separator: " ").map(String.init)
            guard words.count >= 2 else { return [] }
            switch words[1].uppercased() {
            case "CAPABILITY": return ["* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED", "\(words[0]) OK done"]
            case "LOGIN": return ["\(words[0]) NO LOGIN is disabled"]
            default: return ["\(words[0]) OK done"]
            }
        }
        let base = ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "3"]
        let login = try Plugin.run("check_imap_login", base + ["--auth-mechanism", "LOGIN"])
        expectWellFormed(login)
        #expect(login.code == 2, "\(login)")
        #expect(login.status == "IMAP_LOGIN CRITICAL - LOGIN is disabled by 127.0.0.1:\(server.port) (LOGINDISABLED): NO LOGIN is disabled", "\(login)")
        let plain = try Plugin.run("check_imap_login", base)
        expectWellFormed(plain)
        #expect(plain.code == 2, "\(plain)")
        #expect(plain.status == "IMAP_LOGIN CRITICAL - AUTHENTICATE PLAIN not offered by 127.0.0.1:\(server.port) (no AUTH= capability); try --auth-mechanism LOGIN", "\(plain)")
    }

    @Test func imapPreauthMeansTheLoginNeverHappened() throws {
        let server = try ScriptedServer(greeting: "* PREAUTH [CAPABILITY IMAP4rev1 AUTH=PLAIN] welcome") { line in
            let words = line.split(separator: " ").map(String.init)
            guard words.count >= 2 else { return [] }
            switch words[1].uppercased() {
            case "CAPABILITY": return ["* CAPABILITY IMAP4rev1 AUTH=PLAIN", "\(words[0]) OK done"]
            case "LOGOUT": return ["* BYE bye", "\(words[0]) OK bye"]
            default: return ["\(words[0]) OK done"]
            }
        }
        let run = try Plugin.run("check_imap_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "3"])
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status == "IMAP_LOGIN CRITICAL - AUTHENTICATE PLAIN was never sent to 127.0.0.1:\(server.port) (it greeted PREAUTH)", "\(run)")
    }

    @Test func pop3WithoutUserCapabilityIsCritical() throws {
        // Dovecot before STLS with plaintext auth disabled: CAPA has no USER, USER is refused.
        let server = try ScriptedServer(greeting: "+OK fake POP3 ready") { line in
            switch line.split(separator: " ").first.map({ $0.uppercased() }) ?? "" {
            case "CAPA": return ["+OK", "STLS", "SASL", "."]
            case "USER": return ["-ERR [AUTH] Plaintext authentication disallowed on non-secure connections."]
            case "QUIT": return ["+OK bye"]
            default: return ["-ERR no"]
            }
        }
        let base = ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "3"]
        let user = try Plugin.run("check_pop3_login", base)
        expectWellFormed(user)
        #expect(user.code == 2, "\(user)")
        #expect(user.status == "POP3_LOGIN CRITICAL - USER/PASS not offered by 127.0.0.1:\(server.port) (no USER capability; before STLS?): [AUTH] Plaintext authentication disallowed on non-secure connections.", "\(user)")
        let plain = try Plugin.run("check_pop3_login", base + ["--auth-mechanism", "PLAIN"])
        expectWellFormed(plain)
        #expect(plain.code == 2, "\(plain)")
        #expect(plain.status == "POP3_LOGIN CRITICAL - AUTH PLAIN not offered by 127.0.0.1:\(server.port) (no SASL; before STLS?)", "\(plain)")
    }

    @Test func pop3WithoutSaslPlainSuggestsUser() throws {
        let server = try ScriptedServer.pop3(capa: ["USER", "SASL GSSAPI"])
        let run = try Plugin.run("check_pop3_login", ["-H", "127.0.0.1", "-p", "\(server.port)", "-U", "u", "-P", "p", "-t", "3",
                                                      "--auth-mechanism", "PLAIN"])
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status == "POP3_LOGIN CRITICAL - AUTH PLAIN not offered by 127.0.0.1:\(server.port) (SASL GSSAPI); try --auth-mechanism USER", "\(run)")
    }

    @Test func deliveryProbeIsNeverSentWithoutTheAuthAskedFor() throws {
        let checkName = DeliveryLab.checkName("noauth")
        let alice = IMAPMailbox.User.alice
        defer { DeliveryLab.cleanUp(checkName: checkName, sender: "probe@\(MailStack["MAIL_DOMAIN"])") }
        let run = try Plugin.run("check_delivery_latency", DeliveryLab.arguments(checkName) + [
            "--smtp-user", alice.name, "--smtp-password-file", alice.passwordFile, "-t", "5"])
        expectWellFormed(run)
        #expect(run.code == 2, "\(run)")
        #expect(run.status == "DELIVERY_LATENCY CRITICAL - SMTP: AUTH not offered by \(MailStack.host):\(MailStack["SMTP_PORT"]) (before STARTTLS?)", "\(run)")
        #expect(run.seconds < 4, "\(run)")
        // The upload was aborted before the body: nothing may arrive.
        usleep(500_000)
        #expect(try DeliveryLab.probes(containing: "mailcheck/\(checkName)/").isEmpty, "an unauthenticated probe was delivered")
    }
}
