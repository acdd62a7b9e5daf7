#!/usr/bin/env bash
# The benchmark (not a test): per-run wall time, CPU and peak memory of each check side by
# side with its peers on the same server and options, many runs each. Runs every
# scripts/bench.d/*.sh (or the ones named: scripts/bench.sh smtp). Figures go into the README.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
./scripts/stacks/mailstack.sh start >/dev/null
eval "$(./scripts/stacks/mailstack.sh env)"
make --no-print-directory build >/dev/null

# Installed layout: the multi-call binary plus check_* symlinks, as on a real host.
BENCH_BIN=$(mktemp -d)
trap 'rm -rf "$BENCH_BIN"' EXIT
make --no-print-directory install DESTDIR="$BENCH_BIN" PLUGINDIR=/plugins MANDIR=/man >/dev/null
export BENCH_BIN="$BENCH_BIN/plugins"
RUNS=${RUNS:-300}
# make install puts the slim libcurl beside the binary (the default a package ships); bench.d
# scripts also run network checks with Debian's libcurl.so.4 (MAILCHECK_LIBCURL points the
# loader at it), which is what SLIM_LIBCURL=no installs.
DEBIAN_LIBCURL=libcurl.so.4
cc -O2 -o "$BENCH_BIN/../bench-measure" scripts/bench-measure.c
# measure LABEL [VAR=value...] command args... [::: LABEL ...]...: one line of medians over RUNS
# runs (after 10 warm-up runs) per command; several commands run interleaved (bench-measure.c).
measure() { "$BENCH_BIN/../bench-measure" "$RUNS" 10 "$@"; }

echo "machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%d)"
echo "binary: $(stat -c %s "$BENCH_BIN/mailcheck") bytes ($(ls "$BENCH_BIN" | grep -c '^check_') checks)"
echo
names=("$@")
[ ${#names[@]} -eq 0 ] && names=($(ls scripts/bench.d/ | sed 's/\.sh$//'))
for n in "${names[@]}"; do
    echo "== $n"
    # shellcheck source=/dev/null
    source "scripts/bench.d/$n.sh"
    echo
done
