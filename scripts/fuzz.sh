#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets of server/fuzz/ with clang (ASan + UBSan), runs
# each for FUZZ_SECONDS (default 60) and prints, per target, the executions, the time, the
# corpus it grew and the crashes found. A crash (or a broken property: the targets abort
# with the input's story) stops that target; its input is saved under
# server/build-fuzz/artifacts/<target>/, and the run fails. To keep a fixed crasher as a
# regression, copy it into server/fuzz/corpus/<target>/: `make test` replays that corpus.
#
#   make fuzz                      # every target, 60 s each
#   FUZZ_SECONDS=600 make fuzz     # longer
#   FUZZ_TARGETS="jwt names" make fuzz
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
build=server/build-fuzz
all_targets=$(sed -n 's/^set(PARLOR_FUZZ_TARGETS \(.*\))$/\1/p' server/fuzz/CMakeLists.txt)
targets=${FUZZ_TARGETS:-$all_targets}

scripts/install-deps.sh
# clang and its runtime libraries (libFuzzer, the sanitizers) come with the fuzz target only.
source scripts/apt-install.sh
fuzz_packages=()
for p in clang libclang-rt-dev; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    fuzz_packages+=("$p")
  fi
done
if [ ${#fuzz_packages[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${fuzz_packages[*]}"
  "${apt_sudo[@]}" apt-get update -qq
  apt_install "${fuzz_packages[@]}"
fi

echo "==> building the fuzz targets (clang, libFuzzer, ASan + UBSan)"
CC=clang CXX=clang++ cmake -S server -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPARLOR_FUZZ=ON >/dev/null
ninja -C "$build" -j"${JOBS:-2}" parlor_fuzzers

report=()
failed=0
for target in $targets; do
  work="$build/corpus/$target"         # what fuzzing grew: kept between runs, not in git
  artifacts="$build/artifacts/$target/"
  mkdir -p "$work" "$artifacts"
  log="$build/$target.log"
  echo "==> fuzzing $target for ${seconds} s"
  set +e
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/fuzz/${target}_fuzz" -max_total_time="$seconds" -print_final_stats=1 \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts" \
    "$work" "server/fuzz/corpus/$target" >"$log" 2>&1
  status=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  per_second=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  peak=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
  corpus=$(find "$work" -type f | wc -l)
  crashes=$(find "$artifacts" -type f | wc -l)
  if [ "$status" -ne 0 ]; then
    failed=1
    echo "   $target stopped (exit $status): see $log; input in $artifacts"
    grep -m3 -E 'ERROR|fuzz property broken|runtime error' "$log" | sed 's/^/   /' || true
  fi
  report+=("$(printf '| %s | %s | %s | %s | %s | %s | %s |' "$target" "${runs:-?}" \
    "${per_second:-?}" "$seconds" "$corpus" "${peak:-?}" "$crashes")")
done

echo
echo "| target | executions | per second | seconds | corpus | peak RSS MB | crashes |"
echo "|---|--:|--:|--:|--:|--:|--:|"
printf '%s\n' "${report[@]}"
exit "$failed"
