#!/usr/bin/env bash
# sogo-smoke.sh: runs the requests written down in docs/sogo-notes.md against the private SOGo
# (scripts/stacks/sogo-private.sh start first) and exits 1 at the first answer that differs from the
# notes, naming it. Prints one line per step. Leaves nothing behind: the event it creates has a
# fresh UID and is deleted, and the web sessions it opens are logged off.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
eval "$("$ROOT/scripts/stacks/sogo-private.sh" env)"
"$ROOT/scripts/stacks/sogo-private.sh" status >/dev/null || { echo "sogo-smoke: the private SOGo is not running" >&2; exit 1; }

U=$SOGO_URL D=$SOGO_DAV_URL
ALICE_PASS=$(cat "$SOGO_ALICE_PASS_FILE")
WORK=$(mktemp -d)
EV_UID="mailcheck-smoke-$$-$(date +%s%N)"
CAL=$D/alice/Calendar/personal
trap 'curl -s -o /dev/null -u "alice:$ALICE_PASS" -X DELETE "$CAL/$EV_UID.ics" || true; rm -rf "$WORK"' EXIT

fail() { echo "sogo-smoke: FAIL: $*" >&2; exit 1; }
ok() { echo "ok   $*"; }

# req NAME CURL-ARGS...: run curl, leaving the status in $CODE, headers in $WORK/h, body in $WORK/b.
req() {
  local name=$1; shift
  CODE=$(curl -sS -m 20 -D "$WORK/h" -o "$WORK/b" -w '%{http_code}' "$@") || fail "$name: curl failed"
}
want_code() { [ "$CODE" = "$2" ] || fail "$1: status $CODE, want $2: $(head -c 300 "$WORK/b")"; }
want_body() { grep -qF -- "$2" "$WORK/b" || fail "$1: body lacks '$2': $(head -c 300 "$WORK/b")"; }
lacks_body() { ! grep -qF -- "$2" "$WORK/b" || fail "$1: body has '$2'"; }
header() { tr -d '\r' <"$WORK/h" | awk -v k="$1" 'BEGIN{IGNORECASE=1} index(tolower($0), tolower(k) ":") == 1 { sub(/^[^:]*: */, ""); print; exit }'; }
xsrf() { awk '$6 == "XSRF-TOKEN" { print $7 }' "$1"; }

# login JAR USER PASS
login() {
  req "login $2" -c "$1" -H 'Content-Type: application/json' \
    --data-binary "{\"userName\":\"$2\",\"password\":\"$3\",\"rememberLogin\":0}" "$U/connect"
}

# --- web UI -------------------------------------------------------------------------------
J=$WORK/alice.jar
login "$J" alice "$ALICE_PASS"; want_code login 200; want_body login '"cn":"Alice Test"'
grep -q $'\t0xHIGHFLYxSOGo\t' "$J" || fail "login: no 0xHIGHFLYxSOGo cookie"
X=$(xsrf "$J"); [ -n "$X" ] || fail "login: no XSRF-TOKEN cookie"
ok "POST /SOGo/connect -> 200, session and XSRF-TOKEN cookies"

req "mail view" -b "$J" "$U/so/alice/Mail/view"; want_code "mail view" 200; want_body "mail view" 'Mail | SOGo'
ok "GET /SOGo/so/alice/Mail/view -> 200 Mail page"

req "folder list" -b "$J" -H "X-XSRF-TOKEN: $X" "$U/so/alice/Mail/0/view"
want_code "folder list" 200; want_body "folder list" '"type":"inbox"'
ok "GET /SOGo/so/alice/Mail/0/view -> 200 {\"mailboxes\":[... INBOX ...]}"

req "folder list without XSRF" -b "$J" "$U/so/alice/Mail/0/view"; want_code "folder list without XSRF" 500
ok "GET /SOGo/so/alice/Mail/0/view without X-XSRF-TOKEN -> 500"

