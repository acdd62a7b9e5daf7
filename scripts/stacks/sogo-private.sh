#!/usr/bin/env bash
# sogo-private.sh: a private, real SOGo (Debian 12's sogo 5.8: webmail, CalDAV, CardDAV) on loopback.
#
#   scripts/stacks/sogo-private.sh start    start (idempotent: a healthy SOGo is left alone)
#   scripts/stacks/sogo-private.sh stop     stop what this script started (idempotent)
#   scripts/stacks/sogo-private.sh status   exit 0 when PostgreSQL, memcached and sogod all answer
#   scripts/stacks/sogo-private.sh env      print KEY=value lines (shell-sourceable) for the tests
#
# Everything lives under ${SOGO_PRIVATE_DIR:-/tmp/mailcheck-sogo}: its own PostgreSQL cluster
# (port 15432, socket in run/), its own memcached (11311) and sogod (WOPort 127.0.0.1:20000),
# all running as a dedicated system user whose home (where GNUstep reads SOGo's defaults) is
# under that directory. /etc/sogo is never changed, and the system's own sogo, postgresql and
# memcached (if any) are never started, stopped or signalled. SOGo's users (alice, bob) come
# from an SQL table and have the test mail stack's passwords; mail goes to that stack's Dovecot
# (IMAP 10143) and Postfix (submission 10587), which this script starts when it is down.
# Needs root (to create the user and run the daemons as it). See docs/sogo-notes.md.
set -euo pipefail
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MAILSTACK=$ROOT/scripts/stacks/mailstack.sh
DIR=${SOGO_PRIVATE_DIR:-/tmp/mailcheck-sogo}
case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac
DIR=${DIR%/}

HOST=127.0.0.1
SOGO_PORT=20000
PG_PORT=15432
MEMCACHED_PORT=11311
RUN_USER=${SOGO_PRIVATE_USER:-mailcheck-sogo}
SOGO_WORKERS=8            # prefork workers (Debian's unit has 3). Each keep-alive connection holds one
                          # worker; with every worker held, SOGo's watchdog resets new connections
                          # ("No child available to handle incoming request!"), which the check
                          # rightly calls CRITICAL. The test suite runs several SOGo flows at once.
USERS=(alice bob)
DOWN_USER=nobackend       # logs in with alice's password; its IMAP server refuses connections
START_TIMEOUT=60          # seconds for sogod to answer after it was started

HOME_DIR=$DIR/home        # the run user's home: GNUstep/Defaults/sogod.plist is SOGo's config
DEFAULTS=$HOME_DIR/GNUstep/Defaults/sogod.plist
PG_DATA=$DIR/pg
RUN=$DIR/run              # pid files and PostgreSQL's unix socket
LOGS=$DIR/log
SECRETS=$DIR/secrets
SOGO_LOG=$LOGS/sogo.log
PG_LOG=$LOGS/postgres.log
START_LOG=$LOGS/start.log
SOGO_PID=$RUN/sogo.pid
MEMCACHED_PID=$RUN/memcached.pid
STAMP=$DIR/.script-sha256 # this script's version (with lib.sh and sogo-defaults.sh) and the
                          # passwords the running SOGo was given

STACK_NAME=sogo-private
# shellcheck source=lib.sh
. "$ROOT/scripts/stacks/lib.sh"  # die, say, alive, pid_from, wait_gone, port_taken, run_detached

# The newest PostgreSQL the machine has (Debian 12: 15); pg_ctlcluster is not used.
pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/postgres" ] || die "PostgreSQL is not installed (run scripts/install-deps.sh)"
  echo "$d"
}

# --- process helpers (/proc, since procps may be absent) ---------------------------------

# ours PIDFILE COMM: the pid in PIDFILE when it runs the program COMM (so a stale pid file
# never makes us signal an unrelated process that reused the number).
ours() {
  local pid
  pid=$(pid_from "$1")
  alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && echo "$pid"
}

# as_user CMD...: run CMD in the run user's home as that user with a clean environment,
# detached from our stdio and descriptors, with default signal dispositions (lib.sh's run_detached).
as_user() {
  (
    cd "$HOME_DIR"
    run_detached "$START_LOG" runuser -u "$RUN_USER" -- env -i HOME="$HOME_DIR" \
      USER="$RUN_USER" LOGNAME="$RUN_USER" PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
  )
}

# psql_as DB [psql args...]: psql over the private socket as the cluster's superuser.
psql_as() {
  local db=$1; shift
  PGOPTIONS="-c client_min_messages=warning" runuser -u "$RUN_USER" -- "$PG/psql" -X -q -v ON_ERROR_STOP=1 -h "$RUN" -p "$PG_PORT" -d "$db" "$@"
}

