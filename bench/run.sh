#!/usr/bin/env bash
# `make bench`: Parlor against the Node.js baseline (bench/baseline: Hono + ws), scenario by
# scenario, with the server under test pinned to CPU 0 and the load generator
# (bench/load: parlor-load) to CPU 1. Every scenario gets a freshly started server. The file
# scenario also runs nginx serving the same files from disk, as the local ceiling. Prints
# the tables and writes them to bench/results/latest.md (+ a timestamped copy, and the raw
# JSON lines next to them).
#
# Environment:
#   PARLOR=path          the parlor binary (default server/build/parlor, built by `make bench`)
#   BENCH_QUICK=1        short runs (a smoke test of the harness, not for publishing)
#   BENCH_SCENARIOS="relay latency join idle rest files"   a subset, in this order
#   BENCH_NO_BASELINE=1  Parlor only
#   BENCH_RESULTS=dir    where the tables go (default bench/results)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BENCH=$ROOT/bench
LOAD_BUILD=$BENCH/load/build
LOAD=$LOAD_BUILD/parlor-load
PARLOR=${PARLOR:-$ROOT/server/build/parlor}
BASELINE_DIR=$BENCH/baseline
RESULTS=${BENCH_RESULTS:-$BENCH/results}
SCENARIOS=${BENCH_SCENARIOS:-relay latency join idle rest files}
SERVER_CPU=0
LOAD_CPU=1
STARTED_AT=$(date +%s)

say() { echo "==> $*" >&2; }

# --- sizes and durations --------------------------------------------------------------
RELAY_ROOMS=20        # rooms of 6 call participants: 120 sockets
RELAY_WINDOW=32       # messages each participant keeps in flight (closed loop)
RELAY_WARMUP=3
RELAY_DURATION=10
RELAY_RUNS=3          # per server, taking turns; the median counts
LATENCY_WARMUP=3
LATENCY_DURATION=15
JOIN_COUNT=6000       # sockets joined in the storm (1000 rooms of 6)
JOIN_CONCURRENCY=64
IDLE_CONNECTIONS=10000
IDLE_SETTLE=5
REST_CONCURRENCY=32
REST_WARMUP=2
REST_DURATION=8
FILE_BYTES=$((1 << 30))  # each file of scenario 6
FILE_PARALLEL=8          # transfers at once in its parallel phases
if [ "${BENCH_QUICK:-0}" = 1 ]; then
  RELAY_ROOMS=4 RELAY_WARMUP=1 RELAY_DURATION=2 RELAY_RUNS=1 LATENCY_WARMUP=1 LATENCY_DURATION=2
  JOIN_COUNT=600 IDLE_CONNECTIONS=1000 IDLE_SETTLE=1 REST_WARMUP=1 REST_DURATION=2
  FILE_BYTES=$((64 << 20))
fi

