#!/usr/bin/env bash
# Installs what building and testing Parlor needs, and only what is missing: Debian 12
# packages with apt-get, then the web client's npm packages with `npm ci`. Safe to run
# again; a second run with nothing missing changes nothing and takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # server toolchain and libraries
  build-essential cmake ninja-build pkg-config clang-format
  libboost-dev libsoci-dev libsqlite3-dev libssl-dev nlohmann-json3-dev libspdlog-dev
  libcli11-dev libjwt-dev libcurl4-openssl-dev libgtest-dev libgmock-dev libpq-dev
  prometheus-cpp-dev libhiredis-dev
  # several instances share events through Redis in the integration tests
  redis-server
  # the metrics tests check the exposition with promtool (Debian's prometheus package)
  prometheus
  # the store suites run against PostgreSQL too (scripts/test-postgres.sh starts one)
  postgresql
  # the S3 signing check compares against botocore's presigner
  python3 python3-botocore
  # web client and browser tests
  nodejs chromium
  # loopback-only network namespace for browser tests
  iproute2 util-linux
  # browser tests: a TURN relay (coturn) and network faults (nft) inside that namespace
  coturn nftables
  # the shipped nginx site runs in front of two servers in the integration tests (with a
  # certificate from openssl, fetched over TLS with curl)
  nginx openssl curl
)

missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
# apt_install: packages in, no service started (coturn would start a TURN server).
source scripts/apt-install.sh

if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  apt_install "${missing[@]}"
  # The tests start their own coturn, nginx and PostgreSQL; the system's stay off at boot
  # too, when this script is what installed them (an operator's own install is theirs). The
  # same for the Prometheus server that comes with promtool.
  for service in coturn nginx postgresql prometheus redis-server; do
    if [[ " ${missing[*]} " == *" $service "* ]]; then
      "${sudo_cmd[@]}" systemctl disable --quiet "$service.service" 2>/dev/null || true
    fi
  done
fi

# npm ships with NodeSource's nodejs package; Debian's own nodejs needs the npm package.
if ! command -v npm >/dev/null; then
  echo "==> installing npm"
  apt_install npm
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "Parlor's web client needs Node.js 20 or newer; this machine has $(node --version)." >&2
  echo "Install Node.js 20 (for example NodeSource's nodejs package) and run this again." >&2
  exit 1
fi

# npm ci only when the lock file changed since the last install.
stamp=web/node_modules/.parlor-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s web/package-lock.json "$stamp"; then
  echo "==> installing web client packages (npm ci)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
  cp web/package-lock.json "$stamp"
fi
