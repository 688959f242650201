#!/usr/bin/env bash
# Runs each fuzz/docs target for SECONDS (default 10), one after another,
# with a corpus seeded from the spec's captured frames, and prints per
# target: executions, execs/s, coverage (libFuzzer "cov:") and crashes.
# Usage: fuzz/docs/run.sh [SECONDS] [BUILD_DIR]
#   BUILD_DIR defaults to build-fuzz-reconcile (configured with
#   CC=clang-14 CXX=clang++-14 -DFERRY_FUZZ=ON).
set -euo pipefail
secs=${1:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$root/build-fuzz-reconcile}
work=${FUZZ_WORK:-$build/fuzz-docs-work}
mkdir -p "$work"

# Seeds: the recorded sync frames (with and without length prefix).
seed_dir=$work/seeds
mkdir -p "$seed_dir"
python3 - "$root/src/reconcile/testdata" "$seed_dir" <<'PY'
import json, sys, os
src, out = sys.argv[1], sys.argv[2]
n = 0
def put(b):
    global n
    open(os.path.join(out, "seed%03d" % n), "wb").write(b); n += 1
cap = json.load(open(os.path.join(src, "iroh-0.35-sync-capture.json")))
for f in cap["syncLog"]:
    if f["hex"]:
        b = bytes.fromhex(f["hex"]); put(b); put(b[1:]); put(b[33:])
        put(len(b).to_bytes(4, "big") + b)
for e in ("e1", "e2"):
    put(bytes.fromhex(cap[e]["wire"])); put(bytes.fromhex(cap[e]["wire"])[128:])
c = json.load(open(os.path.join(src, "iroh-0.35-captures-sync.json")))
for s in c["sync"]:
    put(bytes.fromhex(s["sent"]))
    for f in s["frames"]: put(bytes.fromhex(f))
PY

status=0
for t in fuzz_docs_entry fuzz_docs_signed_entry fuzz_docs_ranger_message fuzz_docs_sync_frame \
  fuzz_docs_compact_message; do
  bin=$(find "$build" -name "$t" -type f -perm -u+x | head -1)
  if [ -z "$bin" ]; then echo "$t: not built"; status=1; continue; fi
  corpus=$work/corpus-$t
  mkdir -p "$corpus" "$work/artifacts-$t"
  log=$work/$t.log
  set +e
  "$bin" "$corpus" "$seed_dir" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
    -artifact_prefix="$work/artifacts-$t/" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  crashes=$(ls "$work/artifacts-$t" | wc -l)
  echo "$t executions: ${execs:-0} runs"
  echo "$t exec_rate: $(( ${execs:-0} / (secs > 0 ? secs : 1) )) execs/s"
  echo "$t coverage: ${cov:-0} edges"
  echo "$t crashes: $crashes files (rc=$rc)"
  [ "$rc" = 0 ] || status=1
done
exit $status
