# Sourced by the private test stacks in this folder (nagios-private.sh, monit-private.sh,
# dav-private.sh, webmail-private.sh,
# mta-queue-postfix.sh, mta-queue-exim.sh): the helpers every daemon script needs, once.
# Set STACK_NAME before sourcing: die and say prefix their messages with it.
# (scripts/mailstack.sh still keeps its own copies; it moves here in a later change.)

# die MESSAGE: the script's name and MESSAGE on stderr, exit 1.
die() { echo "${STACK_NAME:-stack}: $*" >&2; exit 1; }

# say MESSAGE: a progress note on stderr.
say() { echo "${STACK_NAME:-stack}: $*" >&2; }

# alive PID: true if PID runs and is not a zombie. A daemon whose parent does not reap it
# (e.g. PID 1 in a container) lingers as a zombie after it exits; that counts as gone.
# Reads /proc instead of using ps: procps is not installed on minimal Debian images.
alive() {
  local pid=$1 st
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  st=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  st=${st##*) }                       # the state letter follows the last ") "
  [[ ${st:0:1} != Z && ${st:0:1} != X ]]
}

# kill_and_wait PID...: SIGKILL the processes and wait (at most 5 s) until each is gone. Gone
# means no such process or a zombie (whose parent, often PID 1 here, reaps it later).
kill_and_wait() {
  local p f st
  for p in "$@"; do kill -KILL "$p" 2>/dev/null || true; done
  for _ in $(seq 50); do
    st=""
    for p in "$@"; do
      f=$(cat "/proc/$p/stat" 2>/dev/null) || continue
      f=${f##*) }; [ "${f:0:1}" = Z ] || st=running
    done
    [ -z "$st" ] && return 0
    sleep 0.1
  done
}
