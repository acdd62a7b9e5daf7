#!/usr/bin/env bash
# dav-private.sh: private, real CalDAV/CardDAV servers on 127.0.0.1 for the DAV checks' tests.
#
#   scripts/stacks/dav-private.sh start    start Radicale and Xandikos and seed them (idempotent)
#   scripts/stacks/dav-private.sh stop     stop what this script started (by recorded PID only)
#   scripts/stacks/dav-private.sh status   exit 0 when both answer
#   scripts/stacks/dav-private.sh env      print KEY=value lines (shell-sourceable) for the tests
#
# Radicale (Debian python3-radicale) on RADICALE_PORT with htpasswd users alice and bob (two users,
# so a 403 on another user's collection can be tested), and Xandikos (Debian xandikos) on
# XANDIKOS_PORT as the second, independent server implementation. Xandikos has no authentication
# of its own (it expects a reverse proxy in front): it serves one principal, /alice/.
# Everything lives under ${DAV_DIR:-/tmp/mailcheck-dav}; /etc is neither read nor changed.
set -euo pipefail
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
STACK_NAME=dav-private
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

DIR=${DAV_DIR:-/tmp/mailcheck-dav}
DIR=${DIR%/}
HOST=127.0.0.1
RADICALE_PORT=15232
XANDIKOS_PORT=15242
USERS=(alice bob)
RAD=$DIR/radicale
XAN=$DIR/xandikos
SECRETS=$DIR/secrets
LOGS=$DIR/log

# ours NAME PATTERN: the recorded PID of NAME when it is alive and its command line still
# contains PATTERN (a recycled PID is never signalled).
ours() {
  local pid
  pid=$(head -n1 "$DIR/run/$1.pid" 2>/dev/null | tr -dc 0-9) || true
  alive "$pid" || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$2" || return 1
  echo "$pid"
}

answers() { curl -s -o /dev/null -m 2 -w '%{http_code}\n' "$1" | grep -qv '^000$'; }

wait_for() {
  for _ in $(seq 100); do answers "$1" && return 0; sleep 0.1; done
  return 1
}

layout() {
  mkdir -p "$DIR/run" "$LOGS" "$SECRETS" "$RAD/etc" "$RAD/collections" "$XAN/data"
  chmod 755 "$DIR" "$DIR/run"
  for u in "${USERS[@]}"; do
    [ -s "$SECRETS/$u.pass" ] || printf '%spass\n' "$u" > "$SECRETS/$u.pass"
    chmod 600 "$SECRETS/$u.pass"
  done
  : > "$RAD/etc/users.new"
  for u in "${USERS[@]}"; do printf '%s:%s\n' "$u" "$(head -n1 "$SECRETS/$u.pass")" >> "$RAD/etc/users.new"; done
  mv "$RAD/etc/users.new" "$RAD/etc/users"
  chown root:nogroup "$RAD/etc/users"; chmod 640 "$RAD/etc/users"
  cat > "$RAD/etc/config" <<EOF
[server]
hosts = $HOST:$RADICALE_PORT
max_connections = 40
timeout = 30
[auth]
type = htpasswd
htpasswd_filename = $RAD/etc/users
htpasswd_encryption = plain
realm = mailcheck-test
delay = 1
[rights]
type = owner_only
[storage]
type = multifilesystem
filesystem_folder = $RAD/collections
[web]
type = none
[logging]
level = warning
mask_passwords = True
EOF
  # HOME for both is their own directory: dulwich (Xandikos' git store) reads ~/.gitconfig.
  chown -R nobody:nogroup "$RAD/collections" "$XAN"
}

start_radicale() {
  ours radicale "$RAD/etc/config" >/dev/null && return 0
  ! port_taken "$RADICALE_PORT" || die "port $RADICALE_PORT is held by another process"
  setsid sh -c 'echo $$ > "$0"; exec "$@"' "$DIR/run/radicale.pid" \
    setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$RAD" \
    /usr/bin/python3 -m radicale -C "$RAD/etc/config" >>"$LOGS/radicale.log" 2>&1 < /dev/null 9>&- &
  wait_for "http://$HOST:$RADICALE_PORT/" || die "Radicale did not answer (see $LOGS/radicale.log)"
}

start_xandikos() {
  ours xandikos "$XAN/data" >/dev/null && return 0
  ! port_taken "$XANDIKOS_PORT" || die "port $XANDIKOS_PORT is held by another process"
  setsid sh -c 'echo $$ > "$0"; exec "$@"' "$DIR/run/xandikos.pid" \
    setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env HOME="$XAN" XDG_CONFIG_HOME="$XAN" GIT_CONFIG_NOSYSTEM=1 \
    /usr/bin/python3 /usr/bin/xandikos -d "$XAN/data" --defaults -l "$HOST" -p "$XANDIKOS_PORT" \
    --current-user-principal /alice/ >>"$LOGS/xandikos.log" 2>&1 < /dev/null 9>&- &
  wait_for "http://$HOST:$XANDIKOS_PORT/" || die "Xandikos did not answer (see $LOGS/xandikos.log)"
}

# req USER METHOD URL [curl args...]: one request, prints the status code.
req() {
  local user=$1 method=$2 url=$3; shift 3
  curl -s -o /dev/null -m 10 -w '%{http_code}\n' -u "$user:$(head -n1 "$SECRETS/$user.pass")" -X "$method" "$@" "$url"
}

# exists USER URL: the collection is there. Xandikos answers 207 even for a missing path (the
# 404 is inside), so the body's status decides, not the HTTP code.
exists() {
  curl -s -m 10 -u "$1:$(head -n1 "$SECRETS/$1.pass")" -X PROPFIND -H 'Depth: 0' "$2" | grep -q ' 200 OK'
}

