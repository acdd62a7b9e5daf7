#!/usr/bin/env bash
# The suite's main job: sets everything up (packages, release build, the local test mail
# stack) and runs every check against it, printing the lines Nagios would see.
set -uo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh || exit 1
./scripts/mailstack.sh start || exit 1
eval "$(./scripts/mailstack.sh env)"
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
run check_smtp -H "$MAIL_HOST" -p "$SMTP_PORT" --starttls --cacert "$CA_CERT" --sni "$TLS_SERVER_NAME" -w 1 -c 3 --cert-warning 30 --cert-critical 7
echo "== Submission: STARTTLS and AUTH as a user"
run check_smtp -H "$MAIL_HOST" -p "$SUBMISSION_PORT" --starttls --cacert "$CA_CERT" --sni "$TLS_SERVER_NAME" -U "$ALICE_USER" --password-file "$ALICE_PASS_FILE" -w 1 -c 3
echo "== Submissions: implicit TLS"
run check_smtp -H "$MAIL_HOST" -p "$SUBMISSIONS_PORT" --tls --cacert "$CA_CERT" --sni "$TLS_SERVER_NAME"
