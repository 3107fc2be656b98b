#!/usr/bin/env bash
# Stops the MariaDB server that scripts/mariadb-up.sh started.
set -euo pipefail
MARIADB_DIR="${MARIADB_DIR:-/tmp/iris-mariadb}"
PIDFILE="$MARIADB_DIR/mysqld.pid"
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  pid="$(cat "$PIDFILE")"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  echo "MariaDB (pid $pid) stopped" >&2
else
  echo "no MariaDB started from $MARIADB_DIR is running" >&2
fi