# --- what the run needs ------------------------------------------------------------------
need_cmd() { command -v "$1" >/dev/null 2>&1; }
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
# apt_install from scripts/apt-install.sh: packages in, no service started (nginx would
# start on port 80, and stay).
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/apt-install.sh"
bench_apt_install() {
  say "installing $*"
  "${SUDO[@]}" apt-get update -qq
  apt_install "$@"
}
wants_scenario() { case " $SCENARIOS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
missing=()
need_cmd taskset || missing+=(util-linux)
need_cmd ss || missing+=(iproute2)
need_cmd curl || missing+=(curl)
need_cmd jq || missing+=(jq)
need_cmd python3 || missing+=(python3)
need_cmd cmake || missing+=(cmake)
need_cmd ninja || missing+=(ninja-build)
need_cmd node || missing+=(nodejs)
[ -f /usr/include/nlohmann/json.hpp ] || missing+=(nlohmann-json3-dev)
[ -f /usr/include/CLI/CLI.hpp ] || missing+=(libcli11-dev)
[ -f /usr/include/boost/beast.hpp ] || missing+=(libboost-dev)
[ -f /usr/include/openssl/evp.h ] || missing+=(libssl-dev)
# nginx, the file scenario's ceiling: Debian 12's `nginx` package holds the binary, built
# with the WebDAV module (`nginx -V` lists --with-http_dav_module); nginx-light and
# nginx-core are the same binary with more modules.
NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
if wants_scenario files && [ ! -x "$NGINX" ]; then missing+=(nginx); fi
if [ ${#missing[@]} -gt 0 ]; then bench_apt_install "${missing[@]}"; fi

if [ "$(nproc)" -lt 2 ]; then
  echo "bench needs two CPUs (one for the server, one for the load generator)" >&2
  exit 1
fi

if [ ! -x "$PARLOR" ]; then
  say "building parlor"
  make -C "$ROOT" server
fi

say "building parlor-load"
cmake -S "$BENCH/load" -B "$LOAD_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C "$LOAD_BUILD" -j2 parlor-load >/dev/null

BASELINE=yes
BASELINE_WHY=""
if [ "${BENCH_NO_BASELINE:-0}" = 1 ]; then
  BASELINE=no BASELINE_WHY="left out (BENCH_NO_BASELINE=1)"
elif [ ! -f "$BASELINE_DIR/server.mjs" ] || [ ! -f "$BASELINE_DIR/package-lock.json" ]; then
  BASELINE=no BASELINE_WHY="baseline not available (bench/baseline/server.mjs missing)"
else
  # npm ci only when the lock file changed since the last install.
  stamp=$LOAD_BUILD/baseline-lock.stamp
  if [ ! -d "$BASELINE_DIR/node_modules" ] || [ ! -f "$stamp" ] ||
     ! cmp -s "$BASELINE_DIR/package-lock.json" "$stamp"; then
    say "installing the baseline's packages (npm ci)"
    if npm ci --prefix "$BASELINE_DIR" --no-audit --no-fund --loglevel=error >&2; then
      cp "$BASELINE_DIR/package-lock.json" "$stamp"
    else
      BASELINE=no BASELINE_WHY="baseline not available (npm ci failed)"
    fi
  fi
fi

# 10,000 client sockets here and as many in the server: raise the descriptor limit as far
# as this shell may (children inherit it).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
FD_LIMIT=$(ulimit -n)
if [ "$FD_LIMIT" != unlimited ] && [ "$FD_LIMIT" -lt $((IDLE_CONNECTIONS + 512)) ]; then
  IDLE_CONNECTIONS=$((FD_LIMIT - 512))
  say "open-file limit is $FD_LIMIT: idle scenario reduced to $IDLE_CONNECTIONS connections"
fi

WORK=$(mktemp -d /tmp/parlor-bench.XXXXXX)
JSONL=$WORK/results.jsonl
: >"$JSONL"
SERVER_PID=""
SERVER_DATA=""  # the running server's data directory, removed when it stops
PARLOR_ARGS=()   # more flags for parlor and the baseline (the file scenario's size limit)
BASELINE_ARGS=()

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  if [ -n "$SERVER_DATA" ]; then
    rm -rf "$SERVER_DATA"
    SERVER_DATA=""
  fi
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The port a process listens on, from the socket table (parlor at --log-level warn does not
# print its listening line).
listening_port() {
  ss -Hltnp 2>/dev/null | awk -v pid="pid=$1," 'index($0, pid) { split($4, a, ":"); print a[length(a)]; exit }'
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# nginx for the file scenario: one worker (the server under test gets one core), files from
# disk with sendfile, uploads by WebDAV PUT into a temporary file on the same filesystem
# (so that publishing it is a rename), no access log; all in its own directory.
write_nginx_conf() {
  local dir=$1 port=$2 user_line=""
  # A master started as root runs its worker as nobody, who could not write here.
  [ "$(id -u)" -ne 0 ] || user_line="user root;"
  cat >"$dir/nginx.conf" <<EOF
# Written by bench/run.sh: nginx as the local ceiling of the file scenario.
$user_line
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    default_type application/octet-stream;
    client_max_body_size 0;
    # client_body_buffer_size stays 16k: with 1m nginx writes faster into a page cache that
    # has room, but on the reference VM sustained 1 MiB writes are slower (8 GiB: 0.6 of
    # the default's rate), so 8 uploads at once would fall short of the ceiling.
    client_body_temp_path $dir/body-temp;
    server {
        listen 127.0.0.1:$port;
        root $dir/files;
        location = /api/health { return 200 "ok\n"; }
        location / {
            dav_methods PUT;
            dav_access user:rw;
        }
    }
}
EOF
}

# start_server parlor|baseline|nginx: sets SERVER_PID, SERVER_URL and SERVER_DATA.
start_server() {
  local which=$1 port=""
  local log=$WORK/$which.log
  if [ "$which" = parlor ]; then
    SERVER_DATA=$(mktemp -d "$WORK/parlor-data.XXXXXX")
    # Rate limits off (they would throttle the load); warn level: no line per request
    # (the baseline runs with --quiet for the same reason).
    taskset -c $SERVER_CPU "$PARLOR" --host 127.0.0.1 --port 0 --data-dir "$SERVER_DATA" \
      --static-dir "$SERVER_DATA/no-web-client" --log-level warn \
      --room-create-per-minute 0 --join-per-minute 0 --ws-messages-per-second 0 \
      "${PARLOR_ARGS[@]}" >>"$log" 2>&1 &
  elif [ "$which" = nginx ]; then
    SERVER_DATA=$(mktemp -d "$WORK/nginx.XXXXXX")
    mkdir -p "$SERVER_DATA/files" "$SERVER_DATA/body-temp" "$SERVER_DATA/logs"
    port=$(free_port)
    write_nginx_conf "$SERVER_DATA" "$port"
    # taskset execs nginx: its pid is the master's, and the worker inherits the CPU.
    taskset -c $SERVER_CPU "$NGINX" -p "$SERVER_DATA/" -c "$SERVER_DATA/nginx.conf" \
      -e "$SERVER_DATA/logs/error.log" -g 'daemon off;' >>"$log" 2>&1 &
  else
    SERVER_DATA=$(mktemp -d "$WORK/baseline-data.XXXXXX")
    taskset -c $SERVER_CPU node "$BASELINE_DIR/server.mjs" --port 0 --host 127.0.0.1 --quiet \
      --data-dir "$SERVER_DATA" "${BASELINE_ARGS[@]}" >"$WORK/baseline.out" 2>>"$log" &
  fi
  SERVER_PID=$!
  for _ in $(seq 100); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    if [ "$which" = parlor ]; then
      port=$(listening_port "$SERVER_PID")
    elif [ "$which" = baseline ]; then
      port=$(sed -n 's/.*"event":"listening".*"port":\([0-9]*\).*/\1/p' "$WORK/baseline.out" | head -1)
    fi
    if [ -n "$port" ] && curl -fsS -o /dev/null "http://127.0.0.1:$port/api/health" 2>/dev/null; then
      SERVER_URL=http://127.0.0.1:$port
      return 0
    fi
    sleep 0.1
  done
  echo "could not start $which; its log:" >&2
  tail -20 "$log" >&2 || true
  [ "$which" != nginx ] || tail -20 "$SERVER_DATA/logs/error.log" >&2 || true
  stop_server
  return 1
}

# CPU cores busy on the whole machine over half a second (no server of ours is running
# when this is called, so it is everyone else).
machine_busy() {
  local a b
  a=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
  sleep 0.5
  b=$(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
  awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN { split(a, x, " "); split(b, y, " ");
    t = y[2] - x[2]; if (t <= 0) { print 0; exit } printf "%.2f\n", n * (y[1] - x[1]) / t }'
}

# Other work on the machine disturbs the numbers (each result reports how much there was):
# before each scenario wait up to 30 s for it to drop below a quarter of a core, at most
# QUIET_BUDGET seconds in the whole run.
QUIET_BUDGET=120
QUIET_WAITED=0
wait_for_quiet() {
  local waited=0 busy
  while [ $waited -lt 30 ] && [ $QUIET_WAITED -lt $QUIET_BUDGET ]; do
    busy=$(machine_busy)
    awk -v b="$busy" 'BEGIN { exit !(b < 0.25) }' && return 0
    [ $waited -eq 0 ] && echo "    other processes are using $busy cores: waiting for quiet (up to 30 s)" >&2
    sleep 1.5
    waited=$((waited + 2))
    QUIET_WAITED=$((QUIET_WAITED + 2))
  done
}

# run_one SCENARIO SERVER [parlor-load flags...]: one fresh server, one scenario, one JSON
# line into $JSONL.
run_one() {
  local scenario=$1 which=$2
  shift 2
  say "$scenario: $which"
  local line
  wait_for_quiet
  if ! start_server "$which"; then
    line=$(jq -cn --arg s "$scenario" '{scenario:$s, ok:false, failures:["the server did not start"], metrics:{}, checks:{}, notes:[]}')
  else
    line=$(taskset -c $LOAD_CPU "$LOAD" --url "$SERVER_URL" --server-pid "$SERVER_PID" \
      --scenario "$scenario" --timeout "${LOAD_TIMEOUT:-240}" "$@" || true)
    if ! jq -e . >/dev/null 2>&1 <<<"$line" || [ -z "$line" ]; then
      line=$(jq -cn --arg s "$scenario" '{scenario:$s, ok:false, failures:["parlor-load crashed"], metrics:{}, checks:{}, notes:[]}')
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      line=$(jq -c '.ok=false | .failures += ["the server exited during the scenario"]' <<<"$line")
    fi
    stop_server
  fi
  line=$(jq -c --arg server "$which" --arg tag "${SCENARIO_TAG:-}" --argjson run "${RUN_NUMBER:-1}" \
    '. + {server:$server, run:$run} | if $tag != "" then .scenario = $tag else . end' <<<"$line")
  echo "$line" >>"$JSONL"
  jq -r '"    \(.server) \(.scenario): \(if .ok then "ok" else "INVALID: \(.failures | join("; "))" end)"' <<<"$line" >&2
}

# The median delivered/s of a server's relay runs; empty when any run failed its checks.
median_relay() {
  jq -rs --arg s "$1" '[.[] | select(.scenario=="relay" and .server==$s)] as $runs
    | if ($runs | length) == 0 or ($runs | any(.ok | not)) then empty
      else ($runs | map(.metrics.delivered_per_s) | sort | .[(length - 1) / 2 | floor]) end' "$JSONL"
}

servers=(parlor)
[ "$BASELINE" = yes ] && servers=(baseline parlor)

LATENCY_RATE=""
LATENCY_RATE_FROM=""
LATENCY_LOW_RATE=""
FILE_SIZE=""
FILES_NOTE=""
FILES_SECONDS=""
NGINX_VERSION=""
for scenario in $SCENARIOS; do
  case $scenario in
    relay)
      # The headline scenario runs RELAY_RUNS times, the servers taking turns; the report
      # shows the median run and lists them all.
      for run in $(seq "$RELAY_RUNS"); do
        for s in "${servers[@]}"; do
          RUN_NUMBER=$run run_one relay "$s" --rooms $RELAY_ROOMS --window $RELAY_WINDOW \
            --warmup $RELAY_WARMUP --duration $RELAY_DURATION
        done
      done
      ;;
    latency)
      # Half the baseline's maximum relay throughput (scenario 1, median run), the same for
      # both.
      for from in baseline parlor; do
        rate=$(median_relay "$from")
        if [ -n "$rate" ]; then
          LATENCY_RATE=$(python3 -c "print(round($rate / 2))")
          LATENCY_RATE_FROM=$from
          break
        fi
      done
      if [ -z "$LATENCY_RATE" ]; then
        LATENCY_RATE=2000 LATENCY_RATE_FROM=fixed
      fi
      for s in "${servers[@]}"; do
        run_one latency "$s" --rooms $RELAY_ROOMS --rate "$LATENCY_RATE" \
          --warmup $LATENCY_WARMUP --duration $LATENCY_DURATION
      done
      # When that rate is beyond what Parlor relays, its latency there only measures a queue
      # growing: measure both again at half Parlor's own maximum, which both can sustain.
      parlor_rate=$(median_relay parlor)
      if [ "$LATENCY_RATE_FROM" = baseline ] && [ -n "$parlor_rate" ] &&
         python3 -c "import sys; sys.exit(0 if $parlor_rate / 2 < $LATENCY_RATE * 0.9 else 1)"; then
        LATENCY_LOW_RATE=$(python3 -c "print(round($parlor_rate / 2))")
        for s in "${servers[@]}"; do
          SCENARIO_TAG=latency_low run_one latency "$s" --rooms $RELAY_ROOMS \
            --rate "$LATENCY_LOW_RATE" --warmup $LATENCY_WARMUP --duration $LATENCY_DURATION
        done
      fi
      ;;
    join)
      for s in "${servers[@]}"; do
        run_one join "$s" --joins $JOIN_COUNT --concurrency $JOIN_CONCURRENCY
      done
      ;;
    idle)
      for s in "${servers[@]}"; do
        run_one idle "$s" --connections $IDLE_CONNECTIONS --settle $IDLE_SETTLE
      done
      ;;
    rest)
      for s in "${servers[@]}"; do
        run_one rest "$s" --concurrency $REST_CONCURRENCY --warmup $REST_WARMUP \
          --duration $REST_DURATION
      done
      ;;
    files)
      # One upload, FILE_PARALLEL uploads at once, one download, FILE_PARALLEL downloads at
      # once: through the protocol's signed links (Parlor, the baseline) or plain PUT and
      # GET (nginx, the ceiling). A server holds FILE_PARALLEL + 1 files, which go with its
      # data directory when it stops. The disk must have room for them twice over, else
      # the files shrink (and the report says so).
      files_started=$(date +%s)
      FILE_SIZE=$FILE_BYTES
      free=$(df -B1 --output=avail "$WORK" | tail -1 | tr -d ' ')
      if [ "$free" -lt $((2 * (FILE_PARALLEL + 1) * FILE_SIZE + (2 << 30))) ]; then
        FILE_SIZE=$(( (free - (2 << 30)) / (2 * (FILE_PARALLEL + 1)) / (1 << 20) * (1 << 20) ))
        [ "$FILE_SIZE" -gt 0 ] || FILE_SIZE=0
        FILES_NOTE="only $((free >> 30)) GiB free on the disk of the work directory: files of $((FILE_SIZE >> 20)) MiB instead of $((FILE_BYTES >> 20)) MiB"
        say "files: $FILES_NOTE"
      fi
      file_servers=("${servers[@]}")
      if [ -x "$NGINX" ]; then
        file_servers+=(nginx)
        NGINX_VERSION=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')
      fi
      if [ "$FILE_SIZE" -lt $((16 << 20)) ]; then
        for s in "${file_servers[@]}"; do
          jq -cn --arg server "$s" --arg why "not run: $FILES_NOTE" '{scenario:"files",
            server:$server, ok:false, skipped:true, reason:$why, metrics:{}, checks:{},
            failures:[], notes:[]}' >>"$JSONL"
        done
      else
        PARLOR_ARGS=(--max-file-bytes "$FILE_SIZE")
        BASELINE_ARGS=(--max-file-bytes "$FILE_SIZE")
        for s in "${file_servers[@]}"; do
          direct=()
          [ "$s" != nginx ] || direct=(--files-direct)
          LOAD_TIMEOUT=900 run_one files "$s" --file-bytes "$FILE_SIZE" \
            --file-parallel $FILE_PARALLEL "${direct[@]}"
          sync  # nothing this server wrote is written back while the next one runs
        done
        PARLOR_ARGS=() BASELINE_ARGS=()
      fi
      FILES_SECONDS=$(($(date +%s) - files_started))
      ;;
    *)
      echo "unknown scenario $scenario" >&2
      exit 2
      ;;
  esac
