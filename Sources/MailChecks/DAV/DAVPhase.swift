import CheckKit

/// The phases of a CalDAV/CardDAV visit: discovery to the collection list, then the
/// query per collection and the write probe's put, get and delete.
enum DAVPhase: String, PhaseName {
    case discovery, principal, home, list, query, put, get, delete
}
