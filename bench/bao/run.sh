#!/bin/sh
# Bao benchmark: makes a 1 GiB file in /tmp (kept in the page cache), runs
# b3sum with one thread and with all threads on it, then bench_bao, in the
# same run, and prints each figure and the ratios against b3sum.
# Usage: bench/bao/run.sh [BUILD_DIR]   (default build-bao; builds bench_bao)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build-bao}
FILE=${BAO_BENCH_FILE:-/tmp/ferry-bao-bench-1g.bin}
SIZE=1073741824
if [ ! -f "$BUILD/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
ninja -C "$BUILD" -j2 bench_bao >/dev/null
if [ "$(stat -c %s "$FILE" 2>/dev/null || echo 0)" != "$SIZE" ]; then
  head -c "$SIZE" /dev/urandom > "$FILE"
fi
cat "$FILE" > /dev/null  # warm the page cache

# Best of 3 wall-clock seconds of a command.
best() {
  b=""
  for i in 1 2 3; do
    s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N)
    b=$(echo "$s $e $b" | awk '{t=$2-$1; if ($3=="" || t<$3) print t; else print $3}')
  done
  echo "$b"
}
T1=$(best b3sum --num-threads 1 "$FILE")
TN=$(best b3sum "$FILE")
B3_1=$(awk -v s=$SIZE -v t="$T1" 'BEGIN{printf "%.3f", s/t/1e9}')
B3_N=$(awk -v s=$SIZE -v t="$TN" 'BEGIN{printf "%.3f", s/t/1e9}')
echo "b3sum_1t: $B3_1 GB/s"
echo "b3sum_mt: $B3_N GB/s"
OUT=$("$BUILD/bench/bao/bench_bao" "$FILE")
echo "$OUT"
fig() { echo "$OUT" | awk -v k="$1:" '$1==k{print $2}'; }
H1=$(fig hash_outboard_1t_mmap); HP=$(fig hash_outboard_1t_pread)
HM=$(fig hash_outboard_mt); DE=$(fig decode_1t)
awk -v a="$H1" -v b="$B3_1" 'BEGIN{printf "ratio_hash_outboard_1t_mmap_vs_b3sum_1t: %.2f x (goal >= 0.9)\n", a/b}'
awk -v a="$HP" -v b="$B3_1" 'BEGIN{printf "ratio_hash_outboard_1t_pread_vs_b3sum_1t: %.2f x (goal >= 0.9)\n", a/b}'
awk -v a="$HM" -v b="$B3_N" 'BEGIN{printf "ratio_hash_outboard_mt_vs_b3sum_mt: %.2f x (goal >= 0.9)\n", a/b}'
awk -v a="$DE" -v b="$H1" 'BEGIN{printf "ratio_decode_1t_vs_hash_outboard_1t_mmap: %.2f x (goal >= 0.8)\n", a/b}'