event() { # UID DTSTART DTEND [RRULE]
  printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//mailcheck//test//EN\r\nBEGIN:VEVENT\r\nUID:%s\r\nDTSTAMP:20260101T000000Z\r\nDTSTART%s\r\nDTEND%s\r\n%sSUMMARY:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' \
    "$1" "$2" "$3" "${4:+$4$'\r\n'}" "${1%%-*}"
}
card() { # NAME
  printf 'BEGIN:VCARD\r\nVERSION:3.0\r\nUID:%s-card@example.test\r\nFN:%s Sample\r\nN:Sample;%s;;;\r\nEMAIL;TYPE=INTERNET:%s@example.test\r\nEND:VCARD\r\n' "$1" "$1" "$1" "$1"
}

MKCAL='<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>%s</D:displayname><C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>'
MKBOOK='<D:mkcol xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype><D:displayname>%s</D:displayname></D:prop></D:set></D:mkcol>'

# seed_items BASE CALENDAR-PATH EMPTY-PATH BOOK-PATH [mkcol]: the fixtures, created only when missing
# (a test that changed them would see them recreated, never overwritten).
seed_items() {
  local base=$1 cal=$2 empty=$3 book=$4 u=alice
  if [ -n "${5:-}" ]; then
    req $u PROPFIND "$base/" -H 'Depth: 0' >/dev/null   # Radicale creates /alice/ on first login
    for c in "$cal" "$empty"; do
      exists $u "$base$c" ||
        req $u MKCALENDAR "$base$c" -H 'Content-Type: application/xml' --data-binary "$(printf "$MKCAL" "$(basename "$c")")" >/dev/null
    done
    exists $u "$base$book" ||
      req $u MKCOL "$base$book" -H 'Content-Type: application/xml' --data-binary "$(printf "$MKBOOK" "$(basename "$book")")" >/dev/null
  else
    # Xandikos: the calendar and the address book come from --defaults; only the empty one is ours.
    exists $u "$base$empty" ||
      req $u MKCALENDAR "$base$empty" -H 'Content-Type: application/xml' --data-binary "$(printf "$MKCAL" empty)" >/dev/null
  fi
  local put=(-H 'If-None-Match: *')
  [ "$(req $u GET "$base${cal}standup.ics")" = 200 ] ||
    req $u PUT "$base${cal}standup.ics" "${put[@]}" -H 'Content-Type: text/calendar' --data-binary "$(event standup-alice@example.test ':20260101T090000Z' ':20260101T091500Z' 'RRULE:FREQ=DAILY')" >/dev/null
  [ "$(req $u GET "$base${cal}xmas.ics")" = 200 ] ||
    req $u PUT "$base${cal}xmas.ics" "${put[@]}" -H 'Content-Type: text/calendar' --data-binary "$(event xmas-alice@example.test ':20251224T180000Z' ':20251224T210000Z')" >/dev/null
  [ "$(req $u GET "$base${cal}launch.ics")" = 200 ] ||
    req $u PUT "$base${cal}launch.ics" "${put[@]}" -H 'Content-Type: text/calendar' --data-binary "$(event launch-alice@example.test ';VALUE=DATE:20300115' ';VALUE=DATE:20300116')" >/dev/null
  for n in bob carol dave; do
    [ "$(req $u GET "$base$book$n.vcf")" = 200 ] ||
      req $u PUT "$base$book$n.vcf" "${put[@]}" -H 'Content-Type: text/vcard' --data-binary "$(card $n)" >/dev/null
  done
}

seed() {
  seed_items "http://$HOST:$RADICALE_PORT/alice" /calendar/ /empty/ /contacts/ mkcol
  # bob's own calendar: the collection alice must get a 403 on.
  req bob PROPFIND "http://$HOST:$RADICALE_PORT/bob/" -H 'Depth: 0' >/dev/null
  exists bob "http://$HOST:$RADICALE_PORT/bob/calendar/" ||
    req bob MKCALENDAR "http://$HOST:$RADICALE_PORT/bob/calendar/" -H 'Content-Type: application/xml' --data-binary "$(printf "$MKCAL" bob)" >/dev/null
  # Xandikos' --defaults made /alice/calendars/calendar/ and /alice/contacts/addressbook/.
  seed_items "http://$HOST:$XANDIKOS_PORT/alice" /calendars/calendar/ /calendars/empty/ /contacts/addressbook/
}

stop_one() {
  local pid
  pid=$(ours "$1" "$2") || { rm -f "$DIR/run/$1.pid"; return 0; }
  kill_and_wait "$pid"
  rm -f "$DIR/run/$1.pid"
}

case ${1:-} in
  start)
    [ "$(id -u)" -eq 0 ] || die "needs root (the servers run as nobody)"
    exec 9>"$DIR.lock"; flock 9
    layout; start_radicale; start_xandikos; seed ;;
  stop)
    exec 9>"$DIR.lock"; flock 9
    stop_one radicale "$RAD/etc/config"; stop_one xandikos "$XAN/data" ;;
  status)
    ours radicale "$RAD/etc/config" >/dev/null && answers "http://$HOST:$RADICALE_PORT/" &&
      ours xandikos "$XAN/data" >/dev/null && answers "http://$HOST:$XANDIKOS_PORT/" ;;
  env)
    cat <<EOF
DAV_DIR=$DIR
RADICALE_URL=http://$HOST:$RADICALE_PORT/
XANDIKOS_URL=http://$HOST:$XANDIKOS_PORT/
DAV_USERS="${USERS[*]}"
DAV_PASSWORD_FILE_alice=$SECRETS/alice.pass
DAV_PASSWORD_FILE_bob=$SECRETS/bob.pass
EOF
    ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 3 ;;
esac
