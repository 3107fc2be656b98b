#!/usr/bin/env bash
# Starts a private Keystone for the authentication tests on 127.0.0.1, with an
# SQLite database and its keys under KEYSTONE_DIR, and creates what the tests
# use: the projects iris-alpha, iris-beta and service, and the roles admin,
# member, reader and service. Its users are admin (admin of project admin),
# alpha-member, alpha-reader and beta-member, and iris, the service user with
# which Iris validates tokens (service role in project service).
# Prints the identity URL on the last line.
#
# Needs the Debian packages keystone, uwsgi-core and uwsgi-plugin-python3.
#
# Environment:
#   KEYSTONE_DIR       state folder (default /tmp/iris-keystone)
#   KEYSTONE_PORT      TCP port on 127.0.0.1 (default 5000)
#   KEYSTONE_PASSWORD  password of every user, set when the user is created
#                      (default iris-keystone-test-secret)
# Running it again with Keystone up only checks the users and projects.
# Stop it with scripts/keystone-down.sh.
set -euo pipefail

KEYSTONE_DIR="${KEYSTONE_DIR:-/tmp/iris-keystone}"
KEYSTONE_PORT="${KEYSTONE_PORT:-5000}"
KEYSTONE_PASSWORD="${KEYSTONE_PASSWORD:-iris-keystone-test-secret}"
SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
URL="http://127.0.0.1:$KEYSTONE_PORT/v3"
PIDFILE="$KEYSTONE_DIR/uwsgi.pid"
CONF="$KEYSTONE_DIR/keystone.conf"

# Debian's python3 and its packages, never a virtualenv found first on PATH.
export PATH="/usr/sbin:/usr/bin:/sbin:/bin:$PATH"
unset PYTHONHOME VIRTUAL_ENV
# Every Python process started below resolves only loopback hosts.
export PYTHONPATH="$SCRIPT_DIR/keystone/pyshim"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

for tool in keystone-manage keystone-wsgi-public uwsgi python3 curl; do
  command -v "$tool" >/dev/null || {
    echo "$tool not found: install the Debian packages keystone uwsgi-core uwsgi-plugin-python3" >&2
    exit 1
  }
done

is_running() {
  [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

port_taken() {
  (exec 3<>"/dev/tcp/127.0.0.1/$KEYSTONE_PORT") 2>/dev/null
}

write_config() {
  cat >"$CONF" <<CONF
# Written by scripts/keystone-up.sh for the Iris tests.
[DEFAULT]
log_file = $KEYSTONE_DIR/keystone.log
public_endpoint = http://127.0.0.1:$KEYSTONE_PORT/

[database]
connection = sqlite:///$KEYSTONE_DIR/keystone.db

[identity]
# bcrypt's minimum cost: each token request hashes a password, and the tests
# issue many. Never use this outside tests.
password_hash_rounds = 4

[token]
provider = fernet
expiration = 3600

[fernet_tokens]
key_repository = $KEYSTONE_DIR/fernet-keys

[fernet_receipts]
key_repository = $KEYSTONE_DIR/fernet-keys

[credential]
key_repository = $KEYSTONE_DIR/credential-keys
CONF
}

bootstrap() {
  local manage=(keystone-manage --config-file "$CONF")
  "${manage[@]}" db_sync
  "${manage[@]}" fernet_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
  "${manage[@]}" credential_setup --keystone-user "$(id -un)" --keystone-group "$(id -gn)"
  "${manage[@]}" bootstrap --bootstrap-username admin --bootstrap-password "$KEYSTONE_PASSWORD" \
    --bootstrap-project-name admin --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id RegionOne \
    --bootstrap-public-url "$URL" --bootstrap-internal-url "$URL"
  touch "$KEYSTONE_DIR/.bootstrapped"
}

start_uwsgi() {
  # Keystone 22 keeps read transactions open on its SQLite connections. In
  # the default rollback-journal mode they block every writer ("database is
  # locked"); WAL mode lets one writer go ahead of open readers. The mode is
  # stored in the database file.
  python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("pragma journal_mode=WAL")' \
    "$KEYSTONE_DIR/keystone.db"
  # One process with one thread: Keystone's SQLite sessions must not overlap
  # (threads fail with "SQLite objects created in a thread", processes with
  # "database is locked"). uwsgi's plain HTTP socket resets a connection that
  # a client reuses, so every response carries "Connection: close".
  setsid uwsgi --plugins python3 --http-socket "127.0.0.1:$KEYSTONE_PORT" \
    --wsgi-file "$(command -v keystone-wsgi-public)" --import iris_netguard \
    --env "OS_KEYSTONE_CONFIG_DIR=$KEYSTONE_DIR" --env "PYTHONPATH=$PYTHONPATH" \
    --master --processes 1 --threads 1 --enable-threads --lazy-apps --need-app \
    --die-on-term --no-orphans --buffer-size 65535 --add-header "Connection: close" \
    --procname-prefix-spaced iris-test-keystone --pidfile "$PIDFILE" --chdir "$KEYSTONE_DIR" \
    </dev/null >>"$KEYSTONE_DIR/uwsgi.log" 2>&1 &
  for _ in $(seq 1 120); do
    if curl -sf --noproxy '*' -m 2 -o /dev/null "$URL"; then return 0; fi
    if ! kill -0 $! 2>/dev/null; then break; fi
    sleep 0.5
  done
  echo "Keystone did not respond on $URL within 60 s; the end of $KEYSTONE_DIR/uwsgi.log:" >&2
  tail -n 30 "$KEYSTONE_DIR/uwsgi.log" >&2
  exit 1
}

if is_running; then
  echo "Keystone already running with pid $(cat "$PIDFILE")" >&2
else
  if port_taken; then
    echo "127.0.0.1:$KEYSTONE_PORT is in use by another process; set KEYSTONE_PORT" >&2
    exit 1
  fi
  mkdir -p "$KEYSTONE_DIR/fernet-keys" "$KEYSTONE_DIR/credential-keys"
  chmod 700 "$KEYSTONE_DIR" "$KEYSTONE_DIR/fernet-keys" "$KEYSTONE_DIR/credential-keys"
  write_config
  if [ ! -f "$KEYSTONE_DIR/.bootstrapped" ]; then
    bootstrap >>"$KEYSTONE_DIR/bootstrap.log" 2>&1 || {
      echo "keystone-manage failed; see $KEYSTONE_DIR/bootstrap.log" >&2
      tail -n 30 "$KEYSTONE_DIR/bootstrap.log" >&2
      exit 1
    }
  fi
  start_uwsgi
fi

python3 "$SCRIPT_DIR/keystone/provision.py" "$URL" "$KEYSTONE_PASSWORD" "$KEYSTONE_PASSWORD"
echo "Keystone listening on $URL (pid $(cat "$PIDFILE"), state in $KEYSTONE_DIR)" >&2
echo "$URL"
