#!/usr/bin/env bash
# The suite's main job: sets everything up (packages, release build, the local test mail
# stack) and runs every check against it, printing the lines Nagios would see.
set -uo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh || exit 1
./scripts/stacks/mailstack.sh start || exit 1
eval "$(./scripts/stacks/mailstack.sh env)"
make --no-print-directory build >/dev/null || { echo "build failed"; exit 1; }
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
make --no-print-directory install DESTDIR="$bin" PLUGINDIR=/plugins MANDIR=/man >/dev/null
P="$bin/plugins"

run() {
    printf '$ %s\n' "$*"
    "$P/$1" "${@:2}"
    printf '  (exit %s)\n\n' "$?"
}

echo "== MX: SMTP with STARTTLS, certificate verified against the test CA"
run check_smtp_session -H "$MAIL_HOST" -p "$SMTP_PORT" --starttls --cacert "$CA_CERT" --sni "$TLS_SERVER_NAME" -w 1 -c 3 --cert-warning 30 --cert-critical 7
echo "== Submission: STARTTLS and AUTH as a user"
run check_smtp_session -H "$MAIL_HOST" -p "$SUBMISSION_PORT" --starttls --cacert "$CA_CERT" --sni "$TLS_SERVER_NAME" -U "$ALICE_USER" --password-file "$ALICE_PASS_FILE" -w 1 -c 3
echo "== Submissions: implicit TLS"
run check_smtp_session -H "$MAIL_HOST" -p "$SUBMISSIONS_PORT" --tls --cacert "$CA_CERT" --sni "$TLS_SERVER_NAME"

echo "== Mail store and /: how full, how fast they grow, when they will be full (first run: collecting)"
DG_STATE="$bin/disk-growth-state"
run check_disk_growth -p "$MAIL_STORE_DIR" -p / --state-dir "$DG_STATE" --days-warning 30 --days-critical 7 -w 90 -c 95
echo "== The mail store's history replayed over three days (MAILCHECK_NOW), 64 MiB arriving a day"
DG_NOW=$(date +%s)
for day in 2 1; do
    head -c 67108864 /dev/zero >"$bin/arrived-$day" 2>/dev/null
    MAILCHECK_NOW=$((DG_NOW - day * 86400)) "$P/check_disk_growth" -p "$MAIL_STORE_DIR" --state-dir "$DG_STATE/replay" >/dev/null
done
head -c 67108864 /dev/zero >"$bin/arrived-0" 2>/dev/null
MAILCHECK_NOW=$DG_NOW run check_disk_growth -p "$MAIL_STORE_DIR" --state-dir "$DG_STATE/replay" --days-warning 30 --days-critical 7 -v

echo "== MTA queue: the test stack's Postfix (mail to $DEFERRED_DOMAIN waits for a closed port)"
run check_mta_queue --config-dir "$POSTFIX_CONFIG_DIR" --queue deferred -w 100 -c 1000 --age-warning 3600 --age-critical 14400 -v

echo "== IMAP: log in with STARTTLS, open INBOX read-only, read the newest header (nothing marked seen)"
run check_imap_login -H "$MAIL_HOST" -p "$IMAP_PORT" --starttls --cacert "$CA_CERT" --sni "$TLS_SERVER_NAME" -U "$ALICE_USER" --password-file "$ALICE_PASS_FILE" --fetch-latest -w 1 -c 3 -v
echo "== IMAPS: carol's storage quota (1 MiB) against 80/95 %"
run check_imap_login -H "$MAIL_HOST" -p "$IMAPS_PORT" --tls --cacert "$CA_CERT" --sni "$TLS_SERVER_NAME" -U "$CAROL_USER" --password-file "$CAROL_PASS_FILE" --auth-mechanism LOGIN --quota-warning 80 --quota-critical 95
echo "== IMAPS on a listener whose certificate expires in $IMAPS_SHORTCERT_DAYS days"
run check_imap_login -H "$MAIL_HOST" -p "$IMAPS_SHORTCERT_PORT" --tls --cacert "$CA_CERT" --sni "$TLS_SERVER_NAME" -U "$BOB_USER" --password-file "$BOB_PASS_FILE" --cert-warning 30 --cert-critical 3
echo "== IMAP: a folder that does not exist"
run check_imap_login -H "$MAIL_HOST" -p "$IMAP_PORT" -U "$BOB_USER" --password-file "$BOB_PASS_FILE" --folder INBOX --folder "Archive (none)"
echo "== POP3 with STLS (USER/PASS), then POP3S (AUTH PLAIN)"
run check_pop3_login -H "$MAIL_HOST" -p "$POP3_PORT" --starttls --cacert "$CA_CERT" --sni "$TLS_SERVER_NAME" -U "$ALICE_USER" --password-file "$ALICE_PASS_FILE" -w 1 -c 3
run check_pop3_login -H "$MAIL_HOST" -p "$POP3S_PORT" --tls --cacert "$CA_CERT" --sni "$TLS_SERVER_NAME" -U "$ALICE_USER" --password-file "$ALICE_PASS_FILE" --auth-mechanism PLAIN --messages-warning 5000