done

FINISHED_AT=$(date +%s)
jq -cn \
  --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --arg commit "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --arg dirty "$(git -C "$ROOT" status --porcelain -- server 2>/dev/null | head -1)" \
  --arg parlor_version "$("$PARLOR" --version 2>/dev/null || echo unknown)" \
  --arg node "$(node --version 2>/dev/null || echo none)" \
  --arg baseline "$BASELINE" --arg baseline_why "$BASELINE_WHY" \
  --arg baseline_deps "$(cd "$BASELINE_DIR" 2>/dev/null && jq -r '.dependencies | to_entries | map("\(.key) \(.value)") | join(", ")' package.json 2>/dev/null || echo)" \
  --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
  --arg cpus "$(nproc)" --arg kernel "$(uname -r)" \
  --arg mem "$(free -g | awk '/^Mem:/ {print $2}')" \
  --arg quick "${BENCH_QUICK:-0}" --arg fd "$FD_LIMIT" \
  --arg rate "$LATENCY_RATE" --arg rate_from "$LATENCY_RATE_FROM" --arg low_rate "$LATENCY_LOW_RATE" \
  --arg seconds "$((FINISHED_AT - STARTED_AT))" \
  --arg loadavg "$(cut -d' ' -f1-3 /proc/loadavg)" --arg quiet_waited "$QUIET_WAITED" \
  --arg relay "rooms=$RELAY_ROOMS window=$RELAY_WINDOW warmup=${RELAY_WARMUP}s duration=${RELAY_DURATION}s runs=$RELAY_RUNS (median shown)" \
  --arg latency "warmup=${LATENCY_WARMUP}s duration=${LATENCY_DURATION}s" \
  --arg join "joins=$JOIN_COUNT concurrency=$JOIN_CONCURRENCY" \
  --arg idle "connections=$IDLE_CONNECTIONS settle=${IDLE_SETTLE}s" \
  --arg rest "concurrency=$REST_CONCURRENCY warmup=${REST_WARMUP}s duration=${REST_DURATION}s per phase" \
  --arg files "files of $(( ${FILE_SIZE:-0} >> 20 )) MiB, $FILE_PARALLEL at once in the parallel phases" \
  --arg file_bytes "$FILE_SIZE" --arg files_note "$FILES_NOTE" --arg files_seconds "$FILES_SECONDS" \
  --arg nginx "$NGINX_VERSION" \
  '{meta: $ARGS.named}' >>"$JSONL"

mkdir -p "$RESULTS"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
python3 "$BENCH/report.py" "$JSONL" >"$WORK/report.md"
cp "$WORK/report.md" "$RESULTS/latest.md"
cp "$JSONL" "$RESULTS/latest.jsonl"
cp "$WORK/report.md" "$RESULTS/$stamp.md"
cp "$JSONL" "$RESULTS/$stamp.jsonl"
cat "$WORK/report.md"
say "written to ${RESULTS#"$ROOT"/}/latest.md and ${RESULTS#"$ROOT"/}/$stamp.md ($((FINISHED_AT - STARTED_AT)) s)"
