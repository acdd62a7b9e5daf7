# Sourced by the private-daemon scripts (nagios-private.sh, monit-private.sh).

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
