# check_smtp_session vs monitoring-plugins' C check_smtp: banner + EHLO + QUIT on the same Postfix.
# Plain checks load libmailcheck-curl-plain.so by default; one row shows the same run with the
# slim library that has TLS. Sourced variables: BENCH_BIN, MAIL_HOST, SMTP_PORT, CA_CERT, RUNS, DEBIAN_LIBCURL; function measure.
C=/usr/lib/nagios/plugins/check_smtp
measure "mailcheck --version" "$BENCH_BIN/check_smtp_session" --version
measure "C check_smtp -V" "$C" -V
measure "mailcheck check_smtp_session (plain)" "$BENCH_BIN/check_smtp_session" -H "$MAIL_HOST" -p "$SMTP_PORT"
MAILCHECK_LIBCURL=$BENCH_BIN/libmailcheck-curl.so measure "mailcheck check_smtp_session (plain), slim libcurl with TLS" "$BENCH_BIN/check_smtp_session" -H "$MAIL_HOST" -p "$SMTP_PORT"
MAILCHECK_LIBCURL=$DEBIAN_LIBCURL measure "mailcheck check_smtp_session (plain), Debian's libcurl" "$BENCH_BIN/check_smtp_session" -H "$MAIL_HOST" -p "$SMTP_PORT"
measure "C check_smtp (plain)" "$C" -H "$MAIL_HOST" -p "$SMTP_PORT"
measure "mailcheck check_smtp_session --starttls" "$BENCH_BIN/check_smtp_session" -H "$MAIL_HOST" -p "$SMTP_PORT" --starttls --cacert "$CA_CERT" --sni localhost
MAILCHECK_LIBCURL=$DEBIAN_LIBCURL measure "mailcheck check_smtp_session --starttls, Debian's libcurl" "$BENCH_BIN/check_smtp_session" -H "$MAIL_HOST" -p "$SMTP_PORT" --starttls --cacert "$CA_CERT" --sni localhost
measure "C check_smtp -S (STARTTLS)" "$C" -H "$MAIL_HOST" -p "$SMTP_PORT" -S
measure "curl smtp NOOP (plain)" curl -s smtp://"$MAIL_HOST":"$SMTP_PORT" -X NOOP
