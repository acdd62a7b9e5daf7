import CheckKit

/// The phases of a webmail visit, as the product flows (form, Roundcube, SOGo) measure them.
enum WebmailPhase: String, PhaseName {
    case loginPage = "login_page"
    case login, mailbox, folder, logout
}
