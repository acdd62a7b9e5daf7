import CheckKit

/// The phases of a POP3 session, as the POP3 timeline measures them.
public enum POP3Phase: String, ConnectionPhase {
    case resolve, connect, tls, banner, capa, login, stat, quit
}
