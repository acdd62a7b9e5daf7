#!/usr/bin/env bash
# icinga2-check-distributed.sh: `icinga2 daemon -C` on the distributed example
# (nagios-config/icinga2/distributed/) in the layout its zones.conf describes, as the master
# sees it, with private paths: nothing of /etc/icinga2 is read, no daemon is started.
set -euo pipefail
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CONF=$ROOT/nagios-config/icinga2
command -v icinga2 >/dev/null || { echo "icinga2-check-distributed: icinga2 is not installed (scripts/install-deps.sh)" >&2; exit 1; }
T=$(mktemp -d /tmp/mailcheck-icinga-dist.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T"/{data,log,cache,spool,run} "$T/zones.d/global-templates" "$T/zones.d/dc1" "$T/zones.d/master"
cp "$CONF"/{commands,templates,services}.conf "$CONF/distributed/probes.conf" "$T/zones.d/global-templates/"
cp "$CONF/example-hosts.conf" "$T/zones.d/dc1/"
# A host without an agent, probed from dc1's satellite and end to end from outside.
cat > "$T/zones.d/master/hosts.conf" <<'CONF'
object Host "smtp.example.net" {
  import "mail-host"
  address = "192.0.2.27"
  vars.mail_roles = [ "submission" ]
  vars.tls_name = "smtp.example.net"
  vars.probe_user = "probe@example.net"
  vars.probe_password_file = "/etc/mailcheck/probe.pass"
  vars.probe_endpoint = "satellite-dc1.example.net"
  vars.delivery_probe_endpoint = "probe-outside.example.net"
}
CONF
cat > "$T/icinga2.conf" <<CONF
const PluginDir = "/usr/lib/nagios/plugins"
const NodeName = "icinga-master.example.net"
const ZoneName = "master"
const TicketSalt = ""
include <itl>
include <plugins>
include "$CONF/distributed/zones.conf"
CONF
icinga2 daemon -C -c "$T/icinga2.conf" -DConfiguration.ZonesDir="$T/zones.d" \
  -DConfiguration.DataDir="$T/data" -DConfiguration.LogDir="$T/log" -DConfiguration.CacheDir="$T/cache" \
  -DConfiguration.SpoolDir="$T/spool" -DConfiguration.InitRunDir="$T/run" -DConfiguration.PidPath="$T/run/icinga2.pid" \
  -DConfiguration.StatePath="$T/data/icinga2.state" -DConfiguration.ModAttrPath="$T/data/modified-attributes.conf" \
  -DConfiguration.ObjectsPath="$T/cache/icinga2.debug" -DConfiguration.VarsPath="$T/cache/icinga2.vars" \
  -DConfiguration.RunAsUser="$(id -un)" -DConfiguration.RunAsGroup="$(id -gn)"
