# check_caldav and check_carddav beside curl doing the same requests on the private Radicale 3.1
# (scripts/stacks/dav-private.sh), as alice, from the server's root URL: GET /.well-known/caldav
# (or carddav; the redirect not followed), PROPFIND Depth 0 current-user-principal, PROPFIND
# Depth 0 of the principal's home set, PROPFIND Depth 1 of the home, then per calendar a
# calendar-query REPORT over the next 7 days (alice has two calendars), per address book a
# Depth 1 PROPFIND of the ETags. curl is given the URLs the check discovers (it parses nothing)
# and does every request in one process (--next in a config file; Radicale answers HTTP/1.0, so
# each request has its own connection for curl and the check alike), the
# cheapest curl can be; the check reads every answer with its XML reader.
# Sourced variables: BENCH_BIN, RUNS, DEBIAN_LIBCURL; function measure.
scripts/stacks/dav-private.sh start
eval "$(scripts/stacks/dav-private.sh env)"
DAV_ROOT=${RADICALE_URL%/}
DAV_TMP=$(mktemp -d)
chmod 700 "$DAV_TMP"
DAV_LOGIN=(-U alice --password-file "$DAV_PASSWORD_FILE_alice")
# The bodies the check sends (Sources/MailChecks/DAV/DAVDiscovery.swift, DAVQueries.swift).
printf '%s' '<D:propfind xmlns:D="DAV:"><D:prop><D:current-user-principal/></D:prop></D:propfind>' >"$DAV_TMP/principal.xml"
printf '%s' '<D:propfind xmlns:D="DAV:"><D:prop><C:calendar-home-set xmlns:C="urn:ietf:params:xml:ns:caldav"/></D:prop></D:propfind>' >"$DAV_TMP/calhome.xml"
printf '%s' '<D:propfind xmlns:D="DAV:"><D:prop><CR:addressbook-home-set xmlns:CR="urn:ietf:params:xml:ns:carddav"/></D:prop></D:propfind>' >"$DAV_TMP/cardhome.xml"
printf '%s' '<D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/"><D:prop><D:resourcetype/><D:displayname/><CS:getctag/><D:sync-token/></D:prop></D:propfind>' >"$DAV_TMP/list.xml"
printf '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="%s" end="%s"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>' \
    "$(date -u +%Y%m%dT%H%M%SZ)" "$(date -u -d '+7 days' +%Y%m%dT%H%M%SZ)" >"$DAV_TMP/query.xml"
printf '%s' '<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/><D:resourcetype/></D:prop></D:propfind>' >"$DAV_TMP/cards.xml"

# dav_step METHOD DEPTH BODY-FILE URL: one request of a curl config file (the login is repeated
# because --next starts every transfer's options afresh).
dav_step() {
    printf 'next\nuser = "alice:%s"\noutput = "/dev/null"\nrequest = "%s"\nheader = "Depth: %s"\n' "$(head -n 1 "$DAV_PASSWORD_FILE_alice")" "$1" "$2"
    printf 'header = "Content-Type: application/xml; charset=utf-8"\ndata-binary = "@%s"\nurl = "%s"\n' "$DAV_TMP/$3" "$4"
}
# dav_flow WELL-KNOWN HOME-BODY then lines of "METHOD BODY URL" for the collections.
dav_flow() {
    printf 'silent\nshow-error\nmax-time = 30\nuser = "alice:%s"\noutput = "/dev/null"\nurl = "%s"\n' "$(head -n 1 "$DAV_PASSWORD_FILE_alice")" "$DAV_ROOT/.well-known/$1"
    dav_step PROPFIND 0 principal.xml "$DAV_ROOT/"
    dav_step PROPFIND 0 "$2" "$DAV_ROOT/alice/"
    dav_step PROPFIND 1 list.xml "$DAV_ROOT/alice/"
}
{ dav_flow caldav calhome.xml; dav_step REPORT 1 query.xml "$DAV_ROOT/alice/calendar/"; dav_step REPORT 1 query.xml "$DAV_ROOT/alice/empty/"; } >"$DAV_TMP/caldav.curlrc"
{ dav_flow carddav cardhome.xml; dav_step PROPFIND 1 cards.xml "$DAV_ROOT/alice/contacts/"; } >"$DAV_TMP/carddav.curlrc"
chmod 600 "$DAV_TMP"/*.curlrc

measure "mailcheck check_caldav (2 calendars)" "$BENCH_BIN/check_caldav" -u "$RADICALE_URL" "${DAV_LOGIN[@]}"
MAILCHECK_LIBCURL=$DEBIAN_LIBCURL measure "mailcheck check_caldav, Debian's libcurl" "$BENCH_BIN/check_caldav" -u "$RADICALE_URL" "${DAV_LOGIN[@]}"
measure "curl, the same 6 requests in one process" curl -K "$DAV_TMP/caldav.curlrc"
measure "mailcheck check_carddav (1 address book)" "$BENCH_BIN/check_carddav" -u "$RADICALE_URL" "${DAV_LOGIN[@]}"
MAILCHECK_LIBCURL=$DEBIAN_LIBCURL measure "mailcheck check_carddav, Debian's libcurl" "$BENCH_BIN/check_carddav" -u "$RADICALE_URL" "${DAV_LOGIN[@]}"
measure "curl, the same 5 requests in one process" curl -K "$DAV_TMP/carddav.curlrc"
rm -rf "$DAV_TMP"
