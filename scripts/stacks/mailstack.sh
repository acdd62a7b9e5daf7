#!/usr/bin/env bash
# mailstack.sh: a private, real Postfix + Dovecot test mail stack on 127.0.0.1 high ports.
#
#   scripts/stacks/mailstack.sh start    start (idempotent: a healthy stack is left alone)
#   scripts/stacks/mailstack.sh stop     stop what this script started (idempotent)
#   scripts/stacks/mailstack.sh status   exit 0 when every listener answers with its banner
#   scripts/stacks/mailstack.sh env      print KEY=value lines (shell-sourceable) for the tests
#   scripts/stacks/mailstack.sh clean    stop, then delete everything but the lock file
#
# Everything lives under ${MAILSTACK_DIR:-/tmp/mailcheck-stack}. The Debian packages
# (installed by scripts/install-deps.sh) are used as they are: no systemd, no /etc/postfix
# or /etc/dovecot configuration is read or changed, and the system's own daemons (if any)
# are never started, stopped or signalled. Needs root (Postfix's master and Dovecot's
# master both start as root and drop privileges).
set -euo pipefail
# Postfix, Dovecot and useradd live in sbin, which a test runner's PATH may lack.
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

DIR=${MAILSTACK_DIR:-/tmp/mailcheck-stack}
case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac
DIR=${DIR%/}

HOST=127.0.0.1
SMTP_PORT=10025
SUBMISSION_PORT=10587
SUBMISSIONS_PORT=10465
IMAP_PORT=10143
IMAPS_PORT=10993
IMAPS_SHORTCERT_PORT=10994
POP3_PORT=10110
POP3S_PORT=10995

DOMAIN=example.test
DEFERRED_DOMAIN=deferred.test
# dave's mailbox belongs to the load tests and erin's to the connection-limit test: no other
# test touches them. IMAP allows IMAP_MAX_CONNECTIONS sessions per user and IP (a burst of the
# load tests stays below it; the limit test holds that many of erin's sessions open).
USERS=(alice bob carol dave erin frank)
IMAP_MAX_CONNECTIONS=40
# frank's Sieve script files every delivery probe into Junk, as a spam filter would.
JUNK_USER=frank
OAUTH_PORT=10080          # the OAuth2 token server Dovecot asks to introspect bearer tokens
CAROL_QUOTA_KB=1024       # carol's storage quota (Dovecot's "k" is KiB)
SHORTCERT_DAYS=5
START_TIMEOUT=20          # seconds to wait for every banner after starting
VMAIL_USER=${MAILSTACK_VMAIL_USER:-vmail}

# Layout. Dovecot's unix sockets live under its base_dir and a socket path must fit in
# sun_path (108 bytes); the longest name Dovecot creates there is about 30 bytes.
TLS=$DIR/tls
SECRETS=$DIR/secrets
LOGS=$DIR/log
MAILDIR=$DIR/mail
PF_CONF=$DIR/postfix           # postfix -c DIR: main.cf + master.cf
PF_QUEUE=$DIR/spool            # queue_directory (root-owned, subdirs created by Postfix)
PF_DATA=$DIR/pfdata            # data_directory (owned by the postfix user)
DC_ETC=$DIR/dovecot            # dovecot configs and the passwd-file
DC_CONF=$DC_ETC/dovecot.conf
DC2_CONF=$DC_ETC/shortcert.conf
DC_BASE=$DIR/run/dc            # base_dir of the main Dovecot instance
DC2_BASE=$DIR/run/dc2          # base_dir of the short-certificate Dovecot instance
DC_STATE=$DIR/state/dc
DC2_STATE=$DIR/state/dc2
PF_LOG=$LOGS/postfix.log
DC_LOG=$LOGS/dovecot.log
DC2_LOG=$LOGS/dovecot-shortcert.log
START_LOG=$LOGS/start.log      # stdout/stderr of the start commands (config errors land here)
OAUTH_LOG=$LOGS/oauth.log
OAUTH_PID=$DIR/run/oauth.pid
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)   # scripts/stacks
OAUTH_SERVER=$HERE/oauth-token-server.py
STAMP=$DIR/.script-sha256      # which version of this script and lib.sh wrote the running configs

STACK_NAME=mailstack
# shellcheck source=lib.sh
. "$HERE/lib.sh"               # die, say, alive, pid_from, wait_gone, port_taken, run_detached