# --- health -----------------------------------------------------------------------------

pg_up() { "$(pg_bin)/pg_isready" -q -h "$RUN" -p "$PG_PORT" 2>/dev/null; }
memcached_up() {
  local fd line
  { exec {fd}<>"/dev/tcp/$HOST/$MEMCACHED_PORT"; } 2>/dev/null || return 1
  printf 'version\r\n' >&"$fd"
  IFS= read -r -t 3 line <&"$fd" || line=""
  exec {fd}>&-
  [[ $line == VERSION* ]]
}
# sogod answers its login page (200), not merely accepts connections.
sogo_up() {
  [ "$(curl -s -o /dev/null -m 10 -w '%{http_code}' "http://$HOST:$SOGO_PORT/SOGo/" 2>/dev/null)" = 200 ]
}

healthy() {
  local verbose=${1:-} ok=0
  chk() {
    if "$2"; then [ -n "$verbose" ] && echo "$1 up"; return 0; fi
    [ -n "$verbose" ] && echo "$1 DOWN"
    ok=1
  }
  chk "postgresql $HOST:$PG_PORT" pg_up
  chk "memcached $HOST:$MEMCACHED_PORT" memcached_up
  chk "sogod $HOST:$SOGO_PORT" sogo_up
  # Listeners alone could belong to someone else's daemons: ours must run.
  if [ "$(id -u)" -eq 0 ]; then
    ours "$SOGO_PID" sogod >/dev/null && ours "$MEMCACHED_PID" memcached >/dev/null &&
      ours "$PG_DATA/postmaster.pid" postgres >/dev/null ||
      { [ -n "$verbose" ] && echo "daemons: not all of postgres/memcached/sogod run from $DIR"; ok=1; }
  fi
  return $ok
}

# --- setup ------------------------------------------------------------------------------

check_dir() {
  # The path goes into configs unquoted and into PostgreSQL's socket path (107 bytes at most).
  [[ $DIR =~ ^[A-Za-z0-9._/-]+$ ]] || die "SOGO_PRIVATE_DIR may only contain A-Z a-z 0-9 . _ / - : $DIR"
  [ ${#RUN} -le 80 ] || die "SOGO_PRIVATE_DIR is too long for PostgreSQL's unix socket: $DIR"
  if [ -e "$DIR" ] || [ -L "$DIR" ]; then
    [ -d "$DIR" ] && [ ! -L "$DIR" ] || die "$DIR exists and is not a plain directory"
    [ "$(stat -c %u "$DIR")" = 0 ] || die "$DIR is not owned by root"
  fi
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (creates $RUN_USER and runs the daemons as it)"
  local c
  for c in sogod memcached runuser curl openssl useradd; do
    command -v "$c" >/dev/null || die "missing command $c (run scripts/install-deps.sh)"
  done
  PG=$(pg_bin)
}

# The run user: a system user whose home is ours (GNUstep reads its defaults from the home
# the passwd database gives, not from $HOME), re-pointed if an older run left another home.
ensure_user() {
  if ! getent passwd "$RUN_USER" >/dev/null; then
    useradd --system --user-group --home-dir "$HOME_DIR" --no-create-home \
      --shell /usr/sbin/nologin "$RUN_USER" 2>/dev/null ||
      getent passwd "$RUN_USER" >/dev/null || die "cannot create user $RUN_USER"
  fi
  [ "$(getent passwd "$RUN_USER" | cut -d: -f6)" = "$HOME_DIR" ] || usermod -d "$HOME_DIR" "$RUN_USER"
  # sogod aborts unless it can read /etc/sogo/sogo.conf (root:sogo, mode 640), even though
  # every key in it is overridden: the run user joins the package's group "sogo" to read it.
  if getent group sogo >/dev/null && ! id -nG "$RUN_USER" | tr ' ' '\n' | grep -qx sogo; then
    usermod -a -G sogo "$RUN_USER"
  fi
}

make_dirs() {
  umask 022
  mkdir -p "$HOME_DIR/GNUstep/Defaults" "$RUN" "$LOGS" "$PG_DATA"
  mkdir -p -m 700 "$SECRETS"
  chmod 755 "$DIR"
  chown -R "$RUN_USER:" "$HOME_DIR" "$RUN" "$LOGS"
  chown "$RUN_USER:" "$PG_DATA"; chmod 700 "$PG_DATA"
}

# The mail stack's users and passwords: SOGo logs into Dovecot with them.
ensure_mailstack() {
  "$MAILSTACK" status >/dev/null 2>&1 || "$MAILSTACK" start || die "the test mail stack did not start"
  # shellcheck disable=SC1090
  eval "$("$MAILSTACK" env)"
}
pass_file() { local v=${1^^}_PASS_FILE; echo "${!v}"; }

# The database role's password: random, kept across restarts.
ensure_db_secret() {
  [ -s "$SECRETS/db.pass" ] || (umask 077; openssl rand -hex 16 >"$SECRETS/db.pass")
  DB_PASS=$(cat "$SECRETS/db.pass")
}

start_postgres() {
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    # Local (socket) connections by the OS user only; TCP (SOGo) with a password.
    as_user "$PG/initdb" -D "$PG_DATA" -U "$RUN_USER" -E UTF8 --no-locale \
      --auth-local=peer --auth-host=scram-sha-256 || die "initdb failed (see $START_LOG)"
  fi
  as_user "$PG/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 30 \
    -o "-p $PG_PORT -k $RUN -c listen_addresses=$HOST -c max_connections=50 -c fsync=off" start ||
    { tail -n 20 "$PG_LOG" >&2 || true; die "postgres failed to start"; }
}

# Role and database for SOGo (it creates its own folder, profile and session tables on first
# use), and the users table its SQL user source reads. Passwords are re-read at every start.
setup_db() {
  psql_as postgres -v pw="$DB_PASS" <<'EOF'
SELECT format('CREATE ROLE sogo LOGIN PASSWORD %L', :'pw') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sogo') \gexec
ALTER ROLE sogo PASSWORD :'pw';
SELECT 'CREATE DATABASE sogo OWNER sogo' WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'sogo') \gexec
EOF
  psql_as sogo <<'EOF'
CREATE TABLE IF NOT EXISTS sogo_users (
  c_uid varchar(64) PRIMARY KEY, c_name varchar(64) NOT NULL, c_password varchar(256) NOT NULL,
  c_cn varchar(128), mail varchar(128) NOT NULL, c_imaplogin varchar(128) NOT NULL);
ALTER TABLE sogo_users ADD COLUMN IF NOT EXISTS c_imaphost varchar(128);
GRANT SELECT ON sogo_users TO sogo;
EOF
  local u
  for u in "${USERS[@]}"; do add_user "$u" "$u" ""; done
  # The IMAP-backend-down case without touching the shared mail stack: a user whose IMAP
  # server is a closed loopback port (1, tcpmux, never listened on here); alice's password.
  add_user "$DOWN_USER" alice "imap://$HOST:1"
}

# add_user UID MAILSTACK_USER IMAP_HOST: (re)write one row; an empty IMAP_HOST means
# SOGoIMAPServer (the mail stack's Dovecot).
add_user() {
  local hash
  # SHA512-crypt: SOGo's "crypt" algorithm checks it with the system's crypt(3).
  hash=$(openssl passwd -6 -stdin <"$(pass_file "$2")")
  psql_as sogo -v uid="$1" -v hash="$hash" -v mail="$2@$MAIL_DOMAIN" -v cn="${1^} Test" \
    -v imaphost="$3" <<'EOF'
INSERT INTO sogo_users VALUES (:'uid', :'uid', :'hash', :'cn', :'mail', :'mail', NULLIF(:'imaphost', ''))
ON CONFLICT (c_uid) DO UPDATE SET c_password = EXCLUDED.c_password, c_cn = EXCLUDED.c_cn,
  mail = EXCLUDED.mail, c_imaplogin = EXCLUDED.c_imaplogin, c_imaphost = EXCLUDED.c_imaphost;
EOF
}

start_memcached() {
  as_user memcached -d -l "$HOST" -p "$MEMCACHED_PORT" -U 0 -m 32 -c 256 -P "$MEMCACHED_PID" ||
    die "memcached failed to start (see $START_LOG)"
}

start_sogo() {
  "$ROOT/scripts/stacks/sogo-defaults.sh" "$DB_PASS" "$MAIL_DOMAIN" >"$DEFAULTS.tmp"
  chown "$RUN_USER:" "$DEFAULTS.tmp"; chmod 600 "$DEFAULTS.tmp"; mv "$DEFAULTS.tmp" "$DEFAULTS"
  # sogod forks its workers and detaches; its parent writes the pid file.
  as_user sogod -WOWorkersCount "$SOGO_WORKERS" -WOPort "$HOST:$SOGO_PORT" \
    -WOPidFile "$SOGO_PID" -WOLogFile "$SOGO_LOG" || die "sogod failed to start (see $START_LOG)"
}

# --- stop -------------------------------------------------------------------------------

stop_pidfile() { # stop_pidfile PIDFILE COMM NAME [SECONDS before SIGKILL]
  local pid
  pid=$(ours "$1" "$2") || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone "$pid" "${4:-10}" || { kill -KILL "$pid" 2>/dev/null || true; wait_gone "$pid" 5 || say "$3 (pid $pid) is still running"; }
  rm -f "$1"
}

do_stop() {
  mkdir -p "$LOGS" 2>/dev/null || true
  # sogod 5.8's watchdog answers SIGTERM by signalling its workers, which catch it and keep
  # running (it logs "Terminating with SIGINT or SIGTERM" every half second, never exiting):
  # after a short grace it is killed. Sessions and data live in PostgreSQL, so nothing is lost.
  stop_pidfile "$SOGO_PID" sogod sogod 2
  # Workers of a killed watchdog still hold the port: they are sogod, run by our user.
  local f pid
  for f in /proc/[0-9]*/comm; do
    [ "$(cat "$f" 2>/dev/null)" = sogod ] || continue
    pid=${f#/proc/}; pid=${pid%/comm}
    [ "$(stat -c %U "/proc/$pid" 2>/dev/null)" = "$RUN_USER" ] && kill -KILL "$pid" 2>/dev/null || true
  done
  stop_pidfile "$MEMCACHED_PID" memcached memcached
  if ours "$PG_DATA/postmaster.pid" postgres >/dev/null; then
    runuser -u "$RUN_USER" -- "$(pg_bin)/pg_ctl" -D "$PG_DATA" -m fast -w -t 20 stop >/dev/null 2>&1 ||
      stop_pidfile "$PG_DATA/postmaster.pid" postgres postgres
  fi
}

# --- start ------------------------------------------------------------------------------

stamp_sum() {
  { cat "${BASH_SOURCE[0]}" "$ROOT/scripts/stacks/lib.sh" "$ROOT/scripts/stacks/sogo-defaults.sh"; for u in "${USERS[@]}"; do cat "$(pass_file "$u")"; done; } |
    sha256sum | cut -d' ' -f1
}

do_start() {
  ensure_mailstack
  local sum
  sum=$(stamp_sum)
  if healthy && [ "$(cat "$STAMP" 2>/dev/null)" = "$sum" ]; then
    say "already running ($DIR)"
    return 0
  fi
  do_stop
  local p busy=""
  for p in "$PG_PORT" "$MEMCACHED_PORT" "$SOGO_PORT"; do port_taken "$p" && busy+=" $p"; done
  [ -z "$busy" ] || die "ports already in use by something else:$busy"

  ensure_user
  make_dirs
  ensure_db_secret
  rm -f "$STAMP"
  : >"$START_LOG"; chown "$RUN_USER:" "$START_LOG"
  # A failure half-way stops what did start, so the next start begins from nothing running.
  trap 'do_stop' EXIT
  start_postgres
  setup_db
  start_memcached
  start_sogo

  local deadline=$((SECONDS + START_TIMEOUT))
  until healthy; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "not up within ${START_TIMEOUT}s:"
      healthy verbose >&2 || true
      tail -n 30 "$SOGO_LOG" "$START_LOG" >&2 2>/dev/null || true
      exit 1
    fi
    sleep 0.3
  done
  trap - EXIT
  echo "$sum" >"$STAMP"
  say "running ($DIR)"
}

do_env() {
  local u U
  kv() { printf '%s=%q\n' "$1" "$2"; }
  kv SOGO_DIR "$DIR"
  kv SOGO_HOST "$HOST"
  kv SOGO_PORT "$SOGO_PORT"
  kv SOGO_URL "http://$HOST:$SOGO_PORT/SOGo"
  kv SOGO_DAV_URL "http://$HOST:$SOGO_PORT/SOGo/dav"
  kv SOGO_LOG "$SOGO_LOG"
  kv SOGO_PG_PORT "$PG_PORT"
  kv SOGO_MEMCACHED_PORT "$MEMCACHED_PORT"
  eval "$("$MAILSTACK" env)"
  for u in "${USERS[@]}"; do
    U=${u^^}
    kv "SOGO_${U}_USER" "$u"
    kv "SOGO_${U}_EMAIL" "$u@$MAIL_DOMAIN"
    kv "SOGO_${U}_PASS_FILE" "$(pass_file "$u")"
  done
  kv SOGO_NOBACKEND_USER "$DOWN_USER"
  kv SOGO_NOBACKEND_PASS_FILE "$(pass_file alice)"
}

lock() {
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  exec {LOCK_FD}>"$DIR/.lock"
  flock -w 180 "$LOCK_FD" || die "timed out waiting for $DIR/.lock"
}

case ${1:-} in
  start) check_dir; need_root; lock; do_start ;;
  stop)
    check_dir
    [ -d "$DIR" ] || exit 0
    need_root; lock; do_stop ;;
  status) check_dir; healthy verbose ;;
  env) do_env ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
