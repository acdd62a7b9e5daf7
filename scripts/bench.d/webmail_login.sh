# check_webmail_login beside curl doing the same Roundcube requests (scripts/bench-webmail-flow.sh:
# login page, form POST with the _token, mailbox, INBOX and Archive listed, logout, logout proof;
# one bash running seven curl processes with a cookie jar), on the private Roundcube 1.6
# (scripts/stacks/webmail-private.sh, lighttpd + php-cgi, IMAP to the test stack's Dovecot), as bob.
# Most of the wall time is Roundcube's PHP and its IMAP logins; the client's share is the rest.
# Sourced variables: BENCH_BIN, CA_CERT, BOB_USER, BOB_PASS_FILE, RUNS, DEBIAN_LIBCURL; function measure.
scripts/stacks/webmail-private.sh start
WM_URL=http://127.0.0.1:18080/
WM_HTTPS_PORT=18443
# curl reads the password from a file without the newline; it never goes on a command line.
WM_PASS=$(mktemp)
chmod 600 "$WM_PASS"
printf '%s' "$(head -n 1 "$BOB_PASS_FILE")" >"$WM_PASS"
WM=("$BENCH_BIN/check_webmail_login" -U "$BOB_USER" --password-file "$BOB_PASS_FILE")
WM_TLS=(-u "https://localhost:$WM_HTTPS_PORT/" -H 127.0.0.1 --cacert "$CA_CERT")

measure "mailcheck check_webmail_login (http)" "${WM[@]}" -u "$WM_URL"
MAILCHECK_LIBCURL=$DEBIAN_LIBCURL measure "mailcheck check_webmail_login (http), Debian's libcurl" "${WM[@]}" -u "$WM_URL"
measure "curl flow, 7 requests (http)" scripts/bench-webmail-flow.sh "$WM_URL" "$BOB_USER" "$WM_PASS"
measure "mailcheck check_webmail_login (https)" "${WM[@]}" "${WM_TLS[@]}"
MAILCHECK_LIBCURL=$DEBIAN_LIBCURL measure "mailcheck check_webmail_login (https), Debian's libcurl" "${WM[@]}" "${WM_TLS[@]}"
measure "curl flow, 7 requests (https)" scripts/bench-webmail-flow.sh "https://localhost:$WM_HTTPS_PORT/" "$BOB_USER" "$WM_PASS" \
    --cacert "$CA_CERT" --connect-to "localhost:$WM_HTTPS_PORT:127.0.0.1:$WM_HTTPS_PORT"
rm -f "$WM_PASS"