# --- process helpers ------------------------------------------------------------------

# children PID: the pids whose parent is PID (read from /proc, as above).
children() {
  local f st rest
  for f in /proc/[0-9]*/stat; do
    st=$(cat "$f" 2>/dev/null) || continue
    rest=${st##*) }                   # "STATE PPID ..."
    rest=${rest#* }
    [ "${rest%% *}" = "$1" ] || continue
    f=${f#/proc/}
    echo "${f%/stat}"
  done
}

# --- listener checks ------------------------------------------------------------------

# banner_plain PORT QUITCMD: first line the server sends on a plain TCP connection.
banner_plain() {
  local port=$1 quit=$2 fd line
  { exec {fd}<>"/dev/tcp/$HOST/$port"; } 2>/dev/null || return 1
  if ! IFS= read -r -t 3 line <&"$fd"; then exec {fd}>&-; return 1; fi
  printf '%s\r\n' "$quit" >&"$fd" 2>/dev/null || true
  exec {fd}>&-
  printf '%s\n' "${line%$'\r'}"
}

# banner_tls PORT QUITCMD: first line after an implicit-TLS handshake that verifies the
# certificate against our CA (so a foreign listener on the port does not count as ours).
banner_tls() {
  local port=$1 quit=$2
  printf '%s\r\n' "$quit" |
    timeout 5 openssl s_client -quiet -connect "$HOST:$port" -servername localhost \
      -CAfile "$TLS/ca.pem" -verify_return_error 2>/dev/null | head -n 1 | tr -d '\r'
}

# listeners: "name port kind quit expected-banner-prefix", one per line.
listeners() {
  cat <<EOF
smtp $SMTP_PORT plain QUIT 220
submission $SUBMISSION_PORT plain QUIT 220
submissions $SUBMISSIONS_PORT tls QUIT 220
imap $IMAP_PORT plain LOGOUT_IMAP *_OK
imaps $IMAPS_PORT tls LOGOUT_IMAP *_OK
imaps-shortcert $IMAPS_SHORTCERT_PORT tls LOGOUT_IMAP *_OK
pop3 $POP3_PORT plain QUIT +OK
pop3s $POP3S_PORT tls QUIT +OK
EOF
}

# oauth_up: the token server answers /health.
oauth_up() {
  local fd line
  { exec {fd}<>"/dev/tcp/$HOST/$OAUTH_PORT"; } 2>/dev/null || return 1
  printf 'GET /health HTTP/1.0\r\n\r\n' >&"$fd" 2>/dev/null || { exec {fd}>&-; return 1; }
  IFS= read -r -t 3 line <&"$fd" || line=""
  exec {fd}>&-
  [[ $line == "HTTP/1."*" 200"* ]]
}

# check_one NAME PORT KIND QUIT EXPECT: true if the listener answers with its banner.
check_one() {
  local port=$2 kind=$3 quit=$4 expect=${5//_/ } line
  [ "$quit" = LOGOUT_IMAP ] && quit='a LOGOUT'
  if [ "$kind" = tls ]; then line=$(banner_tls "$port" "$quit") || true
  else line=$(banner_plain "$port" "$quit") || true; fi
  [[ $line == "$expect"* ]]
}

# pids_alive: our three masters are running (listeners alone could belong to another stack).
pids_alive() {
  # Only root can read the pid files; for others the listeners must do.
  [ "$(id -u)" -eq 0 ] || return 0
  alive "$(pid_from "$PF_QUEUE/pid/master.pid")" &&
    alive "$(pid_from "$DC_BASE/master.pid")" &&
    alive "$(pid_from "$DC2_BASE/master.pid")"
}

# healthy [verbose]: every listener answers and our daemons run.
healthy() {
  local verbose=${1:-} ok=0 name port kind quit expect
  [ -r "$TLS/ca.pem" ] || { [ -n "$verbose" ] && say "not set up ($TLS/ca.pem missing)"; return 1; }
  while read -r name port kind quit expect; do
    if check_one "$name" "$port" "$kind" "$quit" "$expect"; then
      [ -n "$verbose" ] && echo "$name $HOST:$port up"
    else
      [ -n "$verbose" ] && echo "$name $HOST:$port DOWN"
      ok=1
    fi
  done < <(listeners)
  if ! oauth_up; then
    [ -n "$verbose" ] && echo "oauth $HOST:$OAUTH_PORT DOWN"
    ok=1
  fi
  if ! pids_alive; then
    [ -n "$verbose" ] && echo "daemons: not all of postfix/dovecot/dovecot-shortcert are running from $DIR"
    ok=1
  fi
  return $ok
}

# --- setup ----------------------------------------------------------------------------

check_dir() {
  # The path goes into Postfix and Dovecot configs unquoted, and into socket paths.
  [[ $DIR =~ ^[A-Za-z0-9._/-]+$ ]] || die "MAILSTACK_DIR may only contain A-Z a-z 0-9 . _ / - : $DIR"
  [ ${#DC2_BASE} -le 60 ] || die "MAILSTACK_DIR is too long for Dovecot's unix sockets (keep it under ~45 bytes): $DIR"
  # A predictable path under /tmp, used as root: refuse a symlink or someone else's directory.
  if [ -e "$DIR" ] || [ -L "$DIR" ]; then
    [ -d "$DIR" ] && [ ! -L "$DIR" ] || die "$DIR exists and is not a plain directory"
    [ "$(stat -c %u "$DIR")" = "$(id -u)" ] || die "$DIR is not owned by uid $(id -u)"
  fi
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (Postfix and Dovecot masters start as root)"
  local c
  for c in postfix postconf postqueue dovecot doveadm openssl useradd; do
    command -v "$c" >/dev/null || die "missing command $c (run scripts/install-deps.sh)"
  done
  [ -x /usr/lib/dovecot/lmtp ] || die "dovecot-lmtpd is not installed (run scripts/install-deps.sh)"
}

# The mail store's owner: an existing user, or a system user created once.
ensure_vmail() {
  if ! getent passwd "$VMAIL_USER" >/dev/null; then
    useradd --system --user-group --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin "$VMAIL_USER" 2>/dev/null ||
      getent passwd "$VMAIL_USER" >/dev/null || die "cannot create user $VMAIL_USER"
  fi
  VMAIL_UID=$(id -u "$VMAIL_USER")
  VMAIL_GID=$(id -g "$VMAIL_USER")
}

make_dirs() {
  umask 022
  mkdir -p "$TLS" "$LOGS" "$PF_CONF" "$PF_QUEUE" "$PF_DATA" "$DC_ETC" "$DIR/run" "$DIR/state" \
    "$DC_STATE" "$DC2_STATE" "$MAILDIR"
  mkdir -p -m 700 "$SECRETS"
  chmod 755 "$DIR" "$DIR/run"
  # Postfix insists on a root-owned queue directory and a mail_owner-owned data directory;
  # its own post-install (run by "postfix start") creates and fixes the queue's subdirs.
  chown root:root "$PF_QUEUE"; chmod 755 "$PF_QUEUE"
  chown postfix "$PF_DATA"; chmod 700 "$PF_DATA"
  chown "$VMAIL_UID:$VMAIL_GID" "$MAILDIR"; chmod 700 "$MAILDIR"
}

# issue NAME DAYS: a server certificate for localhost / 127.0.0.1 signed by our CA.
issue() {
  local name=$1 days=$2
  (
    umask 077
    # Keep an existing key: RSA key generation is the slow part (0.1-1 s) and the short
    # certificate is re-signed at every start.
    if [ ! -s "$TLS/$name.key" ]; then
      openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TLS/$name.key.tmp" 2>/dev/null
      mv "$TLS/$name.key.tmp" "$TLS/$name.key"
    fi
    openssl req -new -key "$TLS/$name.key" -subj "/O=mailcheck test/CN=localhost" \
      -out "$TLS/$name.csr" 2>/dev/null
    cat >"$TLS/$name.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    openssl x509 -req -in "$TLS/$name.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" \
      -CAserial "$TLS/ca.srl" -CAcreateserial -days "$days" -sha256 \
      -extfile "$TLS/$name.ext" -out "$TLS/$name.pem.tmp" 2>/dev/null
    chmod 644 "$TLS/$name.pem.tmp"
    mv "$TLS/$name.pem.tmp" "$TLS/$name.pem"
    rm -f "$TLS/$name.csr" "$TLS/$name.ext"
  ) || die "openssl failed to issue the $name certificate"
}

# The CA and the 825-day server certificate are made once and kept (tests may cache the CA);
# they are only remade when missing or within 30 days of expiry. The short certificate is
# remade at every real start so that it always has about $SHORTCERT_DAYS days left.
ensure_certs() {
  local month=$((30 * 86400))
  if ! { [ -s "$TLS/ca.key" ] && [ -s "$TLS/ca.pem" ] &&
         openssl x509 -checkend "$month" -noout -in "$TLS/ca.pem" >/dev/null 2>&1; }; then
    say "creating the test CA"
    (
      umask 077
      openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -sha256 \
        -subj "/O=mailcheck test/CN=mailcheck test CA" \
        -addext "basicConstraints = critical, CA:TRUE" \
        -addext "keyUsage = critical, keyCertSign, cRLSign" \
        -keyout "$TLS/ca.key.tmp" -out "$TLS/ca.pem.tmp" 2>/dev/null
      chmod 644 "$TLS/ca.pem.tmp"
      mv "$TLS/ca.key.tmp" "$TLS/ca.key"
      mv "$TLS/ca.pem.tmp" "$TLS/ca.pem"
    ) || die "openssl failed to create the CA"
    rm -f "$TLS/server.pem" "$TLS/shortcert.pem" "$TLS/ca.srl"
  fi
  if ! { [ -s "$TLS/server.pem" ] && [ -s "$TLS/server.key" ] &&
         openssl x509 -checkend "$month" -noout -in "$TLS/server.pem" >/dev/null 2>&1 &&
         openssl verify -CAfile "$TLS/ca.pem" "$TLS/server.pem" >/dev/null 2>&1; }; then
    say "issuing the server certificate"
    issue server 825
  fi
  issue shortcert "$SHORTCERT_DAYS"
}

# One random password per user, made once: $SECRETS/USER.pass, mode 600, no newline.
ensure_secrets() {
  local u
  for u in "${USERS[@]}"; do
    if [ ! -s "$SECRETS/$u.pass" ]; then
      (umask 077; openssl rand -hex 12 | tr -d '\n' >"$SECRETS/$u.pass.tmp")
      mv "$SECRETS/$u.pass.tmp" "$SECRETS/$u.pass"
    fi
    chmod 600 "$SECRETS/$u.pass"
  done
}

# install_file TMP DEST: replace DEST by TMP only when the content differs, so that an
# unchanged config is left alone.
install_file() {
  if cmp -s "$1" "$2"; then rm -f "$1"; else mv "$1" "$2"; fi
}

# frank's Sieve script: a delivery probe goes to Junk with the headers a spam filter adds.
write_sieve() {
  local home=$MAILDIR/$DOMAIN/$JUNK_USER
  # Made as the mail store's owner: Dovecot (as vmail) creates the other users' homes beside it.
  install -d -o "$VMAIL_UID" -g "$VMAIL_GID" -m 700 "$MAILDIR/$DOMAIN" "$home"
  cat >"$home/.dovecot.sieve.tmp" <<'EOF'
require ["fileinto", "editheader"];
if exists "X-Mailcheck-Probe" {
  addheader "X-Spam-Flag" "YES";
  addheader "X-Spam-Status" "Yes, score=12.5 required=5.0 tests=MAILCHECK_TEST";
  fileinto "Junk";
  stop;
}
EOF
  install_file "$home/.dovecot.sieve.tmp" "$home/.dovecot.sieve"
  chown -R "$VMAIL_UID:$VMAIL_GID" "$home"
}

# Dovecot passwd-file (user:password:uid:gid:gecos:home:shell:extra). uid/gid/home come from
# mail_uid/mail_gid and userdb default_fields; carol gets her own quota rule as a userdb field.
write_users() {
  local u extra tmp=$DC_ETC/users.tmp
  : >"$tmp"
  for u in "${USERS[@]}"; do
    extra=""
    [ "$u" = carol ] && extra="userdb_quota_rule=*:storage=${CAROL_QUOTA_KB}k"
    printf '%s@%s:{SHA512-CRYPT}%s::::::%s\n' "$u" "$DOMAIN" \
      "$(openssl passwd -6 -stdin <"$SECRETS/$u.pass")" "$extra" >>"$tmp"
  done
  # Read by Dovecot's auth process, which runs as the dovecot user.
  chown root:dovecot "$tmp"; chmod 640 "$tmp"
  mv "$tmp" "$DC_ETC/users"
}

write_dovecot() {
  local dh=""
  # Dovecot 2.3 needs DH parameters only for DHE ciphers; Debian ships a file.
  [ -r /usr/share/dovecot/dh.pem ] && dh="ssl_dh = </usr/share/dovecot/dh.pem"

  # Shared by both instances: authentication, mail store, quota, TLS, test-friendly limits.
  cat >"$DC_ETC/common.conf.tmp" <<EOF
# Generated by scripts/stacks/mailstack.sh at every real start; edits are lost.
listen = $HOST
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
hostname = mail.$DOMAIN
# Microseconds in the log: handy when a test measures how long something took.
log_timestamp = "%Y-%m-%d %H:%M:%S.%{usecs} "
auth_verbose = yes

ssl = yes
ssl_cert = <$TLS/server.pem
ssl_key = <$TLS/server.key
$dh

# Plain LOGIN on 143/110 must work the same everywhere (Dovecot treats loopback as secure,
# but only with login_trusted_networks); STARTTLS/STLS are offered all the same.
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2 oauthbearer
# Failed logins must stay fast: no per-IP penalty, no failure delay. What remains is
# Dovecot 2.3's fixed 0.5 s timer for queued failure replies (not configurable).
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}

# Passwords for PLAIN and LOGIN; "none" covers lookups without a mechanism (LMTP, doveadm).
passdb {
  driver = passwd-file
  args = scheme=SHA512-CRYPT username_format=%u $DC_ETC/users
  mechanisms = none plain login
}
# Bearer tokens (XOAUTH2, OAUTHBEARER) are asked of the stack's token server.
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $DC_ETC/oauth2.conf
}
userdb {
  driver = passwd-file
  args = username_format=%u $DC_ETC/users
  default_fields = home=$MAILDIR/%d/%n
}
mail_uid = $VMAIL_UID
mail_gid = $VMAIL_GID
first_valid_uid = $VMAIL_UID
last_valid_uid = $VMAIL_UID
first_valid_gid = $VMAIL_GID
last_valid_gid = $VMAIL_GID
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  mailbox Junk {
    special_use = \\Junk
    auto = create
  }
}
postmaster_address = postmaster@$DOMAIN
recipient_delimiter = +

mail_plugins = \$mail_plugins quota
protocol imap {
  # Per user and IP; a userdb field cannot override it (the check runs before userdb settings apply).
  mail_max_userip_connections = $IMAP_MAX_CONNECTIONS
  mail_plugins = \$mail_plugins imap_quota
}
# Unlimited by default (storage=0); carol's limit comes from the passwd-file. Dovecot's
# default grace lets one message take a user up to 10 % over the limit; the next one is
# refused (552 5.2.2 over LMTP, so Postfix bounces it).
protocol lmtp {
  mail_plugins = \$mail_plugins sieve
}
plugin {
  sieve = file:~/sieve;active=~/.dovecot.sieve
  sieve_extensions = +editheader
  quota = maildir:User quota
  quota_rule = *:storage=0
  quota_grace = 10%%
}
EOF

  cat >"$DC_CONF.tmp" <<EOF
# Generated by scripts/stacks/mailstack.sh at every real start; edits are lost. Main instance.
!include $DC_ETC/common.conf
instance_name = mailcheck
base_dir = $DC_BASE
state_dir = $DC_STATE
log_path = $DC_LOG
protocols = imap pop3 lmtp

service imap-login {
  inet_listener imap {
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = $IMAPS_PORT
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = $POP3_PORT
  }
  inet_listener pop3s {
    port = $POP3S_PORT
    ssl = yes
  }
}
# Postfix (running as user postfix, no chroot) delivers here and authenticates here.
service lmtp {
  unix_listener lmtp {
    mode = 0600
    user = postfix
    group = postfix
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0600
    user = postfix
    group = postfix
  }
}
EOF

  # Dovecot 2.3 picks certificates by local IP or SNI name, never by port, so the listener
  # with a nearly expired certificate is a second, minimal instance with its own base_dir.
  # It serves the same users and mailboxes.
  cat >"$DC2_CONF.tmp" <<EOF
# Generated by scripts/stacks/mailstack.sh at every real start; edits are lost. IMAPS with a short-lived cert.
!include $DC_ETC/common.conf
instance_name = mailcheck-shortcert
base_dir = $DC2_BASE
state_dir = $DC2_STATE
log_path = $DC2_LOG
protocols = imap
ssl_cert = <$TLS/shortcert.pem
ssl_key = <$TLS/shortcert.key

service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = $IMAPS_SHORTCERT_PORT
    ssl = yes
  }
}
EOF
  cat >"$DC_ETC/oauth2.conf.tmp" <<EOF
introspection_mode = post
introspection_url = http://$HOST:$OAUTH_PORT/introspect
username_attribute = username
active_attribute = active
active_value = true
EOF
  install_file "$DC_ETC/oauth2.conf.tmp" "$DC_ETC/oauth2.conf"
  install_file "$DC_ETC/common.conf.tmp" "$DC_ETC/common.conf"
  install_file "$DC_CONF.tmp" "$DC_CONF"
  install_file "$DC2_CONF.tmp" "$DC2_CONF"
}

write_postfix() {
  # A complete main.cf: nothing is inherited from /etc/postfix/main.cf (Debian's "Local only"
  # default sets default_transport = error, mydestination, alias_maps, ...). Parameters not set
  # here take Postfix's compiled-in defaults.
  cat >"$PF_CONF/main.cf.tmp" <<EOF
# Generated by scripts/stacks/mailstack.sh at every real start; edits are lost.
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $PF_DATA
mail_owner = postfix
setgid_group = postdrop

# No syslog here: log through the postlog service into the private directory.
maillog_file = $PF_LOG
maillog_file_prefixes = $LOGS

myhostname = mail.$DOMAIN
myorigin = \$myhostname
smtpd_banner = \$myhostname ESMTP \$mail_name (mailcheck test stack)
biff = no
append_dot_mydomain = no
readme_directory = no
recipient_delimiter = +
inet_interfaces = $HOST
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_peername_lookup = no

# Nothing is delivered locally, and nothing leaves the machine.
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
local_transport = error:5.1.1 local delivery is disabled in the mailcheck test stack
relay_domains =
default_transport = error:5.7.1 the mailcheck test stack delivers only to $DOMAIN and $DEFERRED_DOMAIN
relay_transport = \$default_transport

# $DOMAIN: known users only, delivered to Dovecot over LMTP.
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_maps = inline:{ $(printf '%s@'"$DOMAIN"'=ok, ' "${USERS[@]}" | sed 's/, $//') }
virtual_transport = lmtp:unix:$DC_BASE/lmtp

# $DEFERRED_DOMAIN: a next hop that refuses connections, so mail is deferred at once.
# bob+deferred@$DOMAIN (check_delivery_latency's tests): delivered to bob's INBOX, but its
# transport is in defer_transports, so the mail waits in the deferred queue until a test
# releases it with "postqueue -i QUEUE_ID".
transport_maps = inline:{ $DEFERRED_DOMAIN=smtp:[127.0.0.1]:1, bob+deferred@$DOMAIN=deferred-lmtp:unix:$DC_BASE/lmtp }
defer_transports = deferred-lmtp

smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination

smtpd_tls_security_level = may
smtpd_tls_chain_files = $TLS/server.key, $TLS/server.pem
smtpd_tls_loglevel = 1
smtp_tls_security_level = none

# SASL through Dovecot; enabled only on the submission services in master.cf.
smtpd_sasl_type = dovecot
smtpd_sasl_path = $DC_BASE/auth-postfix
smtpd_sasl_auth_enable = no
EOF

  # Debian's service list, minus chroot (no chroot to populate), bound to our ports only.
  cat >"$PF_CONF/master.cf.tmp" <<EOF
# Generated by scripts/stacks/mailstack.sh at every real start; edits are lost.
# service type  private unpriv  chroot  wakeup  maxproc command + args
$HOST:$SMTP_PORT inet n - n - - smtpd
$HOST:$SUBMISSION_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_tls_auth_only=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
$HOST:$SUBMISSIONS_PORT inet n - n - - smtpd
  -o syslog_name=postfix/submissions
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_relay_restrictions=permit_sasl_authenticated,reject
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
deferred-lmtp unix -     -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
  install_file "$PF_CONF/main.cf.tmp" "$PF_CONF/main.cf"
  install_file "$PF_CONF/master.cf.tmp" "$PF_CONF/master.cf"
  # Every Postfix program that reads main.cf sleeps and re-reads it while its mtime is within
  # the last second (a guard against half-written files): a fresh main.cf made "postfix start"
  # and each first smtpd 1-2 s slower. The file is complete, so date it 2 s back.
  touch -d "@$(($(date +%s) - 2))" "$PF_CONF/main.cf" "$PF_CONF/master.cf"
}

# --- start / stop ---------------------------------------------------------------------

# Dovecot's master exits about a second after SIGTERM (it waits for its log process), so
# both instances are signalled first and then waited for together.
dovecot_pid() { # dovecot_pid BASE_DIR: the running master of that instance, if any
  local pid
  pid=$(pid_from "$1/master.pid")
  alive "$pid" || return 0
  # The pid file is in our private base_dir, but check the process really is a dovecot
  # master before signalling it (the pid may have been reused after a crash).
  [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = /usr/sbin/dovecot ] && echo "$pid"
  return 0
}

stop_dovecots() {
  local pids pid child
  pids="$(dovecot_pid "$DC_BASE") $(dovecot_pid "$DC2_BASE")"
  for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $pids; do
    wait_gone "$pid" 10 && continue
    say "dovecot master $pid did not stop on SIGTERM; killing it and its children"
    for child in $(children "$pid"); do kill -KILL "$child" 2>/dev/null || true; done
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 5 || say "dovecot master $pid is still running"
  done
}

stop_postfix() {
  local pid
  pid=$(pid_from "$PF_QUEUE/pid/master.pid")
  alive "$pid" || return 0
  [ -f "$PF_CONF/main.cf" ] && postfix -c "$PF_CONF" stop >>"$START_LOG" 2>&1 || true
  # "postfix stop" waits 5 s and then kills the process group; make sure in any case.
  if ! wait_gone "$pid" 5; then
    case $(readlink "/proc/$pid/exe" 2>/dev/null) in
      /usr/lib/postfix/sbin/master)
        say "postfix master did not stop; killing it"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        wait_gone "$pid" 5 || say "postfix master (pid $pid) is still running" ;;
    esac
  fi
}

