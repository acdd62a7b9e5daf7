# check_delivery_latency beside the Perl check_email_delivery of monitoring-plugins-contrib
# (check_smtp_send + check_imap_receive): SMTP to the stack's Postfix (port 25 role), delivery
# over LMTP to Dovecot, the probe found and deleted over plain IMAP. Both run as alice: the
# Perl check deletes with a plain EXPUNGE, which would also remove \Deleted mail that
# check_delivery_latency's tests keep in bob's INBOX. The Perl check is measured tuned
# (--wait 0.0 --imap-check-interval 1 --hires; with its defaults it sleeps about 5 s) and
# once more with its defaults, few runs.
# Sourced variables: BENCH_BIN, MAIL_HOST, SMTP_PORT, SUBMISSION_PORT, IMAP_PORT, CA_CERT, ALICE_USER,
# ALICE_PASS_FILE, RUNS.
MP=/usr/lib/nagios/plugins
if [ ! -x "$MP/check_email_delivery" ] && [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        monitoring-plugins-contrib libmail-imapclient-perl >/dev/null 2>&1 || true
fi
DL_RUNS=${DL_RUNS:-$(( RUNS > 100 ? 100 : RUNS ))}
dl_measure() { "$BENCH_BIN/../bench-measure" "$DL_RUNS" 5 "$@"; }
DL=("$BENCH_BIN/check_delivery_latency" -H "$MAIL_HOST" --smtp-port "$SMTP_PORT" --imap-port "$IMAP_PORT"
    -U "$ALICE_USER" --password-file "$ALICE_PASS_FILE" --from "probe@example.test" --check-name bench)

dl_measure "mailcheck check_delivery_latency (IDLE allowed)" "${DL[@]}"
dl_measure "mailcheck check_delivery_latency --no-idle" "${DL[@]}" --no-idle
# Submission with STARTTLS and AUTH, IMAP with STARTTLS, both certificates verified (Postfix
# adds its ~45 ms TLS 1.3 stall after STARTTLS).
dl_measure "mailcheck check_delivery_latency, submission STARTTLS+AUTH, IMAP STARTTLS" "${DL[@]}" \
    --smtp-port "$SUBMISSION_PORT" --smtp-starttls --smtp-user "$ALICE_USER" --smtp-password-file "$ALICE_PASS_FILE" \
    --imap-starttls --cacert "$CA_CERT" --smtp-sni localhost --imap-sni localhost
if [ -x "$MP/check_email_delivery" ]; then
    # It takes the password only on its command line.
    PERL=("$MP/check_email_delivery" -H "$MAIL_HOST" --smtp-port "$SMTP_PORT" --imap-port "$IMAP_PORT"
          --mailto "$ALICE_USER" --mailfrom "probe@example.test" -U "$ALICE_USER" -P "$(head -n 1 "$ALICE_PASS_FILE")"
          --libexec "$MP")
    dl_measure "Perl check_email_delivery (tuned: --wait 0.0 --imap-check-interval 1 --hires)" \
        "${PERL[@]}" --wait 0.0 --imap-check-interval 1 --hires
    "$BENCH_BIN/../bench-measure" 3 0 "Perl check_email_delivery (defaults)" "${PERL[@]}"
else
    echo "Perl check_email_delivery: not installed (apt-get install monitoring-plugins-contrib libmail-imapclient-perl)"
fi
# One run as the long output shows it: where the time went.
"${DL[@]}" -v | sed 's/^/    /'
