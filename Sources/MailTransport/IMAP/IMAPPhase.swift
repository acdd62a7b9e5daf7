import CheckKit

/// The phases of an IMAP visit: the session measures the opening and login, the check the
/// folder, fetch, quota and logout steps it asks for.
public enum IMAPPhase: String, ConnectionPhase {
    case resolve, connect, tls, banner, capability, login, folder, fetch, quota, logout
}
