#!/usr/bin/env bash
# `make soak`: 1,000 people on one fresh Parlor for 10 minutes, every kind of operation
# (bench/load/src/soak.cpp says what they do and what is checked). Samples the server's
# resident memory and open descriptors every 10 s, prints a report and writes it to
# bench/results/soak-latest.md. Exits non-zero when there was any error, lost or duplicated
# event, or when the server died.
#
#   bench/soak.sh [--clients N] [--duration SECONDS] [--warmup SECONDS] [--seed N]
#                 [--source-addresses N] [--sample-interval SECONDS]
#
# Environment: PARLOR=path (default server/build/parlor), SOAK_RESULTS=dir (default
# bench/results).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BENCH=$ROOT/bench
LOAD_BUILD=$BENCH/load/build
LOAD=$LOAD_BUILD/parlor-load
PARLOR=${PARLOR:-$ROOT/server/build/parlor}
RESULTS=${SOAK_RESULTS:-$BENCH/results}

CLIENTS=1000
DURATION=600
WARMUP=60
SEED=1
# Every client is one person at one address, 127.0.0.<1 + i % N>: 1,000 people are four
# per address, so the server's per-address limits (64 connections, 30 joins and 10 new
# rooms a minute) stay at their defaults and are never reached by this legitimate load.
SOURCES=250
SAMPLE_EVERY=10
while [ $# -gt 0 ]; do
  case $1 in
    --clients) CLIENTS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --source-addresses) SOURCES=$2; shift 2 ;;
    --sample-interval) SAMPLE_EVERY=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "soak: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "==> $*" >&2; }

for cmd in cmake ninja python3 ss curl; do
  command -v "$cmd" >/dev/null || { echo "soak: $cmd is missing (make deps; apt-get install iproute2 curl)" >&2; exit 1; }
done
[ -x "$PARLOR" ] || { echo "soak: no $PARLOR (make server)" >&2; exit 1; }

say "building parlor-load"
cmake -S "$BENCH/load" -B "$LOAD_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$LOAD_BUILD" -j2 parlor-load >/dev/null

# A socket per person and one more for REST in the load generator, as many in the server.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
FD_LIMIT=$(ulimit -n)

WORK=$(mktemp -d /tmp/parlor-soak.XXXXXX)
DATA=$WORK/data
mkdir -m 700 "$DATA"
SERVER_PID=""
SAMPLER_PID=""
cleanup() {
  [ -z "$SAMPLER_PID" ] || kill "$SAMPLER_PID" 2>/dev/null || true
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Every limit at its default: the per-address ones are met by spreading the clients over
# addresses (above); the others (message rates, relay bytes, prepare rate, room quotas,
# queue caps) do not stand in the way of what these people do.
SERVER_ARGS=(--host 127.0.0.1 --port 0 --data-dir "$DATA" --static-dir "$WORK/no-web-client"
  --log-level warn)
say "starting parlor (${SERVER_ARGS[*]})"
"$PARLOR" "${SERVER_ARGS[@]}" >"$WORK/parlor.log" 2>&1 &
SERVER_PID=$!
PORT=""
for _ in $(seq 100); do
  kill -0 "$SERVER_PID" 2>/dev/null || break
  PORT=$(ss -Hltnp 2>/dev/null | awk -v pid="pid=$SERVER_PID," 'index($0, pid) { split($4, a, ":"); print a[length(a)]; exit }')
  [ -n "$PORT" ] && curl -fsS "http://127.0.0.1:$PORT/api/health" >/dev/null 2>&1 && break
  PORT=""
  sleep 0.1
done
if [ -z "$PORT" ]; then
  echo "soak: parlor did not start:" >&2
  cat "$WORK/parlor.log" >&2
  exit 1
fi
URL=http://127.0.0.1:$PORT

# epoch seconds, VmRSS in KiB, open descriptors: every SAMPLE_EVERY seconds.
sample() {
  local rss fds
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null) || return 0
  fds=$(ls "/proc/$SERVER_PID/fd" 2>/dev/null | wc -l)
  echo "$(date +%s.%N) $rss $fds"
}
SAMPLES=$WORK/samples.txt
sample >"$SAMPLES"
( while sleep "$SAMPLE_EVERY"; do sample; done ) >>"$SAMPLES" &
SAMPLER_PID=$!

say "soak: $CLIENTS clients for $DURATION s (warm-up $WARMUP s) against $URL, from $SOURCES addresses"
set +e
"$LOAD" --url "$URL" --server-pid "$SERVER_PID" --scenario soak --clients "$CLIENTS" \
  --duration "$DURATION" --warmup "$WARMUP" --seed "$SEED" --source-addresses "$SOURCES" \
  --timeout $((DURATION + 900)) >"$WORK/result.json" 2> >(tee "$WORK/load.log" >&2)
LOAD_STATUS=$?
set -e
kill "$SAMPLER_PID" 2>/dev/null || true
wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=""

# After the last client has gone: what the server holds with nobody connected.
SERVER_ALIVE=yes
kill -0 "$SERVER_PID" 2>/dev/null || SERVER_ALIVE=no
AFTER=""
if [ $SERVER_ALIVE = yes ]; then
  for _ in $(seq 50); do  # up to 5 s for the server to see every socket close
    sleep 0.1
    AFTER=$(sample)
  done
fi

mkdir -p "$RESULTS"
set +e
python3 "$BENCH/soak_report.py" \
  --result "$WORK/result.json" --samples "$SAMPLES" --after "$AFTER" \
  --server-log "$WORK/parlor.log" --server-alive "$SERVER_ALIVE" --load-status "$LOAD_STATUS" \
  --server-args "${SERVER_ARGS[*]}" --clients "$CLIENTS" --duration "$DURATION" \
  --warmup "$WARMUP" --seed "$SEED" --sources "$SOURCES" --fd-limit "$FD_LIMIT" \
  --version "$("$PARLOR" --version 2>/dev/null || echo unknown)" \
  --commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  >"$WORK/report.md"
STATUS=$?
set -e
cp "$WORK/report.md" "$RESULTS/soak-latest.md"
cat "$WORK/report.md"
say "written to ${RESULTS#"$ROOT"/}/soak-latest.md"
exit $STATUS
