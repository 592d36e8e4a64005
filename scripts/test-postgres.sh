#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests:
#   start STATE_DIR   makes a cluster in a fresh directory under /tmp (initdb), starts it on a
#                     free loopback port and writes its URL to STATE_DIR/url;
#   halt STATE_DIR    stops the server and keeps its cluster (a database that went away);
#   resume STATE_DIR  starts it again, on the same port;
#   stop STATE_DIR    stops it and removes the cluster.
# ctest runs start and stop around the suites that need PostgreSQL (the `postgres` fixture);
# the tests create a database each. A test that takes the database away starts its own.
#
# The server refuses to run as root: as root, the cluster belongs to the `postgres` user
# that Debian's postgresql package creates. Durability is off (fsync, full-page writes):
# the data is thrown away, and the tests run faster.
set -euo pipefail

action=${1:-}
state=${2:-}
if [ -z "$action" ] || [ -z "$state" ]; then
  echo "usage: $0 start|halt|resume|stop STATE_DIR" >&2
  exit 2
fi

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
  echo "PostgreSQL is not installed (Debian package postgresql; make test installs it)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_cluster() {
  if [ -f "$state/dir" ]; then
    local dir
    dir=$(cat "$state/dir")
    if [ -d "$dir/data" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    rm -f "$state/dir" "$state/url" "$state/port"
  fi
}

server_options() {
  echo "-k $1 -p $2 -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c full_page_writes=off -c synchronous_commit=off"
}

case $action in
start)
  mkdir -p "$state"
  stop_cluster  # a cluster a killed run left behind
  dir=$(mktemp -d /tmp/parlor-postgres-XXXXXX)
  echo "$dir" >"$state/dir"
  [ "$(id -u)" -ne 0 ] || chown postgres "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -A trust -U parlor -E UTF8 --locale=C --no-sync \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  # A free port: try random ones until the server binds one (pg_ctl -w fails when it cannot).
  for attempt in $(seq 1 20); do
    port=$((20000 + RANDOM % 40000))
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "$(server_options "$dir" "$port")" start >/dev/null; then
      echo "$port" >"$state/port"
      echo "postgresql://parlor@127.0.0.1:$port/postgres" >"$state/url"
      echo "PostgreSQL for the tests on 127.0.0.1:$port ($dir)"
      exit 0
    fi
  done
  cat "$dir/server.log" >&2
  exit 1
  ;;
halt)
  as_owner "$bin/pg_ctl" -D "$(cat "$state/dir")/data" -m fast -w stop >/dev/null
  ;;
resume)
  dir=$(cat "$state/dir")
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "$(server_options "$dir" "$(cat "$state/port")")" start >/dev/null
  ;;
stop)
  stop_cluster
  ;;
*)
  echo "usage: $0 start|halt|resume|stop STATE_DIR" >&2
  exit 2
  ;;
esac
