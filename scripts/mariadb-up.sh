#!/usr/bin/env bash
# Starts a private MariaDB server for the tests on 127.0.0.1, with its data
# under MARIADB_DIR, and creates the database and user that Iris uses.
# Prints the database URL on the last line of its output.
#
# Environment:
#   MARIADB_DIR   state folder (default /tmp/iris-mariadb)
#   MARIADB_PORT  TCP port on 127.0.0.1 (default 3307, so that a system server on 3306 is left alone)
#   MARIADB_DB, MARIADB_USER, MARIADB_PASSWORD  (default iris / iris / iris-test-secret)
# Stop it with scripts/mariadb-down.sh.
set -euo pipefail

MARIADB_DIR="${MARIADB_DIR:-/tmp/iris-mariadb}"
MARIADB_PORT="${MARIADB_PORT:-3307}"
MARIADB_DB="${MARIADB_DB:-iris}"
MARIADB_USER="${MARIADB_USER:-iris}"
MARIADB_PASSWORD="${MARIADB_PASSWORD:-iris-test-secret}"
SOCKET="$MARIADB_DIR/mysqld.sock"
PIDFILE="$MARIADB_DIR/mysqld.pid"

for tool in mariadbd mariadb-install-db mariadb; do
  command -v "$tool" >/dev/null || { echo "$tool not found: install the Debian package mariadb-server" >&2; exit 1; }
done

client() {
  mariadb --no-defaults --protocol=socket --socket="$SOCKET" -uroot "$@"
}

if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  echo "MariaDB already running with pid $(cat "$PIDFILE")" >&2
else
  mkdir -p "$MARIADB_DIR/data"
  if [ ! -d "$MARIADB_DIR/data/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$MARIADB_DIR/data" --user=root \
      --auth-root-authentication-method=socket --skip-test-db > "$MARIADB_DIR/install.log" 2>&1 || {
      echo "mariadb-install-db failed; see $MARIADB_DIR/install.log" >&2
      tail -20 "$MARIADB_DIR/install.log" >&2
      exit 1
    }
  fi
  setsid mariadbd --no-defaults --user=root --datadir="$MARIADB_DIR/data" \
    --bind-address=127.0.0.1 --port="$MARIADB_PORT" --socket="$SOCKET" --pid-file="$PIDFILE" \
    --skip-name-resolve --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=2 \
    --log-error="$MARIADB_DIR/error.log" < /dev/null > /dev/null 2>&1 &
  for _ in $(seq 1 60); do
    if client -e 'SELECT 1' > /dev/null 2>&1; then break; fi
    sleep 0.5
  done
  client -e 'SELECT 1' > /dev/null || {
    echo "MariaDB did not start within 30 s; see $MARIADB_DIR/error.log" >&2
    tail -20 "$MARIADB_DIR/error.log" >&2
    exit 1
  }
fi

client <<SQL
CREATE DATABASE IF NOT EXISTS \`$MARIADB_DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS '$MARIADB_USER'@'127.0.0.1' IDENTIFIED BY '$MARIADB_PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$MARIADB_USER'@'127.0.0.1';
FLUSH PRIVILEGES;
SQL
echo "MariaDB $(client -N -e 'SELECT VERSION()') listening on 127.0.0.1:$MARIADB_PORT (pid $(cat "$PIDFILE"))" >&2
echo "mysql://$MARIADB_USER:$MARIADB_PASSWORD@127.0.0.1:$MARIADB_PORT/$MARIADB_DB"
