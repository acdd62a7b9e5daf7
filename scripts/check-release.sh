#!/usr/bin/env bash
# Checks the release build the way a package would ship it: one self-contained binary
# (static Swift stdlib: no Swift runtime and no libcurl among its load-time libraries), under
# the 25 MB budget for the whole suite, and every check_* symlink answering --version with 3.
set -euo pipefail
cd "$(dirname "$0")/.."

make --no-print-directory build >/dev/null
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
make --no-print-directory install DESTDIR="$dest" PLUGINDIR=/plugins MANDIR=/man >/dev/null
bin="$dest/plugins/mailcheck"
fail=0

size=$(stat -c %s "$bin")
if [ "$size" -ge $((25 * 1000 * 1000)) ]; then echo "FAIL: mailcheck is $size bytes (budget 25 MB)"; fail=1; fi
libs=$(ldd "$bin" | awk '{print $1}')
if echo "$libs" | grep -qiE 'swift|foundation|dispatch|curl'; then
    echo "FAIL: mailcheck loads these at start: $(echo "$libs" | grep -iE 'swift|foundation|dispatch|curl' | tr '\n' ' ')"; fail=1
fi
checks=$("$bin" --list)
for c in $checks; do
    [ -L "$dest/plugins/$c" ] || { echo "FAIL: $c symlink missing"; fail=1; continue; }
    [ -f "$dest/man/man1/$c.1" ] || { echo "FAIL: $c man page not installed"; fail=1; }
    set +e
    out=$("$dest/plugins/$c" --version); rc=$?
    set -e
    [ "$rc" -eq 3 ] && [[ "$out" == "$c (mailcheck) "* ]] || { echo "FAIL: $c --version: exit $rc, '$out'"; fail=1; }
done
# The opt-in slim libcurl: installed beside the binary, found by it, and working end to end.
make --no-print-directory install DESTDIR="$dest" PLUGINDIR=/slim MANDIR=/man SLIM_LIBCURL=yes >/dev/null
if ./scripts/mailstack.sh status >/dev/null 2>&1; then
    eval "$(./scripts/mailstack.sh env)"
    set +e
    out=$("$dest/slim/check_smtp_session" -H "$MAIL_HOST" -p "$SMTP_PORT" --starttls --cacert "$CA_CERT" --sni "$TLS_SERVER_NAME" -vv); rc=$?
    set -e
    if [ "$rc" -ne 0 ] || ! grep -q "from $dest/slim/libmailcheck-curl.so" <<<"$out"; then
        echo "FAIL: check_smtp_session with the slim libcurl: exit $rc"; echo "$out" | head -5; fail=1
    fi
fi
n=$(echo $checks | wc -w)
if [ "$fail" -eq 0 ]; then
    echo "release check OK: mailcheck $size bytes, $n checks, load-time libraries: $(echo $libs | tr '\n' ' ')"
else
    echo "release check FAILED"
    exit 1
fi
