#!/usr/bin/env bash
# deb-check.sh: proves the Debian package on this machine, as root, and leaves the machine as
# it found it:
#   1. lintian: no errors (the warnings kept are explained in the README, "Debian package")
#   2. dpkg -i beside monitoring-plugins-basic, -standard and -contrib
#   3. every check runs from /usr/lib/nagios/plugins as the nagios user (--version, and one
#      real measurement of the local check_disk_growth with the package's state directory)
#   4. icinga2 daemon -C with only `include <plugins-contrib>` and a service using a
#      mailcheck command (private paths; no daemon started)
#   5. dpkg --purge leaves nothing behind: the file list of /usr /etc /var/lib before and after
#   scripts/deb-check.sh [DEB]     default: builds one with scripts/build-deb.sh
set -euo pipefail
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "deb-check: needs root (dpkg -i)" >&2; exit 1; }
work=$(mktemp -d /tmp/mailcheck-debcheck.XXXXXX)
installed=""
cleanup() {
  # Never leave our package on this shared machine, whatever failed.
  [ -n "$installed" ] && dpkg --purge mailcheck >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
step() { echo "deb-check: $*"; }
fail() { echo "deb-check: FAILED: $*" >&2; exit 1; }

deb=${1:-$("$ROOT/scripts/build-deb.sh" "$work")}
[ -f "$deb" ] || fail "no package at $deb"
dpkg-query -W -f='${Status}' mailcheck 2>/dev/null | grep -q 'ok installed' && fail "mailcheck is already installed: purge it first"
for p in monitoring-plugins-basic monitoring-plugins-standard monitoring-plugins-contrib; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || fail "$p not installed (scripts/install-deps.sh)"
done

step "lintian $(basename "$deb")"
lintian --tag-display-limit 0 "$deb" > "$work/lintian.txt" 2>&1 || true
grep -v 'running with root privileges' "$work/lintian.txt" | sed 's/^/  /' || true
grep -q '^E: ' "$work/lintian.txt" && fail "lintian reports errors"

snapshot() { find /usr /etc /var/lib -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/lib/ucf \) -prune -o -print 2>/dev/null | LC_ALL=C sort; }
snapshot > "$work/before.txt"

step "dpkg -i beside monitoring-plugins-basic/standard/contrib"
dpkg -i "$deb" > "$work/dpkg-i.txt" 2>&1 || { cat "$work/dpkg-i.txt"; fail "dpkg -i"; }
installed=yes
[ "$(stat -c %U "/var/lib/mailcheck")" = nagios ] || fail "/var/lib/mailcheck is not owned by nagios"

step "every check from /usr/lib/nagios/plugins as nagios"
version=$(dpkg-query -W -f='${Version}' mailcheck)
checks=$(cd /usr/lib/nagios/plugins && for f in check_*; do if [ "$(readlink "$f")" = mailcheck ]; then echo "$f"; fi; done)
[ -n "$checks" ] || fail "no check_* links to mailcheck"
for c in $checks; do
  out=$(runuser -u nagios -- "/usr/lib/nagios/plugins/$c" --version) && rc=0 || rc=$?
  [ "$rc" -eq 3 ] && [ "$out" = "$c (mailcheck) $version" ] || fail "$c --version: rc $rc, '$out' (want '$c (mailcheck) $version')"
  echo "  $out"
done
# A real run, with the package's state directory (the default): the first sample is kept there.
out=$(cd / && runuser -u nagios -- /usr/lib/nagios/plugins/check_disk_growth -p /var/lib/mailcheck) && rc=0 || rc=$?
echo "  check_disk_growth: rc $rc: $out"
[ "$rc" -le 3 ] && [ -n "$(ls -A /var/lib/mailcheck)" ] || fail "check_disk_growth kept no state in /var/lib/mailcheck"

step "icinga2 daemon -C with include <plugins-contrib> only"
i=$work/icinga2; mkdir -p "$i/data" "$i/log" "$i/cache" "$i/spool" "$i/run"
cat > "$i/icinga2.conf" <<'CONF'
// The plugin constants of Debian's /etc/icinga2/constants.conf and the ITL includes of its
// icinga2.conf (plugins-contrib needs plugins' templates); nothing names mailcheck's file:
// its commands must come with include <plugins-contrib>.
const PluginDir = "/usr/lib/nagios/plugins"
const ManubulonPluginDir = "/usr/lib/nagios/plugins"
const PluginContribDir = "/usr/lib/nagios/plugins"
include <itl>
include <plugins>
include <plugins-contrib>
object Host "mx.example.net" { check_command = "dummy"; address = "127.0.0.1" }
object Service "smtp-session" {
  host_name = "mx.example.net"
  check_command = "mailcheck_smtp_session"
  vars.mailcheck_starttls = true
}
object Service "mail-store-growth" {
  host_name = "mx.example.net"
  check_command = "mailcheck_disk_growth"
  vars.mailcheck_disk_growth_paths = [ "/var/lib/mailcheck" ]
}
CONF
icinga2 daemon -C -c "$i/icinga2.conf" \
  -DConfiguration.DataDir="$i/data" -DConfiguration.LogDir="$i/log" \
  -DConfiguration.CacheDir="$i/cache" -DConfiguration.SpoolDir="$i/spool" \
  -DConfiguration.InitRunDir="$i/run" -DConfiguration.PidPath="$i/run/icinga2.pid" \
  -DConfiguration.StatePath="$i/data/icinga2.state" \
  -DConfiguration.ModAttrPath="$i/data/modified-attributes.conf" \
  -DConfiguration.ObjectsPath="$i/cache/icinga2.debug" -DConfiguration.VarsPath="$i/cache/icinga2.vars" \
  -DConfiguration.RunAsUser="$(id -un)" -DConfiguration.RunAsGroup="$(id -gn)" > "$i/validate.txt" 2>&1 \
  || { cat "$i/validate.txt"; fail "icinga2 daemon -C"; }
grep -E 'information/ConfigItem: Instantiated [0-9]+ (Services|CheckCommands)' "$i/validate.txt" | sed 's/^/  /'

step "dpkg --purge leaves nothing behind"
dpkg --purge mailcheck > "$work/purge.txt" 2>&1 || { cat "$work/purge.txt"; fail "dpkg --purge"; }
installed=""
snapshot > "$work/after.txt"
if ! diff "$work/before.txt" "$work/after.txt" > "$work/diff.txt"; then
  cat "$work/diff.txt"; fail "files differ before install and after purge"
fi
step "OK: lintian clean of errors, installed, $(echo "$checks" | wc -w) checks ran as nagios, icinga2 -C valid, purge left nothing"
