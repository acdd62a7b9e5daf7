#!/usr/bin/env bash
# bench-webmail-flow.sh BASE-URL USER PASSWORD-FILE [curl options...]: the peer of check_webmail_login
# for scripts/bench.d/webmail_login.sh, the same Roundcube requests in curl with a cookie jar:
# GET the login page, POST the form with its _token (redirect not followed, as the check does),
# GET the mailbox, list INBOX and the first other folder, log out, then GET the mailbox again to
# prove the session is dead. PASSWORD-FILE holds the password without a newline (curl reads it,
# it is never on a command line). Exits 2 when a step does not show what the check insists on.
set -eu
base=$1 user=$2 pw=$3; shift 3
jar=$(mktemp)
trap 'rm -f "$jar"' EXIT
c() { curl -sS -m 30 -b "$jar" -c "$jar" "$@"; }
page=$(c -L "$@" "${base}?_task=login")
token=$(printf '%s' "$page" | sed -n 's/.*name="_token" value="\([^"]*\)".*/\1/p' | head -n 1)
loc=$(c "$@" -o /dev/null -w '%{redirect_url}' --data-urlencode "_token=$token" -d _task=login -d _action=login \
      -d _timezone=UTC -d _url=_task=login --data-urlencode "_user=$user" --data-urlencode "_pass@$pw" "${base}?_task=login")
case $loc in *_task=mail*) ;; *) echo "bench-webmail-flow: login not redirected to the mailbox" >&2; exit 2 ;; esac
mbox=$(c -L "$@" "$loc")
rt=$(printf '%s' "$mbox" | sed -n 's/.*"request_token":"\([^"]*\)".*/\1/p' | head -n 1)
second=$(printf '%s' "$mbox" | sed -n 's/.*"mailboxes_list":\[\([^]]*\)\].*/\1/p' | tr ',' '\n' | tr -d '"' | grep -vx INBOX | head -n 1 || true)
for f in INBOX ${second:+"$second"}; do
    c -L "$@" -H "X-Roundcube-Request: $rt" "${base}?_task=mail&_action=list&_mbox=$f&_remote=1" | grep -q '^{"action":"list"' ||
        { echo "bench-webmail-flow: folder $f not listed" >&2; exit 2; }
done
c -L "$@" -o /dev/null "${base}?_task=logout&_token=$rt"
c -L "$@" "${base}?_task=mail" | grep -q '"task":"login"' || { echo "bench-webmail-flow: still logged in after logout" >&2; exit 2; }
