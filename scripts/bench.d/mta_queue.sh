# check_mta_queue vs monitoring-plugins' check_mailq and vs `postqueue -j` alone, at 1,000 and
# 10,000 deferred messages in a private Postfix instance (scripts/stacks/mta-queue-postfix.sh bench),
# so the shared stack's queue is left alone. Sourced variables: BENCH_BIN, RUNS; function
# measure. MTAQ_RUNS overrides RUNS here: a run at 10,000 messages takes about 0.3 s.
mtaq=./scripts/stacks/mta-queue-postfix.sh
mtaq_runs_saved=$RUNS
RUNS=${MTAQ_RUNS:-40}
$mtaq start bench
eval "$($mtaq env bench)"
$mtaq empty bench
mtaq_have=0
for mtaq_n in 1000 10000; do
    $mtaq fill bench $((mtaq_n - mtaq_have))
    mtaq_have=$mtaq_n
    echo "-- $mtaq_n deferred messages ($(/usr/sbin/postqueue -c "$MTAQ_CONFIG_DIR" -j | wc -c) bytes of postqueue -j output)"
    # Interleaved (one of each in turn): the host's drift falls on the three rows alike.
    measure "postqueue -j alone ($mtaq_n)" /usr/sbin/postqueue -c "$MTAQ_CONFIG_DIR" -j \
        ::: "mailcheck check_mta_queue ($mtaq_n)" "$BENCH_BIN/check_mta_queue" --config-dir "$MTAQ_CONFIG_DIR" -w 100000 -c 200000 \
        ::: "check_mailq -M postfix ($mtaq_n)" /usr/lib/nagios/plugins/check_mailq -M postfix -d "$MTAQ_CONFIG_DIR" -w 100000 -c 200000
done
$mtaq empty bench
$mtaq stop bench
RUNS=$mtaq_runs_saved
