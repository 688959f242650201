#!/usr/bin/env bash
# Builds every libFuzzer target with clang-14 and runs each for N seconds
# (default 10). Exits non-zero if any target finds a crash.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
CC=clang-14 CXX=clang++-14 cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DFERRY_FUZZ=ON -DFERRY_BENCH=OFF >/dev/null
targets=$(cmake --build build/fuzz --target help | sed -n 's/^\(fuzz_[A-Za-z0-9_]*\):.*/\1/p' | sort -u)
if [ -z "$targets" ]; then
  echo "fuzz-smoke: no fuzz targets"
  exit 0
fi
cmake --build build/fuzz -j "$(nproc)" --target $targets
for t in $targets; do
  bin=$(find build/fuzz -type f -name "$t" -perm -u+x | head -1)
  corpus=build/fuzz/corpus/$t
  mkdir -p "$corpus"
  echo "== fuzz $t for ${seconds}s"
  log=build/fuzz/$t.log
  rc=0
  "$bin" -max_total_time="$seconds" -print_final_stats=1 "$corpus" >"$log" 2>&1 || rc=$?
  grep -E "stat::number_of_executed_units|ERROR|SUMMARY" "$log" || true
  if [ "$rc" -ne 0 ]; then
    tail -40 "$log"
    echo "fuzz-smoke: $t failed"
    exit 1
  fi
done
echo "fuzz-smoke: all targets ran clean"
