/// The namespaces and element names the DAV checks read and write.
public enum DAVName {
    /// WebDAV (RFC 4918).
    public static let dav = "DAV:"
    /// CalDAV (RFC 4791).
    public static let caldav = "urn:ietf:params:xml:ns:caldav"
    /// CardDAV (RFC 6352).
    public static let carddav = "urn:ietf:params:xml:ns:carddav"
    /// Apple's calendarserver extensions (getctag).
    public static let calendarServer = "http://calendarserver.org/ns/"

    /// `DAV:collection` in a resourcetype.
    public static let collection = XMLName(dav, "collection")
    /// `C:calendar` in a resourcetype: a calendar collection.
    public static let calendar = XMLName(caldav, "calendar")
    /// `CR:addressbook` in a resourcetype: an address book collection.
    public static let addressbook = XMLName(carddav, "addressbook")
    /// `DAV:principal` in a resourcetype.
    public static let principal = XMLName(dav, "principal")
}
