#!/usr/bin/env bash
# Installs the Debian packages the suite builds, tests and benchmarks with.
# Only missing packages are installed (--no-upgrade), and no system daemon is
# started: the test stack runs its own Postfix and Dovecot from a private directory.
set -euo pipefail

packages=(
  # build (libstdc++-12-dev: libstdc++.a, linked statically into the release binary, which
  # then loads one shared library fewer at every start)
  libcurl4-openssl-dev libssl-dev zlib1g-dev pkg-config make gcc libstdc++-12-dev
  # the test mail stack
  postfix dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd dovecot-sieve openssl python3
  # peers for the benchmark, and mandoc for the man-page lint
  monitoring-plugins-basic monitoring-plugins-standard mandoc time curl
  # issue 14: packet captures of the TLS stall on loopback, and swaks as an independent SMTP client
  tcpdump swaks
  # check_delivery_latency's peer (the Perl check_email_delivery) and the IMAP module it needs
  monitoring-plugins-contrib libmail-imapclient-perl
  # check_mta_queue's tests unpack Debian's Exim privately (scripts/stacks/mta-queue-exim.sh); it links libidn12
  libidn12
  # the schedulers the shipped configurations are proven with (the tests run private instances)
  nagios4-core icinga2-bin icinga2-common monit nagios-nrpe-server nagios-nrpe-plugin
  # a private SOGo (webmail + CalDAV/CardDAV) for the tests (scripts/stacks/sogo-private.sh), with its
  # own PostgreSQL cluster and memcached
  sogo postgresql memcached
  # make deb (dpkg-shlibdeps) and its proof (scripts/deb-check.sh)
  dpkg-dev lintian
  # the OpenMetrics output is validated by prometheus_client's parser (scripts/openmetrics-validate.sh)
  python3-prometheus-client
  # check_webmail_login's tests run a private Roundcube (scripts/stacks/webmail-private.sh) under
  # lighttpd + php-cgi; naming php8.2-cgi keeps apt from pulling in apache2 and mod-php
  roundcube-core roundcube-sqlite3 roundcube-skin-larry php8.2-cgi lighttpd lighttpd-mod-openssl sqlite3
  # the DAV checks' XML parser (the shim dlopens libxml2.so.2 at run time), and the
  # two real DAV servers their tests run privately (scripts/stacks/dav-private.sh)
  libxml2 libxml2-dev python3-radicale xandikos
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: need root to install: ${missing[*]}" >&2
  exit 1
fi

# Never start system daemons while installing: a temporary policy-rc.d forbids it
# where the machine has none of its own.
own_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  own_policy=yes
fi
trap '[ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d' EXIT

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
echo "postfix postfix/mailname string localhost" | debconf-set-selections
# Roundcube: no dbconfig database and no web server configured (/etc/lighttpd stays untouched);
# the private instance brings its own config, database and lighttpd.
debconf-set-selections <<'PRESEED'
roundcube-core roundcube/dbconfig-install boolean false
roundcube-core roundcube/database-type select sqlite3
roundcube-core roundcube/reconfigure-webserver multiselect
roundcube-core roundcube/restart-webserver boolean false
PRESEED
apt-get update -qq
apt-get install -y -qq --no-upgrade --no-install-recommends "${missing[@]}" >/dev/null

# The tests run their own Nagios, Icinga 2, Monit and NRPE from private directories; the
# system's must not run. policy-rc.d stops invoke-rc.d, but should a maintainer script start
# a daemon another way, stop it: by the pid file the Debian package gives it, when that pid
# is the named program (read from /proc: procps may be absent). Private instances keep their
# pid files elsewhere and are never touched.
for entry in /run/nagios4/nagios4.pid:nagios4 /run/icinga2/icinga2.pid:icinga2 \
             /run/monit.pid:monit /run/nagios/nrpe.pid:nrpe /run/sogo/sogo.pid:sogod \
             /run/memcached/memcached.pid:memcached; do
  pidfile=${entry%%:*} name=${entry##*:}
  pid=$(head -n1 "$pidfile" 2>/dev/null | tr -dc 0-9) || true
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] || continue
  echo "install-deps: stopping the system's $name (pid $pid), started by its package" >&2
  kill "$pid" 2>/dev/null || true
done