req "INBOX list" -b "$J" -H "X-XSRF-TOKEN: $X" -H 'Content-Type: application/json' \
  --data-binary '{"sortingAttributes":{"sort":"arrival","asc":0}}' "$U/so/alice/Mail/0/folderINBOX/view"
want_code "INBOX list" 200; want_body "INBOX list" '"uids":['
ok "POST /SOGo/so/alice/Mail/0/folderINBOX/view -> 200 {\"uids\":[...]}"

cp "$J" "$WORK/old.jar"
req logoff -b "$J" -c "$J" -H "X-XSRF-TOKEN: $X" "$U/so/alice/logoff"; want_code logoff 302
ok "GET /SOGo/so/alice/logoff -> 302 Location $(header Location)"
req "old session" -b "$WORK/old.jar" -H "X-XSRF-TOKEN: $X" "$U/so/alice/Mail/0/view"
want_code "old session" 200; lacks_body "old session" '"mailboxes"'; want_body "old session" '<title sg-default="SOGo">'
ok "old cookie after logoff -> 200 login page, no JSON"

login "$WORK/bad.jar" alice "not-$ALICE_PASS"; want_code "wrong password" 403
want_body "wrong password" '{"LDAPPasswordPolicyError":65535}'
ok "wrong password -> 403 {\"LDAPPasswordPolicyError\":65535}"

NJ=$WORK/nobackend.jar
login "$NJ" "$SOGO_NOBACKEND_USER" "$(cat "$SOGO_NOBACKEND_PASS_FILE")"; want_code "nobackend login" 200
NX=$(xsrf "$NJ")
req "nobackend folders" -b "$NJ" -H "X-XSRF-TOKEN: $NX" "$U/so/$SOGO_NOBACKEND_USER/Mail/0/view"
want_code "nobackend folders" 200; want_body "nobackend folders" '{"mailboxes":[]}'
req "nobackend INBOX" -b "$NJ" -H "X-XSRF-TOKEN: $NX" -H 'Content-Type: application/json' \
  --data-binary '{"sortingAttributes":{"sort":"arrival","asc":0}}' "$U/so/$SOGO_NOBACKEND_USER/Mail/0/folderINBOX/view"
want_code "nobackend INBOX" 500; want_body "nobackend INBOX" 'communicating with the mail server'
req "nobackend logoff" -b "$NJ" -H "X-XSRF-TOKEN: $NX" "$U/so/$SOGO_NOBACKEND_USER/logoff"
ok "IMAP down: login 200, folder list 200 {\"mailboxes\":[]}, INBOX 500 mail-server error"

# --- DAV ----------------------------------------------------------------------------------
A=(-u "alice:$ALICE_PASS")
XML=(-H 'Content-Type: application/xml; charset=utf-8')

req "dav no auth" -X PROPFIND -H 'Depth: 0' "$D/alice/"; want_code "dav no auth" 401
ok "PROPFIND /SOGo/dav/alice/ without credentials -> 401 ($(header WWW-Authenticate))"

req principal "${A[@]}" "${XML[@]}" -X PROPFIND -H 'Depth: 0' --data-binary \
  '<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>' "$D/"
want_code principal 207; want_body principal '<D:current-user-principal xmlns:D="DAV:"><D:href>/SOGo/dav/alice/</D:href>'
ok "PROPFIND /SOGo/dav/ current-user-principal -> /SOGo/dav/alice/"

req homes "${A[@]}" "${XML[@]}" -X PROPFIND -H 'Depth: 0' --data-binary \
  '<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:a="urn:ietf:params:xml:ns:carddav"><d:prop><c:calendar-home-set/><a:addressbook-home-set/></d:prop></d:propfind>' "$D/alice/"
want_code homes 207; want_body homes '/SOGo/dav/alice/Calendar/</D:href></a:calendar-home-set>'
want_body homes '/SOGo/dav/alice/Contacts/</D:href></b:addressbook-home-set>'
ok "calendar-home-set /SOGo/dav/alice/Calendar/, addressbook-home-set /SOGo/dav/alice/Contacts/"

