# check_smtp_session vs monitoring-plugins' C check_smtp: banner + EHLO + QUIT on the same Postfix.
# Plain checks load libmailcheck-curl-plain.so by default; one row shows the same run with the
# slim library that has TLS. TLS checks load libmailcheck-curl-bundled.so (OpenSSL inside) by
# default; one row shows the STARTTLS run with libmailcheck-curl.so and the system's libssl3
# (what they load after an OpenSSL update, until the package is rebuilt). All rows run interleaved (one of each in turn), so their ratios
# hold even when the machine's speed drifts during the run.
# Sourced variables: BENCH_BIN, MAIL_HOST, SMTP_PORT, CA_CERT, RUNS, DEBIAN_LIBCURL; function measure.
C=/usr/lib/nagios/plugins/check_smtp
S=$BENCH_BIN/check_smtp_session
TLS=(--starttls --cacert "$CA_CERT" --sni localhost)
measure "mailcheck --version" "$S" --version \
    ::: "C check_smtp -V" "$C" -V \
    ::: "mailcheck check_smtp_session (plain)" "$S" -H "$MAIL_HOST" -p "$SMTP_PORT" \
    ::: "mailcheck (plain), slim libcurl with TLS" MAILCHECK_LIBCURL="$BENCH_BIN/libmailcheck-curl.so" "$S" -H "$MAIL_HOST" -p "$SMTP_PORT" \
    ::: "mailcheck (plain), Debian's libcurl" MAILCHECK_LIBCURL="$DEBIAN_LIBCURL" "$S" -H "$MAIL_HOST" -p "$SMTP_PORT" \
    ::: "C check_smtp (plain)" "$C" -H "$MAIL_HOST" -p "$SMTP_PORT" \
    ::: "mailcheck --starttls (verifies)" "$S" -H "$MAIL_HOST" -p "$SMTP_PORT" "${TLS[@]}" \
    ::: "mailcheck --starttls --insecure" "$S" -H "$MAIL_HOST" -p "$SMTP_PORT" --starttls --insecure \
    ::: "mailcheck --starttls, system's libssl3" MAILCHECK_LIBCURL="$BENCH_BIN/libmailcheck-curl.so" "$S" -H "$MAIL_HOST" -p "$SMTP_PORT" "${TLS[@]}" \
    ::: "mailcheck --starttls, Debian's libcurl" MAILCHECK_LIBCURL="$DEBIAN_LIBCURL" "$S" -H "$MAIL_HOST" -p "$SMTP_PORT" "${TLS[@]}" \
    ::: "C check_smtp -S (STARTTLS)" "$C" -H "$MAIL_HOST" -p "$SMTP_PORT" -S \
    ::: "curl smtp NOOP (plain)" curl -s smtp://"$MAIL_HOST":"$SMTP_PORT" -X NOOP
