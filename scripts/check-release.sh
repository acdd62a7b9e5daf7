#!/usr/bin/env bash
# Checks the release build the way a package would ship it: one self-contained binary
# (static Swift stdlib, libstdc++ and libgcc: only libc and libm among its load-time libraries), under
# the 25 MB budget for the whole suite, every check_* symlink answering --version with 3, and
# the three slim libcurls installed beside it by default.
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
# libcurl and libxml2 are dlopened by the checks that use them (network checks, DAV checks).
# libstdc++ and libgcc_s are linked statically (Makefile BUILD_FLAGS): one start-up cost fewer each.
if echo "$libs" | grep -qiE 'swift|foundation|dispatch|curl|xml|stdc\+\+|gcc_s'; then
    echo "FAIL: mailcheck loads these at start: $(echo "$libs" | grep -iE 'swift|foundation|dispatch|curl|xml|stdc\+\+|gcc_s' | tr '\n' ' ')"; fail=1
fi
# No run path: with $ORIGIN the loader searched the plugin directory for libm and libc first,
# 22 failed system calls on every start (Makefile BUILD_FLAGS, --disable-local-rpath).
if readelf -d "$bin" | grep -qE 'RUNPATH|RPATH'; then echo "FAIL: mailcheck has a run path: $(readelf -d "$bin" | grep -E 'RUNPATH|RPATH')"; fail=1; fi
checks=$("$bin" --list)
for c in $checks; do
    [ -L "$dest/plugins/$c" ] || { echo "FAIL: $c symlink missing"; fail=1; continue; }
    [ -f "$dest/man/man1/$c.1" ] || { echo "FAIL: $c man page not installed"; fail=1; }
    set +e
    out=$("$dest/plugins/$c" --version); rc=$?
    set -e
    [ "$rc" -eq 3 ] && [[ "$out" == "$c (mailcheck) "* ]] || { echo "FAIL: $c --version: exit $rc, '$out'"; fail=1; }
done
# The slim libcurls are installed by default, beside the binary, under their budget:
# libmailcheck-curl.so loads only libssl, libcrypto, libz and libc; libmailcheck-curl-plain.so
# (plain-text checks) and libmailcheck-curl-bundled.so (OpenSSL inside, for TLS checks while
# the system's libssl3 is the build it bundles) only libz and libc. Without them
# (SLIM_LIBCURL=no) the binary uses Debian's libcurl.so.4. Each is found by the binary and
# works end to end.
slim_library() { # FILE ALLOWED-LIBS-REGEX BUDGET-MB
    local lib="$dest/plugins/$1" size extra
    if [ ! -f "$lib" ]; then echo "FAIL: make install did not install $1"; fail=1; return; fi
    size=$(stat -c %s "$lib")
    if [ "$size" -ge $(($3 * 1000 * 1000)) ]; then echo "FAIL: $1 is $size bytes (budget $3 MB)"; fail=1; fi
    extra=$(ldd "$lib" | awk '{print $1}' | grep -vE "^($2)\.so|^linux-vdso|ld-linux" || true)
    if [ -n "$extra" ]; then echo "FAIL: $1 loads more than it should: $(echo $extra)"; fail=1; fi
}
slim_library libmailcheck-curl.so 'libssl|libcrypto|libz|libc' 2
slim_library libmailcheck-curl-plain.so 'libz|libc' 2
slim_library libmailcheck-curl-bundled.so 'libz|libc' 6
make --no-print-directory install DESTDIR="$dest" PLUGINDIR=/debian MANDIR=/man SLIM_LIBCURL=no >/dev/null
for f in libmailcheck-curl.so libmailcheck-curl-plain.so libmailcheck-curl-bundled.so; do
    [ ! -e "$dest/debian/$f" ] || { echo "FAIL: SLIM_LIBCURL=no still installed $f"; fail=1; }
done
if ./scripts/stacks/mailstack.sh status >/dev/null 2>&1; then
    eval "$(./scripts/stacks/mailstack.sh env)"
    tls=(-p "$SUBMISSION_PORT" --starttls --cacert "$CA_CERT" --sni "$TLS_SERVER_NAME")
    plain=(-p "$SMTP_PORT")
    for variant in "plugins:tls:from $dest/plugins/libmailcheck-curl-bundled.so" "plugins:plain:from $dest/plugins/libmailcheck-curl-plain.so" \
                   "debian:tls:from libcurl.so.4" "debian:plain:from libcurl.so.4"; do
        IFS=: read -r dir mode want <<<"$variant"
        if [ "$mode" = tls ]; then args=("${tls[@]}"); else args=("${plain[@]}"); fi
        set +e
        out=$(env -u MAILCHECK_LIBCURL "$dest/$dir/check_smtp_session" -H "$MAIL_HOST" "${args[@]}" -vv); rc=$?
        set -e
        if [ "$rc" -ne 0 ] || ! grep -qF "$want" <<<"$out"; then
            echo "FAIL: check_smtp_session ($mode) installed under /$dir: exit $rc, expected libcurl $want"; echo "$out" | head -5; fail=1
        fi
    done
fi
n=$(echo $checks | wc -w)
if [ "$fail" -eq 0 ]; then
    echo "release check OK: mailcheck $size bytes, $n checks, load-time libraries: $(echo $libs | tr '\n' ' ')"
else
    echo "release check FAILED"
    exit 1
fi
