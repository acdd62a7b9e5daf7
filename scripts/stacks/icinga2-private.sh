#!/usr/bin/env bash
# icinga2-private.sh: the distributed shape of nagios-config/icinga2/distributed/ for real, on
# loopback: a master (API on 127.0.0.1:15665) and a satellite (127.0.0.1:15666), two private
# Icinga 2 instances with their own certificates from a private CA (`icinga2 pki`). The master
# holds the configuration (the shipped commands.conf in the global zone, templates.conf and
# services for every mailcheck CheckCommand against the test mail stack); the satellite gets
# it by config sync and runs every check (command_endpoint); the results arrive at the master,
# whose API the tests read.
#
#   scripts/stacks/icinga2-private.sh start DIR     lay out DIR (new or empty), start both, wait until
#                                                   the satellite is connected
#   scripts/stacks/icinga2-private.sh results DIR   every service's last result at the master (JSON)
#   scripts/stacks/icinga2-private.sh stop DIR      stop both (SIGKILL by pid file, with their children)
#
# Both run as root (their checks read the stack's password files, root's, mode 600). Nothing
# of /etc/icinga2 or /var/lib/icinga2 is read or written.
# Environment: MAILCHECK_BIN (default .build/debug/mailcheck), MAILSTACK_DIR (mailstack.sh).
set -euo pipefail
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STACK_NAME=icinga2-private
# shellcheck source=lib.sh
. "$ROOT/scripts/stacks/lib.sh"
CONF=$ROOT/nagios-config/icinga2
MASTER_PORT=15665 SATELLITE_PORT=15666
API_PASSWORD=mailcheck-private

# defines NODE_DIR: the -D options that keep a node's paths inside its directory.
defines() {
  local d=$1
  echo "-DConfiguration.DataDir=$d/data -DConfiguration.LogDir=$d/log -DConfiguration.CacheDir=$d/cache" \
       "-DConfiguration.SpoolDir=$d/spool -DConfiguration.InitRunDir=$d/run -DConfiguration.PidPath=$d/run/icinga2.pid" \
       "-DConfiguration.StatePath=$d/data/icinga2.state -DConfiguration.ModAttrPath=$d/data/modified-attributes.conf" \
       "-DConfiguration.ObjectsPath=$d/cache/icinga2.debug -DConfiguration.VarsPath=$d/cache/icinga2.vars" \
       "-DConfiguration.ZonesDir=$d/zones.d -DConfiguration.RunAsUser=root -DConfiguration.RunAsGroup=root"
}