stop_oauth() {
  local pid
  pid=$(pid_from "$OAUTH_PID")
  alive "$pid" || return 0
  grep -q oauth-token-server "/proc/$pid/cmdline" 2>/dev/null || return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait_gone "$pid" 5 || true
}

do_stop() {
  mkdir -p "$LOGS" 2>/dev/null || true
  # Postfix first: it talks to Dovecot's LMTP and auth sockets.
  stop_postfix
  stop_dovecots
  stop_oauth
}

# show_logs: the end of every log, without the lines our own banner checks cause.
show_logs() {
  local f
  for f in "$START_LOG" "$PF_LOG" "$DC_LOG" "$DC2_LOG"; do
    [ -s "$f" ] || continue
    echo "----- last lines of $f" >&2
    grep -vE 'no auth attempts in|(dis)?connect from unknown\[127\.0\.0\.1\]' "$f" | tail -n 20 >&2 || true
  done
}

do_start() {
  local sum
  sum=$(cat "${BASH_SOURCE[0]}" "$HERE/lib.sh" | sha256sum | cut -d' ' -f1)
  if healthy && [ "$(cat "$STAMP" 2>/dev/null)" = "$sum" ]; then
    say "already running ($DIR)"
    return 0
  fi
  # Not (fully) running, or started by another version of this script: start from scratch,
  # keeping certificates, passwords, mailboxes and queued mail.
  do_stop

  local name port kind quit expect busy=""
  while read -r name port kind quit expect; do
    port_taken "$port" && busy+=" $name:$port"
  done < <(listeners)
  port_taken "$OAUTH_PORT" && busy+=" oauth:$OAUTH_PORT"
  [ -z "$busy" ] || die "ports already in use by something else:$busy"

  ensure_vmail
  make_dirs
  ensure_certs
  ensure_secrets
  write_users
  write_sieve
  write_dovecot
  write_postfix
  rm -f "$STAMP"
  : >"$START_LOG"

  # The token server first: Dovecot asks it about every bearer token.
  command -v python3 >/dev/null || die "missing python3 (run scripts/install-deps.sh)"
  # sh backgrounds it and returns at once (the server is then init's child, like the masters).
  run_detached "$START_LOG" sh -c 'python3 "$1" "$2" >>"$3" 2>&1 & echo $! >"$4"' sh "$OAUTH_SERVER" "$OAUTH_PORT" "$OAUTH_LOG" "$OAUTH_PID" ||
    { do_stop; die "the token server failed to start"; }

  # Dovecot first, so that Postfix finds the LMTP and auth sockets. Dovecot checks its
  # config and binds its listeners before it daemonizes, so its exit status is meaningful.
  run_detached "$START_LOG" dovecot -c "$DC_CONF" || { show_logs; do_stop; die "dovecot failed to start"; }
  run_detached "$START_LOG" dovecot -c "$DC2_CONF" || { show_logs; do_stop; die "dovecot (short-cert instance) failed to start"; }
  # "postfix start" runs its integrity check (creating the queue subdirectories with the
  # right owners), then waits for the master's initialisation status.
  run_detached "$START_LOG" postfix -c "$PF_CONF" start || { show_logs; do_stop; die "postfix failed to start"; }

  local deadline=$((SECONDS + START_TIMEOUT))
  until healthy; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "not every listener answered within ${START_TIMEOUT}s:"
      healthy verbose >&2 || true
      show_logs
      do_stop
      exit 1
    fi
    sleep 0.2
  done
  echo "$sum" >"$STAMP"
  say "running ($DIR)"
}

