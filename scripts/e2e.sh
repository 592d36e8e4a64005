#!/usr/bin/env bash
# Runs the browser end-to-end tests inside a fresh network namespace that has only
# loopback, so that the server, Chromium and WebRTC can reach nothing but 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../web"
export PARLOR_BIN="${PARLOR_BIN:-$(pwd)/../server/build/parlor}"
namespace=(unshare --net)
[ "$(id -u)" -eq 0 ] || namespace=(unshare --map-root-user --net)
exec "${namespace[@]}" bash -c 'ip link set lo up && exec npx playwright test "$@"' e2e "$@"
