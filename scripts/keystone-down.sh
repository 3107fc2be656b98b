#!/usr/bin/env bash
# Stops the Keystone that scripts/keystone-up.sh started from the same
# KEYSTONE_DIR (only the uwsgi master whose pid it recorded, and so its worker).
set -euo pipefail
KEYSTONE_DIR="${KEYSTONE_DIR:-/tmp/iris-keystone}"
PIDFILE="$KEYSTONE_DIR/uwsgi.pid"
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  pid="$(cat "$PIDFILE")"
  kill -TERM "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "Keystone (pid $pid) ignored SIGTERM; sending SIGKILL" >&2
    kill -KILL "$pid"
  fi
  rm -f "$PIDFILE"
  echo "Keystone (pid $pid) stopped" >&2
else
  echo "no Keystone started from $KEYSTONE_DIR is running" >&2
fi
