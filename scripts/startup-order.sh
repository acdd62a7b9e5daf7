#!/usr/bin/env bash
# startup-order.sh: writes scripts/startup-order.txt, the functions a check runs, for the
# linker to place side by side (lld --symbol-ordering-file, Makefile BUILD_FLAGS).
#
# Why: a check runs once and exits, so what its start-up costs is largely the pages it touches.
# In link order the few hundred functions a run needs are spread over the whole 6 MB of code;
# grouped, a STARTTLS run of check_smtp_session faults 20 pages fewer, its peak RSS is 1.5 MiB
# lower and it ends about 0.1 ms sooner (issue 14, measured with scripts/bench-measure.c).
#
# How: builds the release with symbols (not stripped) in .build-order/, runs the common checks
# (--version, --help, a bad option, SMTP plain/STARTTLS/implicit TLS, IMAP and POP3 plain and
# TLS, a refused connection) under valgrind's callgrind against the test mail stack, and
# lists every function of the binary that ran, the ones most runs share first. A stale list is
# harmless: names the linker does not find are skipped, unlisted code goes after. Run it again
# when the code a run takes has changed much; it needs valgrind and the test stack.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "startup-order: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
./scripts/stacks/mailstack.sh start >/dev/null
eval "$(./scripts/stacks/mailstack.sh env)"

# The Makefile's flags without -s (callgrind needs the names) and without the old order file.
make --no-print-directory build >/dev/null  # the static libstdc++ link and the slim libcurls
flags=$(make --no-print-directory -s print-build-flags ORDER_FILE= | sed 's/-Xlinker -s //')
# shellcheck disable=SC2086
swift build $flags --scratch-path .build-order --product mailcheck >&2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp .build-order/release/mailcheck "$work/"
# valgrind 3.19 cannot read the DWARF 5 the toolchain writes; the symbol table is enough.
strip --strip-debug "$work/mailcheck"
# Both slim libcurls (with TLS, then plain), one path a line, beside the binary as installed.
mapfile -t slim < <(scripts/build-slim-libcurl.sh .build-slim-curl)
cp "${slim[@]}" "$work/"
for c in check_smtp_session check_imap_login check_pop3_login; do ln -s mailcheck "$work/$c"; done

n=0
profile() {
  n=$((n + 1))
  valgrind --tool=callgrind --demangle=no --callgrind-out-file="$work/run-$n.out" "$@" >/dev/null 2>&1 || true
}
tls=(--cacert "$CA_CERT" --sni "$TLS_SERVER_NAME")
alice=(-U "$ALICE_USER" --password-file "$ALICE_PASS_FILE")
profile "$work/check_smtp_session" --version
profile "$work/check_smtp_session" --help
profile "$work/check_pop3_login" -x
profile "$work/check_smtp_session" -H "$MAIL_HOST" -p "$SMTP_PORT"
profile "$work/check_smtp_session" -H "$MAIL_HOST" -p "$SMTP_PORT" --starttls "${tls[@]}"
profile "$work/check_smtp_session" -H "$MAIL_HOST" -p "$SUBMISSIONS_PORT" --tls "${tls[@]}"
profile "$work/check_smtp_session" -H "$MAIL_HOST" -p 1
profile "$work/check_imap_login" -H "$MAIL_HOST" -p "$IMAP_PORT" "${alice[@]}"
profile "$work/check_imap_login" -H "$MAIL_HOST" -p "$IMAPS_PORT" --tls "${tls[@]}" "${alice[@]}"
profile "$work/check_imap_login" -H "$MAIL_HOST" -p "$IMAP_PORT" --starttls "${tls[@]}" "${alice[@]}"
profile "$work/check_pop3_login" -H "$MAIL_HOST" -p "$POP3_PORT" "${alice[@]}"
profile "$work/check_pop3_login" -H "$MAIL_HOST" -p "$POP3S_PORT" --tls "${tls[@]}" "${alice[@]}"

for f in "$work"/run-*.out; do
  callgrind_annotate --threshold=100 --inclusive=yes "$f" 2>/dev/null \
    | sed -nE "s|^ *[0-9,]+ \([ 0-9.]+%\)  [^:]*:(.*) \[$work/mailcheck\]$|\1|p"
done | grep -v '^0x' | sed "s/'[0-9]*$//" | sort | uniq -c | sort -k1,1nr -k2 | awk '{print $2}' > scripts/startup-order.txt
echo "startup-order: $(wc -l < scripts/startup-order.txt) functions in scripts/startup-order.txt" >&2
# The linker reads the list, but the build does not see it change: link again.
rm -f .build/release/mailcheck
