#!/usr/bin/env bash
# webmail-private.sh: a private Roundcube (Debian's roundcube-core, sqlite) under lighttpd +
# php-cgi on 127.0.0.1, logging in to the test mail stack's Dovecot, for check_webmail_login.
#
#   scripts/stacks/webmail-private.sh start    start (idempotent: a healthy instance is left alone)
#   scripts/stacks/webmail-private.sh stop     stop what this script started (by its recorded PID)
#   scripts/stacks/webmail-private.sh status   exit 0 when the login page answers over HTTP and HTTPS
#   scripts/stacks/webmail-private.sh env      print KEY=value lines for the tests
#
# Three Roundcube instances share one lighttpd (one PID; lighttpd spawns and reaps php-cgi):
#   /            elastic skin, IMAP 127.0.0.1:IMAP_PORT            (http 18080, https 18443)
#   /larry/      larry skin, same IMAP
#   /imapdown/   IMAP at 127.0.0.1:1 (nothing listens): "Connection to storage server failed."
# Config is isolated from /etc/roundcube with Debian's ROUNDCUBE_CONFIG_DIR (a symlink only to
# defaults.inc.php and mimetypes.php); /etc/lighttpd is never read. Needs root (lighttpd binds
# as root, then runs as www-data). The HTTPS certificate is signed by the mail stack's CA.
set -euo pipefail
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

DIR=${WEBMAIL_DIR:-/tmp/mailcheck-webmail}
HOST=127.0.0.1
HTTP_PORT=18080
HTTPS_PORT=18443
ROOT=/var/lib/roundcube/public_html
HERE=$(cd "$(dirname "$0")/.." && pwd)   # scripts/: install-deps.sh, stacks/mailstack.sh
STACK_NAME=webmail-private
# shellcheck source=lib.sh
. "$HERE/stacks/lib.sh"
INSTANCES=(main larry imapdown)

stack_env() { "$HERE/stacks/mailstack.sh" env | grep -E "^$1=" | cut -d= -f2-; }

env_lines() {
  cat <<EOT
WEBMAIL_DIR=$DIR
WEBMAIL_URL=http://$HOST:$HTTP_PORT/
WEBMAIL_HTTPS_URL=https://localhost:$HTTPS_PORT/
WEBMAIL_HTTPS_PORT=$HTTPS_PORT
WEBMAIL_LARRY_URL=http://$HOST:$HTTP_PORT/larry/
WEBMAIL_IMAPDOWN_URL=http://$HOST:$HTTP_PORT/imapdown/
WEBMAIL_CA_CERT=$(stack_env CA_CERT)
WEBMAIL_TLS_NAME=localhost
WEBMAIL_LIGHTTPD_CONFIG=$DIR/lighttpd.conf
EOT
}

pid_alive() {
  local pid
  pid=$(cat "$DIR/run/lighttpd.pid" 2>/dev/null) || return 1
  # A zombie is gone (lib.sh's alive); only our lighttpd with our config counts.
  alive "$pid" || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "lighttpd .*$DIR/lighttpd.conf"
}

answers() {
  curl -fsS -m 5 -o /dev/null "http://$HOST:$HTTP_PORT/?_task=login" &&
  curl -fsS -m 5 -o /dev/null --cacert "$(stack_env CA_CERT)" --connect-to "localhost:$HTTPS_PORT:$HOST:$HTTPS_PORT" \
       "https://localhost:$HTTPS_PORT/?_task=login"
}

write_roundcube() {  # name imap_host skin
  local name=$1 imap=$2 skin=$3 rc=$DIR/roundcube-$1
  mkdir -p "$rc" "$DIR/db" "$DIR/temp/$name" "$DIR/log/$name"
  ln -sfn /etc/roundcube/defaults.inc.php "$rc/defaults.inc.php"
  ln -sfn /etc/roundcube/mimetypes.php "$rc/mimetypes.php"
  [ -s "$DIR/des_key" ] || { head -c 200 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 24 > "$DIR/des_key" || true; }
  cat > "$rc/config.inc.php.new" <<PHP
<?php
\$config = [];
\$config['db_dsnw'] = 'sqlite:///$DIR/db/$name.sqlite?mode=0640';
\$config['imap_host'] = '$imap';
\$config['smtp_host'] = '$HOST:$(stack_env SUBMISSION_PORT)';
\$config['smtp_user'] = '';
\$config['smtp_pass'] = '';
\$config['des_key'] = '$(cat "$DIR/des_key")';
\$config['plugins'] = [];
\$config['skin'] = '$skin';
\$config['log_dir'] = '$DIR/log/$name/';
\$config['temp_dir'] = '$DIR/temp/$name/';
\$config['log_logins'] = true;
// Failed logins in the tests must not lock the right password out for a minute (W7).
\$config['login_rate_limit'] = 0;
\$config['enable_installer'] = false;
\$config['enable_spellcheck'] = false;
\$config['product_name'] = 'Roundcube Webmail';
PHP
  mv "$rc/config.inc.php.new" "$rc/config.inc.php"
  [ -s "$DIR/db/$name.sqlite" ] || sqlite3 "$DIR/db/$name.sqlite" < /usr/share/roundcube/SQL/sqlite.initial.sql
}

fastcgi_block() {  # name
  cat <<EOT
fastcgi.server = ( ".php" => (( "socket" => "$DIR/run/php-$1.sock", "bin-path" => "/usr/bin/php-cgi",
  "max-procs" => 1, "bin-environment" => ( "PHP_FCGI_CHILDREN" => "4", "PHP_FCGI_MAX_REQUESTS" => "500",
  "PHP_INI_SCAN_DIR" => ":$DIR/php", "ROUNDCUBE_CONFIG_DIR" => "$DIR/roundcube-$1" ))))
EOT
}

