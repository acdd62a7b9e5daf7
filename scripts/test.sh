#!/usr/bin/env bash
# The test command: installs what the tests need (Debian packages, only those missing),
# starts the private test mail stack, builds, and runs every test. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
# Stop the stack at the end only if this run started it (a developer's running stack stays).
if ./scripts/stacks/mailstack.sh status >/dev/null 2>&1; then
    ./scripts/stacks/mailstack.sh start
else
    ./scripts/stacks/mailstack.sh start
    trap './scripts/stacks/mailstack.sh stop >/dev/null 2>&1 || true' EXIT
fi

swift build --build-tests
# The shipped form: static release binary, size budget, symlinks and man pages install.
./scripts/check-release.sh
# The Debian package from that release build, for DebianPackageTests (scripts/deb-check.sh).
rm -rf .build/deb && ./scripts/build-deb.sh .build/deb >/dev/null

# A hung test must not eat CI's whole time limit in silence: after MAILCHECK_TEST_LIMIT seconds
# (default 25 minutes; the suite takes about 3) print every thread's stack of the test process
# (with gdb, where installed) and stop it, so the log names the test that hung. stdbuf: line-
# buffered output, so the log's tail is what ran last even when the run is killed.
stdbuf -oL -eL swift test --skip-build &
tests=$!
(
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    sleep "${MAILCHECK_TEST_LIMIT:-1500}" & nap=$!
    wait "$nap"
    echo "test.sh: the tests still run after ${MAILCHECK_TEST_LIMIT:-1500} s; stacks of the test process:" >&2
    for p in $(pgrep -P "$tests" -f xctest); do
        { command -v gdb >/dev/null && gdb -p "$p" -batch -ex "thread apply all bt 30" >&2 2>&1; } || true
        kill -9 "$p" 2>/dev/null || true
    done
) &
watchdog=$!
rc=0
wait "$tests" || rc=$?
kill "$watchdog" 2>/dev/null || true
wait "$watchdog" 2>/dev/null || true
exit "$rc"
