#!/usr/bin/env bash
# Installs the Debian packages the suite builds, tests and benchmarks with.
# Only missing packages are installed (--no-upgrade), and no system daemon is
# started: the test stack runs its own Postfix and Dovecot from a private directory.
set -euo pipefail

packages=(
  # build
  libcurl4-openssl-dev pkg-config
  # the test mail stack
  postfix dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd openssl
  # peers for the benchmark, and mandoc for the man-page lint
  monitoring-plugins-basic monitoring-plugins-standard mandoc time curl
  # check_mta_queue's tests unpack Debian's Exim privately (scripts/mta-queue-exim.sh); it links libidn12
  libidn12
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
apt-get update -qq
apt-get install -y -qq --no-upgrade --no-install-recommends "${missing[@]}" >/dev/null
