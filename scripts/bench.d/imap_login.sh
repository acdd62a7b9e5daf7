# check_imap_login and check_pop3_login beside their peers on the same Dovecot, as alice:
# curl doing the same login + EXAMINE INBOX (and POP3 STAT), monitoring-plugins' check_imap and
# check_pop (banner only), and the Perl check_imap_receive from monitoring-plugins-contrib.
# Sourced variables: BENCH_BIN, MAIL_HOST, IMAP_PORT, IMAPS_PORT, POP3_PORT, CA_CERT,
# ALICE_USER, ALICE_PASS_FILE, RUNS, DEBIAN_LIBCURL; function measure.
MP=/usr/lib/nagios/plugins
# The Perl peer is not among the suite's test dependencies; install it (with only the Perl
# IMAP module it needs) when the benchmark runs as root.
if [ ! -x "$MP/check_imap_receive" ] && [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        monitoring-plugins-contrib libmail-imapclient-perl >/dev/null 2>&1 || true
fi
# curl gets the login from a config file, never from its command line.
IMAP_CURLRC=$(mktemp)
chmod 600 "$IMAP_CURLRC"
printf 'user = "%s:%s"\n' "$ALICE_USER" "$(head -n 1 "$ALICE_PASS_FILE")" >"$IMAP_CURLRC"
IMAP_LOGIN=(-U "$ALICE_USER" --password-file "$ALICE_PASS_FILE")

# Each protocol's rows run interleaved (one of each in turn): Dovecot's password check makes
# the wall time swing, and interleaving lays that swing on every row alike.
IC=$BENCH_BIN/check_imap_login
PC=$BENCH_BIN/check_pop3_login
TLS=(--tls --cacert "$CA_CERT" --sni localhost)
imap_rows=(
    "mailcheck check_imap_login (plain, INBOX)" "$IC" -H "$MAIL_HOST" -p "$IMAP_PORT" "${IMAP_LOGIN[@]}"
    ::: "mailcheck check_imap_login (plain), Debian's libcurl" MAILCHECK_LIBCURL="$DEBIAN_LIBCURL" "$IC" -H "$MAIL_HOST" -p "$IMAP_PORT" "${IMAP_LOGIN[@]}"
    ::: "curl login + EXAMINE INBOX (plain)" curl -s -K "$IMAP_CURLRC" "imap://$MAIL_HOST:$IMAP_PORT/" -X "EXAMINE INBOX"
    ::: "curl login + SELECT INBOX (plain)" curl -s -K "$IMAP_CURLRC" "imap://$MAIL_HOST:$IMAP_PORT/INBOX" -X NOOP
    ::: "mailcheck check_imap_login --tls" "$IC" -H "$MAIL_HOST" -p "$IMAPS_PORT" "${TLS[@]}" "${IMAP_LOGIN[@]}"
    ::: "mailcheck check_imap_login --tls, Debian's libcurl" MAILCHECK_LIBCURL="$DEBIAN_LIBCURL" "$IC" -H "$MAIL_HOST" -p "$IMAPS_PORT" "${TLS[@]}" "${IMAP_LOGIN[@]}"
    ::: "curl imaps login + EXAMINE INBOX" curl -s -K "$IMAP_CURLRC" --cacert "$CA_CERT" --connect-to "localhost:$IMAPS_PORT:$MAIL_HOST:$IMAPS_PORT" "imaps://localhost:$IMAPS_PORT/" -X "EXAMINE INBOX"
    ::: "mailcheck check_imap_login --fetch-latest" "$IC" -H "$MAIL_HOST" -p "$IMAP_PORT" "${IMAP_LOGIN[@]}" --fetch-latest
    ::: "C check_imap (banner only)" "$MP/check_imap" -H "$MAIL_HOST" -p "$IMAP_PORT"
)
if [ -x "$MP/check_imap_receive" ]; then
    # Login, SELECT INBOX, SEARCH ALL, logout; it takes the password only on its command line.
    imap_rows+=(::: "Perl check_imap_receive (SEARCH ALL)" "$MP/check_imap_receive" -H "$MAIL_HOST" -p "$IMAP_PORT"
        -U "$ALICE_USER" -P "$(head -n 1 "$ALICE_PASS_FILE")" -m INBOX -s ALL --imap-retries 1 --nodelete --peek)
else
    echo "Perl check_imap_receive: not installed (apt-get install monitoring-plugins-contrib libmail-imapclient-perl)"
fi
measure "${imap_rows[@]}"
measure "mailcheck check_pop3_login (plain, USER)" "$PC" -H "$MAIL_HOST" -p "$POP3_PORT" "${IMAP_LOGIN[@]}" \
    ::: "mailcheck check_pop3_login (AUTH PLAIN)" "$PC" -H "$MAIL_HOST" -p "$POP3_PORT" "${IMAP_LOGIN[@]}" --auth-mechanism PLAIN \
    ::: "mailcheck check_pop3_login (plain, USER), Debian's libcurl" MAILCHECK_LIBCURL="$DEBIAN_LIBCURL" "$PC" -H "$MAIL_HOST" -p "$POP3_PORT" "${IMAP_LOGIN[@]}" \
    ::: "curl pop3 login + STAT" curl -s -K "$IMAP_CURLRC" "pop3://$MAIL_HOST:$POP3_PORT/" -X STAT -I \
    ::: "C check_pop (banner only)" "$MP/check_pop" -H "$MAIL_HOST" -p "$POP3_PORT"
rm -f "$IMAP_CURLRC"
