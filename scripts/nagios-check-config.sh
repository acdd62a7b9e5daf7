#!/usr/bin/env bash
# nagios-check-config.sh: `nagios4 -v` on the shipped Nagios objects (nagios-config/: commands,
# templates, the example platform and its hosts) inside nagios-config/nagios.cfg, a minimal
# main configuration. Reads nothing of /etc/nagios4, writes nothing, starts no daemon.
set -euo pipefail
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v nagios4 >/dev/null || { echo "nagios-check-config: nagios4 is not installed (scripts/install-deps.sh)" >&2; exit 1; }
exec nagios4 -v "$ROOT/nagios-config/nagios.cfg"