echo "== Delivery: a probe through the MX into bob's INBOX (IMAP with STARTTLS), timed, its hops read, then deleted"
DL=(-H "$MAIL_HOST" --imap-port "$IMAP_PORT" --imap-starttls --cacert "$CA_CERT" --imap-sni "$TLS_SERVER_NAME" -U "$BOB_USER" --password-file "$BOB_PASS_FILE" --from "probe@$MAIL_DOMAIN")
run check_delivery_latency "${DL[@]}" --smtp-port "$SMTP_PORT" -w 5 -c 20 -v
echo "== Outbound style: submission with STARTTLS and AUTH as alice, into bob's INBOX"
run check_delivery_latency "${DL[@]}" --smtp-port "$SUBMISSION_PORT" --smtp-starttls --smtp-sni "$TLS_SERVER_NAME" --smtp-user "$ALICE_USER" --smtp-password-file "$ALICE_PASS_FILE" --check-name demo-submission -w 5 -c 20
echo "== A probe that waits in Postfix's deferred queue: CRITICAL at the deadline, left for a later run"
run check_delivery_latency "${DL[@]}" --smtp-port "$SMTP_PORT" --to "$DEFERRED_RCPT" --check-name demo-deferred -t 3 | tee "$bin/deferred.out"
DL_QUEUE_ID=$(sed -n 's/.*(queue ID \([^)]*\)).*/\1/p' "$bin/deferred.out")
echo "== Released (postqueue -i $DL_QUEUE_ID) and delivered: the next run of the same check name sweeps it"
[ -n "$DL_QUEUE_ID" ] && postqueue -c "$POSTFIX_CONFIG_DIR" -i "$DL_QUEUE_ID" && sleep 2
run check_delivery_latency "${DL[@]}" --smtp-port "$SMTP_PORT" --check-name demo-deferred -t 3 --stale-after 4 -v

echo "== Webmail: the private Roundcube (scripts/stacks/webmail-private.sh) over https, bob logs in, opens folders, logs out"
if ./scripts/stacks/webmail-private.sh start >/dev/null 2>&1; then
    eval "$(./scripts/stacks/webmail-private.sh env)"
    run check_webmail_login -u "$WEBMAIL_HTTPS_URL" --cacert "$WEBMAIL_CA_CERT" -U "$BOB_USER" --password-file "$BOB_PASS_FILE" -w 2 -c 5 --cert-warning 21 -v
    echo "== Webmail whose IMAP server is down: Roundcube's own words"
    run check_webmail_login -u "$WEBMAIL_IMAPDOWN_URL" -U "$BOB_USER" --password-file "$BOB_PASS_FILE"
else
    echo "(the private Roundcube did not start: see scripts/stacks/webmail-private.sh)"
fi

echo "== CalDAV and CardDAV: alice's calendars (with a write round trip) and address books on the private Radicale (scripts/stacks/dav-private.sh)"
if ./scripts/stacks/dav-private.sh start >/dev/null 2>&1; then
    eval "$(./scripts/stacks/dav-private.sh env)"
    run check_caldav -u "$RADICALE_URL" -U alice --password-file "$DAV_PASSWORD_FILE_alice" --write --check-name demo -w 1 -c 3
    run check_carddav -u "$RADICALE_URL" -U alice --password-file "$DAV_PASSWORD_FILE_alice"
else
    echo "(the private Radicale did not start: see scripts/stacks/dav-private.sh)"
fi
