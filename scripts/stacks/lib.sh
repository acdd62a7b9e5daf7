# Sourced by the private test stacks in this folder (mailstack.sh, sogo-private.sh,
# webmail-private.sh, dav-private.sh, nagios-private.sh, monit-private.sh, icinga2-private.sh,
# mta-queue-postfix.sh, mta-queue-exim.sh): the helpers every daemon script needs, once.
# Set STACK_NAME before sourcing: die and say prefix their messages with it. port_taken
# connects to HOST (127.0.0.1 when unset).

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

# pid_from FILE: the first word of FILE's first line (a daemon's pid file), or nothing.
pid_from() { [ -r "$1" ] && awk 'NR==1 { print $1 }' "$1" 2>/dev/null || true; }

# wait_gone PID [SECONDS]: true once PID has exited (or is a zombie), false if it still runs
# after SECONDS (default 5).
wait_gone() {
  local pid=$1 i
  for ((i = 0; i < ${2:-5} * 10; i++)); do alive "$pid" || return 0; sleep 0.1; done
  ! alive "$pid"
}

# port_taken PORT: something accepts connections on HOST:PORT.
port_taken() { (exec 3<>"/dev/tcp/${HOST:-127.0.0.1}/$1") 2>/dev/null; }

# run_detached LOG CMD...: start CMD detached from the caller: stdin/stdout/stderr away from
# the caller's pipes (stdout and stderr appended to LOG; a test harness reading our output to
# EOF would otherwise hang on the daemons), every other inherited descriptor closed (including
# a flock), and signal dispositions and mask reset. The reset matters: a process started with
# Foundation's Process from a Swift Testing worker inherits a blocked SIGTERM, and daemons
# inheriting it could not be stopped cleanly.
run_detached() {
  local log=$1; shift
  (
    for fd in /proc/self/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-"; fi
    done
    exec env --default-signal "$@"
  ) </dev/null >>"$log" 2>&1
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
