# check_disk_growth vs monitoring-plugins' C check_disk on the same filesystem, plus what the
# history costs: a state directory on disk (fsync of file and directory) and on tmpfs, and a
# full history (a week of 5-minute samples, thinned as the check thins it).
# Sourced variables: BENCH_BIN, RUNS; function measure.
C=/usr/lib/nagios/plugins/check_disk
DG_DIR=$(mktemp -d /var/tmp/bench-disk-growth.XXXXXX)
DG_SHM=$(mktemp -d /dev/shm/bench-disk-growth.XXXXXX)
# A week of history, one sample every 5 minutes (2016 runs), ending now.
now=$(date +%s)
for i in $(seq 0 2015); do
    MAILCHECK_NOW=$((now - 604800 + i * 300)) "$BENCH_BIN/check_disk_growth" -p / --state-dir "$DG_DIR/week" >/dev/null
done
echo "full history: $(($(grep -c . "$DG_DIR"/week/*.state) - 3)) samples, $(stat -c %s "$DG_DIR"/week/*.state) bytes"
measure "mailcheck --version" "$BENCH_BIN/check_disk_growth" --version
measure "C check_disk -p / (no history)" "$C" -w 20% -c 10% -p /
measure "C check_disk -p / -i (with inodes)" "$C" -w 20% -c 10% -W 20% -K 10% -p /
measure "mailcheck check_disk_growth, state on tmpfs" "$BENCH_BIN/check_disk_growth" -p / --state-dir "$DG_SHM" --days-warning 30 --days-critical 7
measure "mailcheck check_disk_growth, state on disk" "$BENCH_BIN/check_disk_growth" -p / --state-dir "$DG_DIR/short" --days-warning 30 --days-critical 7
measure "mailcheck check_disk_growth, week of history" "$BENCH_BIN/check_disk_growth" -p / --state-dir "$DG_DIR/week" --days-warning 30 --days-critical 7
measure "mailcheck check_disk_growth, 3 paths" "$BENCH_BIN/check_disk_growth" -p / -p /tmp -p /var/tmp --state-dir "$DG_DIR/three"
rm -rf "$DG_DIR" "$DG_SHM"