# kill_tree PIDFILE: SIGKILL the daemon and every process of its process group and session.
kill_tree() {
  local pid f st sid pgrp victims _
  pid=$(head -n1 "$1" 2>/dev/null | tr -dc 0-9) || true
  [ -n "$pid" ] || return 0
  victims=$pid
  for f in /proc/[0-9]*/stat; do
    st=$(cat "$f" 2>/dev/null) || continue
    st=${st##*) }
    read -r _ _ pgrp sid _ <<<"$st"
    if [ "$sid" = "$pid" ] || [ "$pgrp" = "$pid" ]; then f=${f#/proc/}; victims="$victims ${f%/stat}"; fi
  done
  # shellcheck disable=SC2086
  kill_and_wait $victims
  rm -f "$1"
}

# node DIR NAME PORT CA: a node's directories, key and certificate signed by the private CA.
node() {
  local d=$1 name=$2 ca=$3
  mkdir -p "$d/data/certs" "$d/log" "$d/cache" "$d/spool" "$d/run" "$d/zones.d"
  # shellcheck disable=SC2046
  icinga2 pki new-cert $(defines "$ca") --cn "$name" --key "$d/data/certs/$name.key" --csr "$d/data/certs/$name.csr" >/dev/null
  # shellcheck disable=SC2046
  icinga2 pki sign-csr $(defines "$ca") --csr "$d/data/certs/$name.csr" --cert "$d/data/certs/$name.crt" >/dev/null
  cp "$ca/data/ca/ca.crt" "$d/data/certs/ca.crt"
}

# zones NAME: the zones of both nodes (the same on each, as on a real estate).
zones() {
  cat <<CONF
object Endpoint "mailcheck-master" { host = "127.0.0.1"; port = $MASTER_PORT }
object Zone "master" { endpoints = [ "mailcheck-master" ] }
object Endpoint "mailcheck-satellite" { host = "127.0.0.1"; port = $SATELLITE_PORT }
object Zone "satellite" { endpoints = [ "mailcheck-satellite" ]; parent = "master" }
object Zone "global-templates" { global = true }
CONF
}

# main_conf NAME PORT PLUGINDIR ACCEPT: a node's icinga2.conf.
main_conf() {
  cat <<CONF
const NodeName = "$1"
const PluginDir = "$3"
const ManubulonPluginDir = "$3"
const PluginContribDir = "$3"
const TicketSalt = ""
include <itl>
include <plugins>
$(zones)
object ApiListener "api" {
  bind_host = "127.0.0.1"
  bind_port = $2
  accept_config = $4
  accept_commands = $4
}
object ApiUser "root" { password = "$API_PASSWORD"; permissions = [ "*" ] }
object CheckerComponent "checker" { }
object FileLogger "main-log" { severity = "information"; path = LogDir + "/icinga2.log" }
CONF
}

# services: a host on the test stack and a service for every mailcheck CheckCommand, run on
# the satellite, every 10 s: the network probes by vars.probe_endpoint (mail-service), the
# local ones by vars.agent_endpoint (mail-agent-service), as templates.conf ships them. Apply
# rules, as in services.conf: only there does a template see the host.
services() {
  cat <<CONF
object Host "mailstack" {
  import "mail-host"
  check_command = "dummy"
  address = "$MAIL_HOST"
  vars.probe_endpoint = "mailcheck-satellite"
  vars.agent_endpoint = "mailcheck-satellite"
}
template Service "private-run" {
  check_interval = 10s
  retry_interval = 10s
  vars.mailcheck_cacert = "$CA_CERT"
  vars.mailcheck_sni = "$TLS_SERVER_NAME"
}
apply Service "smtp-submission" {
  import "mail-service"
  import "private-run"
  check_command = "mailcheck_smtp_session"
  assign where host.name == "mailstack"
  vars.mailcheck_smtp_session_port = $SUBMISSION_PORT
  vars.mailcheck_starttls = true
  vars.mailcheck_smtp_session_username = "$ALICE_USER"
  vars.mailcheck_smtp_session_password_file = "$ALICE_PASS_FILE"
  vars.mailcheck_smtp_session_warning = 2
  vars.mailcheck_smtp_session_critical = 5
}
apply Service "imap-login" {
  import "mail-service"
  import "private-run"
  check_command = "mailcheck_imap_login"
  assign where host.name == "mailstack"
  vars.mailcheck_imap_login_port = $IMAP_PORT
  vars.mailcheck_starttls = true
  vars.mailcheck_imap_login_username = "$ALICE_USER"
  vars.mailcheck_imap_login_password_file = "$ALICE_PASS_FILE"
}
/* A server that refuses: the state Icinga records must be CRITICAL, not a stale OK. */
apply Service "imap-refused" {
  import "mail-service"
  import "private-run"
  check_command = "mailcheck_imap_login"
  assign where host.name == "mailstack"
  vars.mailcheck_imap_login_port = 1
  vars.mailcheck_timeout = 3
  vars.mailcheck_imap_login_username = "$ALICE_USER"
  vars.mailcheck_imap_login_password_file = "$ALICE_PASS_FILE"
}
apply Service "pop3s-login" {
  import "mail-service"
  import "private-run"
  check_command = "mailcheck_pop3_login"
  assign where host.name == "mailstack"
  vars.mailcheck_pop3_login_port = $POP3S_PORT
  vars.mailcheck_tls = true
  vars.mailcheck_pop3_login_username = "$ALICE_USER"
  vars.mailcheck_pop3_login_password_file = "$ALICE_PASS_FILE"
}
apply Service "mail-queue" {
  import "mail-agent-service"
  import "private-run"
  check_command = "mailcheck_mta_queue"
  assign where host.name == "mailstack"
  vars.mailcheck_mta_queue_config_dir = "$MAILSTACK_DIR/postfix"
  vars.mailcheck_mta_queue_queue = "deferred"
}
apply Service "mail-store-disk" {
  import "mail-agent-service"
  import "private-run"
  check_command = "mailcheck_disk_growth"
  assign where host.name == "mailstack"
  vars.mailcheck_disk_growth_paths = [ "$MAILSTACK_DIR" ]
  vars.mailcheck_disk_growth_state_dir = "$STATE_DIR"
}
apply Service "delivery-latency" {
  import "mail-service"
  import "private-run"
  check_command = "mailcheck_delivery_latency"
  assign where host.name == "mailstack"
  vars.mailcheck_delivery_latency_smtp_port = $SUBMISSION_PORT
  vars.mailcheck_delivery_latency_smtp_starttls = true
  vars.mailcheck_delivery_latency_smtp_sni = "$TLS_SERVER_NAME"
  vars.mailcheck_delivery_latency_smtp_user = "$ERIN_USER"
  vars.mailcheck_delivery_latency_smtp_password_file = "$ERIN_PASS_FILE"
  vars.mailcheck_delivery_latency_imap_port = $IMAP_PORT
  vars.mailcheck_delivery_latency_imap_starttls = true
  vars.mailcheck_delivery_latency_imap_sni = "$TLS_SERVER_NAME"
  vars.mailcheck_delivery_latency_username = "$ERIN_USER"
  vars.mailcheck_delivery_latency_password_file = "$ERIN_PASS_FILE"
  vars.mailcheck_delivery_latency_to = "$ERIN_USER"
  vars.mailcheck_delivery_latency_check_name = "icinga-satellite"
  vars.mailcheck_delivery_latency_warning = 30
  vars.mailcheck_delivery_latency_critical = 60
}
CONF
}

api() { curl -sS --max-time 10 --cacert "$1/satellite/data/certs/ca.crt" -u "root:$API_PASSWORD" \
          -H 'Accept: application/json' "https://mailcheck-master:$MASTER_PORT/v1/$2" --resolve "mailcheck-master:$MASTER_PORT:127.0.0.1"; }

start() {
  local dir=$1 n
  mkdir -p "$dir"
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  dir=$(cd "$dir" && pwd)
  local bin=${MAILCHECK_BIN:-$ROOT/.build/debug/mailcheck}
  [ -x "$bin" ] || die "no mailcheck binary at $bin (build first)"
  command -v icinga2 >/dev/null || die "icinga2 is not installed (scripts/install-deps.sh)"
  for port in $MASTER_PORT $SATELLITE_PORT; do
    grep -q ":$(printf %04X "$port") 00000000:0000 0A" /proc/net/tcp 2>/dev/null && die "port $port is in use (another private Icinga 2?)"
  done
  eval "$("$ROOT/scripts/stacks/mailstack.sh" env)"
  STATE_DIR=$dir/state
  mkdir -p "$dir/plugins" "$STATE_DIR" "$dir/ca/data" "$dir/ca/log" "$dir/ca/cache"
  ln -s "$bin" "$dir/plugins/mailcheck"
  # The binary's registry is the one list of checks.
  for c in $("$bin" --list); do ln -s mailcheck "$dir/plugins/$c"; done
  # shellcheck disable=SC2046
  icinga2 pki new-ca $(defines "$dir/ca") >/dev/null
  node "$dir/master" mailcheck-master "$dir/ca"
  node "$dir/satellite" mailcheck-satellite "$dir/ca"
  main_conf mailcheck-master $MASTER_PORT "$dir/plugins" false > "$dir/master/icinga2.conf"
  main_conf mailcheck-satellite $SATELLITE_PORT "$dir/plugins" true > "$dir/satellite/icinga2.conf"
  # The master's zones.d: shipped commands for everyone, shipped templates and the services.
  mkdir -p "$dir/master/zones.d/global-templates" "$dir/master/zones.d/master"
  cp "$CONF/commands.conf" "$dir/master/zones.d/global-templates/commands.conf"
  cp "$CONF/templates.conf" "$dir/master/zones.d/master/templates.conf"
  services > "$dir/master/zones.d/master/services.conf"
  for n in master satellite; do
    # shellcheck disable=SC2046
    icinga2 daemon -c "$dir/$n/icinga2.conf" $(defines "$dir/$n") -d -e "$dir/$n/log/error.log" \
      > "$dir/$n/log/start.log" 2>&1 || { cat "$dir/$n/log/start.log" >&2; die "$n did not start"; }
  done
  for _ in $(seq 100); do
    if api "$dir" "status/ApiListener" 2>/dev/null | grep -q '"num_conn_endpoints":1'; then echo "icinga2-private: master and satellite connected ($dir)"; return 0; fi
    sleep 0.3
  done
  die "the satellite did not connect to the master within 30 s (see $dir/*/log/icinga2.log)"
}

case ${1:-} in
  start) start "${2:?DIR}" ;;
  results) api "$(cd "${2:?DIR}" && pwd)" "objects/services?attrs=last_check_result&attrs=name" ;;
  stop) d=${2:?DIR}; kill_tree "$d/master/run/icinga2.pid"; kill_tree "$d/satellite/run/icinga2.pid" ;;
  *) die "usage: $0 start|results|stop DIR" ;;
esac
