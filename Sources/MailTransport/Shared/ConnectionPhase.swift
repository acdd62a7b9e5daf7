import CheckKit

/// The phases every mail protocol opens with, so the shared transcript code can name them
/// for any protocol's enum (enum cases of the same names satisfy these requirements).
public protocol ConnectionPhase: PhaseName {
    /// Name resolution, curl's own timer.
    static var resolve: Self { get }
    /// TCP connect.
    static var connect: Self { get }
    /// The TLS handshake: implicit TLS, or the STARTTLS/STLS upgrade.
    static var tls: Self { get }
    /// From the open stream to the server's greeting.
    static var banner: Self { get }
}
