#!/usr/bin/env bash
# icinga2-check-config.sh: `icinga2 daemon -C` on the shipped Icinga 2 configuration
# (nagios-config/icinga2/), in the layout a master uses, with private paths: nothing of
# /etc/icinga2 or /var/lib/icinga2 is read or written, and no daemon is started.
#
#   scripts/icinga2-check-config.sh [DIR]    DIR (new or empty) keeps the layout and the
#                                            validator's files; default: a temporary one
set -euo pipefail
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONF=$ROOT/nagios-config/icinga2
command -v icinga2 >/dev/null || { echo "icinga2-check-config: icinga2 is not installed (scripts/install-deps.sh)" >&2; exit 1; }

if [ -n "${1:-}" ]; then
  dir=$1; mkdir -p "$dir"
else
  dir=$(mktemp -d /tmp/mailcheck-icinga2.XXXXXX)
  trap 'rm -rf "$dir"' EXIT
fi
[ -z "$(ls -A "$dir")" ] || { echo "icinga2-check-config: $dir is not empty" >&2; exit 1; }
dir=$(cd "$dir" && pwd)

mkdir -p "$dir/zones.d/global-templates" "$dir/zones.d/master" \
         "$dir/data" "$dir/log" "$dir/cache" "$dir/spool" "$dir/run"
ln -s "$CONF/commands.conf" "$dir/zones.d/global-templates/commands.conf"
for f in templates.conf services.conf example-hosts.conf; do ln -s "$CONF/$f" "$dir/zones.d/master/$f"; done

icinga2 daemon -C -c "$CONF/icinga2-validate.conf" \
  -DMailcheckZonesDir="$dir/zones.d" \
  -DConfiguration.DataDir="$dir/data" -DConfiguration.LogDir="$dir/log" \
  -DConfiguration.CacheDir="$dir/cache" -DConfiguration.SpoolDir="$dir/spool" \
  -DConfiguration.InitRunDir="$dir/run" -DConfiguration.PidPath="$dir/run/icinga2.pid" \
  -DConfiguration.StatePath="$dir/data/icinga2.state" \
  -DConfiguration.ModAttrPath="$dir/data/modified-attributes.conf" \
  -DConfiguration.ObjectsPath="$dir/cache/icinga2.debug" \
  -DConfiguration.VarsPath="$dir/cache/icinga2.vars" \
  -DConfiguration.RunAsUser="$(id -un)" -DConfiguration.RunAsGroup="$(id -gn)"
