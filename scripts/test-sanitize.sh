#!/usr/bin/env bash
# `make test-sanitize`: the server's unit, integration and fuzz-corpus suites built with
# AddressSanitizer and UndefinedBehaviorSanitizer (the `parlor` the integration tests start
# too), then the realtime integration suites under ThreadSanitizer against servers with
# four network threads, where a socket's strand, the hub and the call roster meet on
# different threads. A finding fails the process where it happens, and so its test.
#
#   scripts/test-sanitize.sh [ASAN_BUILD_DIR] [TSAN_BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
asan_build=${1:-server/build-asan}
tsan_build=${2:-server/build-tsan}
jobs=${JOBS:-2}
test_jobs=${TEST_JOBS:-4}
tsan_suppressions=$PWD/server/tests/tsan.supp  # what TSan cannot see into (see the file)

configure() {
  cmake -S server -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Check -DPARLOR_BUILD_TESTS=ON \
    -DPARLOR_SANITIZE="$2" >/dev/null
}

echo "==> building the server and its tests with ASan + UBSan"
configure "$asan_build" address,undefined
ninja -C "$asan_build" -j"$jobs"
echo "==> unit, integration and fuzz-corpus tests under ASan + UBSan"
(cd "$asan_build" &&
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1" \
    ctest --output-on-failure -j"$test_jobs")

echo "==> building the server and its integration tests with TSan"
configure "$tsan_build" thread
ninja -C "$tsan_build" -j"$jobs" parlor parlor_integration_tests
echo "==> realtime suites under TSan, four-thread servers"
(cd "$tsan_build" &&
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$tsan_suppressions" \
    ctest --output-on-failure -j"$test_jobs" -R '^threads4\.')
