#!/usr/bin/env bash
# build-deb.sh: builds mailcheck_<version>_<arch>.deb with dpkg-deb from a staged
# `make install` (README "Debian package" says why not dpkg-buildpackage).
#   scripts/build-deb.sh [OUTDIR]     default OUTDIR: the source tree
# The version is mailcheckVersion in Sources/CheckKit/PluginRunner.swift, the one place that
# `--version` prints too. Depends: dpkg-shlibdeps on the binary and the slim libcurl (the C
# libraries they link), or libcurl4 when the package is built without the slim library.
set -euo pipefail
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mkdir -p "${1:-$ROOT}" && cd "${1:-$ROOT}" && pwd)
cd "$ROOT"

version=$(sed -n 's/^public let mailcheckVersion = "\([^"]*\)".*/\1/p' Sources/CheckKit/PluginRunner.swift)
[ -n "$version" ] || { echo "build-deb: no mailcheckVersion in Sources/CheckKit/PluginRunner.swift" >&2; exit 1; }
arch=$(dpkg --print-architecture)
deb=$OUT/mailcheck_${version}_${arch}.deb

stage=$(mktemp -d /tmp/mailcheck-deb.XXXXXX)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
umask 022

make --no-print-directory install DESTDIR="$root" PREFIX=/usr >/dev/null
gzip -9n "$root"/usr/share/man/man1/*.1

doc=$root/usr/share/doc/mailcheck
install -d "$doc/examples/icinga2" "$root/etc/nagios-plugins/config" \
           "$root/usr/share/icinga2/include/plugins-contrib.d"
# Icinga 2: where the ITL's include <plugins-contrib> finds contributed CheckCommands.
install -m 644 nagios-config/icinga2/commands.conf "$root/usr/share/icinga2/include/plugins-contrib.d/mailcheck.conf"
# Nagios: Debian's place for plugin command definitions (a conffile).
install -m 644 nagios-config/commands.cfg "$root/etc/nagios-plugins/config/mailcheck.cfg"
# Examples: NRPE, Monit, the example platform for Nagios and for Icinga 2 (and its
# distributed shape: master, satellites, agents).
install -m 644 nagios-config/nrpe-mailcheck.cfg nagios-config/example-platform.cfg \
               nagios-config/example-hosts.cfg nagios-config/templates.cfg monit-config/mailcheck.monitrc "$doc/examples/"
for f in nagios-config/icinga2/*.conf; do
  case $f in */commands.conf|*/icinga2-validate.conf) continue ;; esac
  install -m 644 "$f" "$doc/examples/icinga2/"
done
install -d "$doc/examples/icinga2/distributed"
install -m 644 nagios-config/icinga2/distributed/*.conf "$doc/examples/icinga2/distributed/"
install -m 644 packaging/debian/copyright "$doc/copyright"
# The one lintian tag kept, with its reason (the slim libcurls are curl's code copied in).
if [ -f "$root/usr/lib/nagios/plugins/libmailcheck-curl.so" ]; then
  install -D -m 644 packaging/debian/lintian-overrides "$root/usr/share/lintian/overrides/mailcheck"
fi
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$(date -R -u -d "@$(git log -1 --format=%ct 2>/dev/null || date +%s)")/" \
    packaging/debian/changelog.in | gzip -9n > "$doc/changelog.gz"
chmod 644 "$doc/changelog.gz"

# The C libraries the binary links, as Debian's own tool derives them.
install -d "$stage/debian" "$root/DEBIAN"
printf 'Source: mailcheck\n\nPackage: mailcheck\nArchitecture: any\n' > "$stage/debian/control"
# The slim libcurls (the default, README "Slim libcurl") are curl's code copied in: their own
# libraries (libssl, libcrypto, libz) join the binary's, and Built-Using names the curl source
# it came from, so that a curl security update rebuilds the package. Without it the network
# checks dlopen Debian's libcurl.so.4, which no shlibs scan sees: then libcurl4 is a Depends.
# libmailcheck-curl-bundled.so has OpenSSL's code copied in as well (libssl-dev's static
# libraries): Built-Using names the openssl source too. Until a rebuild after an OpenSSL update
# the checks do not use it (the loader compares the system's libssl3 files with the ones it
# was built beside) but load libmailcheck-curl.so and the system's libssl3 instead.
slim=$root/usr/lib/nagios/plugins/libmailcheck-curl.so
plain=$root/usr/lib/nagios/plugins/libmailcheck-curl-plain.so
bundled=$root/usr/lib/nagios/plugins/libmailcheck-curl-bundled.so
objects=("$root/usr/lib/nagios/plugins/mailcheck")
built_using="" curl_dep="libcurl4 (>= 7.88)"
if [ -f "$slim" ]; then
  [ -f "$plain" ] || { echo "build-deb: $plain missing (make install installs both slim libraries)" >&2; exit 1; }
  objects+=("$slim" "$plain")
  curl_source=$(dpkg-query -W -f='${source:Package} (= ${source:Version})' libcurl4-openssl-dev)
  built_using="Built-Using: $curl_source"
  curl_dep=""
  if [ -f "$bundled" ]; then
    objects+=("$bundled")
    built_using="$built_using, $(dpkg-query -W -f='${source:Package} (= ${source:Version})' libssl-dev)"
  fi
fi
shlibs=$(cd "$stage" && dpkg-shlibdeps -O "${objects[@]}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "build-deb: dpkg-shlibdeps found no libraries" >&2; exit 1; }
depends="$shlibs${curl_dep:+, $curl_dep}"

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" \
    packaging/debian/control.in > "$root/DEBIAN/control"
# Built-Using goes after Depends, or nowhere.
if [ -n "$built_using" ]; then sed -i "/^Depends:/a $built_using" "$root/DEBIAN/control"; fi
install -m 644 packaging/debian/conffiles "$root/DEBIAN/conffiles"
install -m 755 packaging/debian/postinst packaging/debian/postrm "$root/DEBIAN/"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's#^\./##' | LC_ALL=C sort | xargs md5sum) > "$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/md5sums"

dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