do_env() {
  local u U
  kv() { printf '%s=%q\n' "$1" "$2"; }
  kv MAILSTACK_DIR "$DIR"
  kv MAIL_HOST "$HOST"
  kv MAIL_HOSTNAME "mail.$DOMAIN"
  kv SMTP_PORT "$SMTP_PORT"
  kv SUBMISSION_PORT "$SUBMISSION_PORT"
  kv SUBMISSIONS_PORT "$SUBMISSIONS_PORT"
  kv IMAP_PORT "$IMAP_PORT"
  kv IMAPS_PORT "$IMAPS_PORT"
  kv IMAPS_SHORTCERT_PORT "$IMAPS_SHORTCERT_PORT"
  kv IMAPS_SHORTCERT_DAYS "$SHORTCERT_DAYS"
  kv POP3_PORT "$POP3_PORT"
  kv POP3S_PORT "$POP3S_PORT"
  kv TLS_SERVER_NAME localhost
  kv CA_CERT "$TLS/ca.pem"
  kv SERVER_CERT "$TLS/server.pem"
  kv SHORTCERT_CERT "$TLS/shortcert.pem"
  kv MAIL_DOMAIN "$DOMAIN"
  kv DEFERRED_DOMAIN "$DEFERRED_DOMAIN"
  kv DEFERRED_RCPT "bob+deferred@$DOMAIN"
  for u in "${USERS[@]}"; do
    U=${u^^}
    kv "${U}_USER" "$u@$DOMAIN"
    kv "${U}_PASS_FILE" "$SECRETS/$u.pass"
  done
  kv CAROL_QUOTA_KB "$CAROL_QUOTA_KB"
  kv IMAP_MAX_CONNECTIONS "$IMAP_MAX_CONNECTIONS"
  kv JUNK_USER "$JUNK_USER@$DOMAIN"
  kv OAUTH_URL "http://$HOST:$OAUTH_PORT"
  kv OAUTH_TOKEN_URL "http://$HOST:$OAUTH_PORT/token"
  kv POSTFIX_CONFIG_DIR "$PF_CONF"
  kv POSTFIX_QUEUE_DIR "$PF_QUEUE"
  kv POSTFIX_LOG "$PF_LOG"
  kv DOVECOT_CONFIG "$DC_CONF"
  kv DOVECOT_SHORTCERT_CONFIG "$DC2_CONF"
  kv DOVECOT_LOG "$DC_LOG"
  kv MAIL_STORE_DIR "$MAILDIR"
}

# Serialise start/stop/clean: test processes running in parallel may all call "start".
lock() {
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  exec {LOCK_FD}>"$DIR/.lock"
  flock -w 120 "$LOCK_FD" || die "timed out waiting for $DIR/.lock"
}

cmd=${1:-}
case $cmd in
  start)
    check_dir; need_root; lock
    do_start ;;
  stop)
    check_dir
    [ -d "$DIR" ] || exit 0
    need_root; lock
    do_stop ;;
  clean)
    check_dir
    [ -d "$DIR" ] || exit 0
    need_root; lock
    do_stop
    find "$DIR" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf {} + ;;
  status)
    check_dir
    healthy verbose ;;
  env)
    do_env ;;
  *)
    echo "usage: $0 start|stop|status|env|clean" >&2
    exit 2 ;;
esac