PF='<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><d:resourcetype/><d:displayname/><cs:getctag/></d:prop></d:propfind>'
req calendars "${A[@]}" "${XML[@]}" -X PROPFIND -H 'Depth: 1' --data-binary "$PF" "$D/alice/Calendar/"
want_code calendars 207; want_body calendars '<D:href>/SOGo/dav/alice/Calendar/personal/</D:href>'
want_body calendars '<calendar xmlns="urn:ietf:params:xml:ns:caldav"/>'
req addressbooks "${A[@]}" "${XML[@]}" -X PROPFIND -H 'Depth: 1' --data-binary "$PF" "$D/alice/Contacts/"
want_code addressbooks 207; want_body addressbooks '<D:href>/SOGo/dav/alice/Contacts/personal/</D:href>'
want_body addressbooks '<addressbook xmlns="urn:ietf:params:xml:ns:carddav"/>'
ok "Calendar/personal/ (calendar) and Contacts/personal/ (addressbook) listed"

printf '%s\r\n' BEGIN:VCALENDAR VERSION:2.0 'PRODID:-//mailcheck//sogo-smoke//EN' BEGIN:VEVENT \
  "UID:$EV_UID" DTSTAMP:20260101T000000Z DTSTART:20260115T100000Z DTEND:20260115T110000Z \
  'SUMMARY:mailcheck probe' END:VEVENT END:VCALENDAR >"$WORK/ev.ics"
ICS=(-H 'Content-Type: text/calendar; charset=utf-8' --data-binary "@$WORK/ev.ics")
req put "${A[@]}" -X PUT -H 'If-None-Match: *' "${ICS[@]}" "$CAL/$EV_UID.ics"
want_code put 201; E1=$(header ETag); [ -n "$E1" ] || fail "put: no ETag"
ok "PUT new event -> 201 ETag $E1"

req get "${A[@]}" "$CAL/$EV_UID.ics"; want_code get 200; want_body get "UID:$EV_UID"
[ "$(header ETag)" = "$E1" ] || fail "get: ETag $(header ETag), want $E1"
ok "GET event -> 200, same ETag"

req report "${A[@]}" "${XML[@]}" -X REPORT -H 'Depth: 1' --data-binary \
  '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20260115T000000Z" end="20260116T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>' "$CAL/"
want_code report 207; want_body report "<D:href>/SOGo/dav/alice/Calendar/personal/$EV_UID.ics</D:href>"
# The ETag comes back XML-escaped (&quot;); bash 5.2 would expand & in ${x//pat/rep}, so strip.
E1_BARE=${E1#\"}; E1_BARE=${E1_BARE%\"}
want_body report "<D:getetag>&quot;$E1_BARE&quot;</D:getetag>"
ok "REPORT calendar-query -> 207 with the event and its ETag"

req "put again" "${A[@]}" -X PUT -H "If-Match: $E1" "${ICS[@]}" "$CAL/$EV_UID.ics"
want_code "put again" 204; E2=$(header ETag); [ -n "$E2" ] && [ "$E2" != "$E1" ] || fail "put again: ETag '$E2' (was $E1)"
req "stale put" "${A[@]}" -X PUT -H "If-Match: $E1" "${ICS[@]}" "$CAL/$EV_UID.ics"; want_code "stale put" 412
ok "PUT If-Match current -> 204 ETag $E2; If-Match stale -> 412"

req delete "${A[@]}" -X DELETE -H "If-Match: $E2" "$CAL/$EV_UID.ics"; want_code delete 204
req "get deleted" "${A[@]}" "$CAL/$EV_UID.ics"; want_code "get deleted" 404
ok "DELETE -> 204, then GET -> 404"
echo "sogo-smoke: all answers as in docs/sogo-notes.md"
