#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (packages, iroh interop node), checks
# the formatting, builds Ferry with -Werror, runs every test, then builds and
# runs the whole suite again under AddressSanitizer + UBSan, then runs each
# fuzzer briefly.
#   FERRY_SKIP_ASAN=1  skip the sanitizer pass (local iteration only)
#   FERRY_SKIP_FUZZ=1  skip the fuzz smoke run
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash tools/setup-deps.sh
if [ -f tools/interop/install.sh ]; then
  bash tools/interop/install.sh || echo "run-tests: iroh interop node not installed; interop tests will skip"
fi

echo "== format (clang-format, .clang-format)"
bash tools/check-format.sh

echo "== build (release, -Werror)"
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFERRY_WERROR=ON >/dev/null
cmake --build build/release -j "$jobs"
# Counts the tests ctest ran (its "out of N" line) for the summary below.
passed=0
count_tests() {
  local n
  n=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$1" | tail -1)
  passed=$((passed + ${n:-0}))
}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== tests (release)"
ctest --test-dir build/release --output-on-failure -j "$jobs" | tee "$log"
count_tests "$log"

if [ "${FERRY_SKIP_ASAN:-0}" != 1 ]; then
  echo "== build (AddressSanitizer + UBSan)"
  cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFERRY_WERROR=ON \
    -DFERRY_SANITIZE=ON -DFERRY_BENCH=OFF >/dev/null
  cmake --build build/asan -j "$jobs"
  echo "== tests (AddressSanitizer + UBSan)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build/asan --output-on-failure -j "$jobs" | tee "$log"
  count_tests "$log"
fi

if [ "${FERRY_SKIP_FUZZ:-0}" != 1 ]; then
  bash tools/fuzz-smoke.sh "${FERRY_FUZZ_SECONDS:-10}"
fi

# set -e and pipefail stop the script at the first failure, so reaching this
# line means every test of both passes passed.
echo "tests: $passed passed, 0 failed"
