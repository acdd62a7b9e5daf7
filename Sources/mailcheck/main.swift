// The multi-call executable: `check_smtp_session` (a symlink) runs the SMTP check, and so on.
import MailChecks

CheckRegistry.main(CommandLine.arguments)