write_lighttpd() {
  local ca key cert
  mkdir -p "$DIR/run" "$DIR/php" "$DIR/tls"
  # opcache would keep a rewritten config.inc.php for up to 2 s (W8).
  printf 'opcache.revalidate_freq=0\n' > "$DIR/php/99-mailcheck.ini"
  ca=$(stack_env CA_CERT); key=${ca%ca.pem}ca.key
  if [ ! -s "$DIR/tls/server.pem" ]; then
    openssl req -new -newkey rsa:2048 -nodes -keyout "$DIR/tls/server.key" -subj "/CN=localhost" \
      -out "$DIR/tls/server.csr" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$DIR/tls/ext.cnf"
    openssl x509 -req -in "$DIR/tls/server.csr" -CA "$ca" -CAkey "$key" -CAcreateserial -CAserial "$DIR/tls/ca.srl" \
      -days 800 -extfile "$DIR/tls/ext.cnf" -out "$DIR/tls/server.pem" 2>/dev/null
    # A self-signed one for the "untrusted certificate" case, served nowhere but kept for tests.
    cat "$DIR/tls/server.pem" "$DIR/tls/server.key" > "$DIR/tls/bundle.pem"
  fi
  cat > "$DIR/lighttpd.conf.new" <<EOT
server.modules = ( "mod_access", "mod_alias", "mod_fastcgi", "mod_accesslog", "mod_openssl" )
server.bind = "$HOST"
server.port = $HTTP_PORT
server.username = "www-data"
server.groupname = "www-data"
server.pid-file = "$DIR/run/lighttpd.pid"
server.errorlog = "$DIR/log/lighttpd-error.log"
accesslog.filename = "$DIR/log/access.log"
server.document-root = "$ROOT"
server.follow-symlink = "enable"
server.max-request-size = 2048
index-file.names = ( "index.php" )
static-file.exclude-extensions = ( ".php" )
url.access-deny = ( "~", ".inc", ".sh", ".sql", ".log" )
mimetype.assign = ( ".css" => "text/css", ".js" => "application/javascript", ".svg" => "image/svg+xml",
  ".png" => "image/png", ".gif" => "image/gif", ".jpg" => "image/jpeg", ".ico" => "image/x-icon",
  ".woff" => "font/woff", ".woff2" => "font/woff2", ".html" => "text/html", ".json" => "application/json" )
\$SERVER["socket"] == "$HOST:$HTTPS_PORT" {
  ssl.engine = "enable"
  ssl.pemfile = "$DIR/tls/server.pem"
  ssl.privkey = "$DIR/tls/server.key"
}
$(fastcgi_block main)
\$HTTP["url"] =~ "^/larry/" {
  alias.url = ( "/larry/" => "$ROOT/" )
  $(fastcgi_block larry)
}
\$HTTP["url"] =~ "^/imapdown/" {
  alias.url = ( "/imapdown/" => "$ROOT/" )
  $(fastcgi_block imapdown)
}
EOT
  mv "$DIR/lighttpd.conf.new" "$DIR/lighttpd.conf"
  chown -R www-data:www-data "$DIR/db" "$DIR/temp" "$DIR/log" "$DIR/run"
}

start() {
  [ -x /usr/sbin/lighttpd ] && [ -d "$ROOT" ] || "$HERE/install-deps.sh"
  "$HERE/stacks/mailstack.sh" start >/dev/null
  mkdir -p "$DIR"
  exec 9>"$DIR/.lock"; flock 9
  local imap; imap="$HOST:$(stack_env IMAP_PORT)"
  write_roundcube main "$imap" elastic
  write_roundcube larry "$imap" larry
  write_roundcube imapdown "$HOST:1" elastic
  local before; before=$({ cat "$DIR/lighttpd.conf" 2>/dev/null || true; } | md5sum)
  write_lighttpd
  if pid_alive && [ "$before" = "$(md5sum < "$DIR/lighttpd.conf")" ] && answers; then return 0; fi
  pid_alive && stop_daemon
  stop_php
  if port_taken "$HTTP_PORT"; then
    echo "webmail-private: port $HTTP_PORT is held by another program" >&2; exit 1
  fi
  lighttpd -tt -f "$DIR/lighttpd.conf" >/dev/null
  # Release the lock first: lighttpd and its php-cgi children would otherwise hold it for life.
  exec 9>&-
  lighttpd -f "$DIR/lighttpd.conf" </dev/null >/dev/null 2>&1
  for _ in $(seq 1 100); do answers 2>/dev/null && return 0; sleep 0.1; done
  echo "webmail-private: Roundcube did not answer; see $DIR/log" >&2; exit 1
}

stop_daemon() {
  local pid; pid=$(cat "$DIR/run/lighttpd.pid" 2>/dev/null) || return 0
  pid_alive || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do pid_alive || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# php-cgi children can outlive lighttpd (seen here: they ignore the SIGTERM it passes on);
# kill those, and only those, whose environment names this instance's config.
stop_php() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(cat "$p/comm" 2>/dev/null)" = php-cgi ] || continue
    { tr '\0' '\n' < "$p/environ"; } 2>/dev/null | grep -q "^ROUNDCUBE_CONFIG_DIR=$DIR/" && kill -9 "${p#/proc/}" 2>/dev/null || true
  done
}

case ${1:-} in
  start) start ;;
  stop) stop_daemon; stop_php ;;
  status) pid_alive && answers ;;
  env) env_lines ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
