#!/usr/bin/env bash
# monit-check-config.sh: `monit -t` on the shipped check program stanzas
# (monit-config/mailcheck.monitrc) inside a minimal private control file. Monit insists that
# each program exists, so the stanzas' plugin directory is pointed at check_* links to this
# checkout's build (MAILCHECK_BIN or $MAILCHECK_BUILD_DIR/mailcheck, else .build/debug);
# nothing else is changed. Reads nothing of /etc/monit, starts no daemon.
set -euo pipefail
dir=$(mktemp -d /tmp/mailcheck-monit-check.XXXXXX)
trap 'rm -rf "$dir"' EXIT
"$(dirname "$0")/stacks/monit-private.sh" verify "$dir"
