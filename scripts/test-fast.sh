#!/usr/bin/env bash
# The fast tests: no root, no mail stack, no schedulers, no Debian packages beyond the build's
# (fakes on loopback only). Meant for a newcomer's edit-build-test loop; CI runs scripts/test.sh.
#   scripts/test-fast.sh            build, then every fast suite
#   scripts/test-fast.sh --list     the suites it skips (those need scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

# Suites that need the real mail stack, root (mounts), Postfix/Exim or a private scheduler.
# A new suite of that kind is added here; ConventionTests checks that every suite that reads
# the mail stack's facts, mounts or starts a scheduler is listed.
STACK_SUITES=(
    DeliveryLatencyCheckTests DeliveryLatencyFailureTests DeliveryLatencyPOP3Tests
    DeliveryTrendTests DeliveryJunkTests OAuth2LoginTests OAuth2DeliveryTests
    DiskGrowthCheckTests DiskGrowthFaultTests
    IMAPLoginCheckTests IMAPTraceTests POP3LoginCheckTests SMTPCheckTests SMTPAuthProofTests LoginProofTests
    MTAQueueEximTests MTAQueuePostfixTests
    SchedulerConfigTests SchedulerMonitTests SchedulerNagiosTests
    LoadTests TLSStallTests PlainLibraryStackTests OpenMetricsTests SchedulerIcingaTests DebianPackageTests
    WebmailLoginCheckTests WebmailSOGoTests DAVRadicaleTests DAVXandikosTests
)

if [ "${1:-}" = --list ]; then printf '%s\n' "${STACK_SUITES[@]}"; exit 0; fi
skip=$(IFS='|'; echo "${STACK_SUITES[*]}")
if ! out=$(swift build --build-tests 2>&1); then
    echo "$out" | grep -E "error" | head -30
    exit 1
fi
exec swift test --skip-build --skip "MailCheckTests\\.(${skip})\\b" "$@"
