#!/bin/sh
# Stands in for postqueue, exim, sendmail or smtpctl in check_mta_queue's tests: records its
# arguments in $FAKE_MTA_ARGS_FILE, prints the file $FAKE_MTA_STDOUT ($FAKE_MTA_STDOUT_CLIENT
# for Sendmail's client queue, -Ac), writes $FAKE_MTA_STDERR
# to stderr, sleeps $FAKE_MTA_SLEEP seconds and exits with $FAKE_MTA_EXIT.
[ -n "${FAKE_MTA_ARGS_FILE:-}" ] && echo "$*" >"$FAKE_MTA_ARGS_FILE"
case " $* " in
  *" -Ac "*) [ -n "${FAKE_MTA_STDOUT_CLIENT:-}" ] && cat "$FAKE_MTA_STDOUT_CLIENT" ;;
  *) [ -n "${FAKE_MTA_STDOUT:-}" ] && cat "$FAKE_MTA_STDOUT" ;;
esac
[ -n "${FAKE_MTA_STDERR:-}" ] && printf '%s\n' "$FAKE_MTA_STDERR" >&2
[ -n "${FAKE_MTA_SLEEP:-}" ] && sleep "$FAKE_MTA_SLEEP"
exit "${FAKE_MTA_EXIT:-0}"
