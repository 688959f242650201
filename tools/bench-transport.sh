#!/usr/bin/env bash
# Ferry vs iroh 0.35 on loopback, both in the same run, one figure per line
# ("name: value"). Each node is its own process:
#   (a) 1 GiB blob (random) between two Ferry nodes: two `ferry start`
#       processes on two data dirs (file stores); `ferry blob add` on one,
#       `ferry blob get TICKET` then `ferry blob export` through the other's
#       running node; the export is compared with the input (cmp).
#   (b) the same between two real iroh 0.35 nodes (tools/interop/
#       iroh_bench_node.js, one Node.js process each; add_file, download by
#       ticket, writeToPath; timed inside the node process); cmp again.
#       Peak RSS (VmHWM) of every node process: "sender" and "receiver" over
#       the process's whole life (import included), "sender_serve" over the
#       transfer only (the peak is reset after the import via clear_refs).
#   (c) SMALL random 4 KiB blobs from one provider (bench/net/bench_peer for
#       Ferry, iroh_bench_node.js for iroh): the getter requests each blob by
#       hash (whole blob, one request stream each) from the provider, keeping
#       CONC download requests in flight (Ferry: one connection; iroh: its
#       downloader's own connection reuse and per-node limits); then the
#       same blobs as one collection (one request, HashSeq + children) into a
#       fresh node. Ferry also fetches iroh's blobs the per-hash way. Run
#       once with every node on a file store ("fs": Ferry's node store, iroh's
#       persistent store) and once on memory stores ("mem": Ferry's memory
#       store on a bare endpoint, iroh's memory node): the transport alone.
#   (d) QUIC handshake latency to a fresh peer (fresh endpoint and key each
#       time, median of HANDSHAKES dials): Ferry→Ferry, Ferry→iroh.
# MB = 10^6 bytes; MiB = 2^20 bytes. Timings of Ferry include the CLI's start
# and control-socket round trip (a few ms); iroh's are taken inside its
# process around the API call.
#
# Usage: tools/bench-transport.sh [--size-mib 1024] [--small 10000]
#          [--concurrency 32] [--handshakes 50] [--iroh-store fs|mem]
#          [--small-stores "fs mem"]
#          [--build-dir build/release]
# Builds `ferry` and `bench_peer` in the build dir (configuring it like
# tools/run-demo.sh when it does not exist). Needs the iroh node installed:
# bash tools/interop/install.sh. Temp files live under $TMPDIR (about 7x the
# blob size at the peak) and are removed on exit, as are all processes.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SIZE_MIB=1024
SMALL=10000
CONC=32
HANDSHAKES=50
IROH_STORE=fs
SMALL_STORES="fs mem"
BUILD="$ROOT/build/release"
while [ $# -gt 0 ]; do
  case "$1" in
    --size-mib) SIZE_MIB="$2"; shift 2 ;;
    --small) SMALL="$2"; shift 2 ;;
    --concurrency) CONC="$2"; shift 2 ;;
    --handshakes) HANDSHAKES="$2"; shift 2 ;;
    --iroh-store) IROH_STORE="$2"; shift 2 ;;
    --small-stores) SMALL_STORES="$2"; shift 2 ;;
    --build-dir) BUILD="$(cd "$ROOT" && realpath -m "$2")"; shift 2 ;;
    -h|--help) sed -n '2,40p' "$0"; exit 0 ;;
    *) echo "bench-transport: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "bench-transport: $*" >&2; exit 1; }

# --- prerequisites ----------------------------------------------------------
INTEROP="$ROOT/tools/interop"
command -v node >/dev/null 2>&1 || die "node (Node.js) not found; run bash tools/setup-deps.sh"
grep -qs '"version": "0.35.0"' "$INTEROP/node_modules/@number0/iroh/package.json" ||
  die "the iroh 0.35 node (npm @number0/iroh@0.35.0) is not installed; run: bash tools/interop/install.sh"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
if ! build_log="$(cmake --build "$BUILD" --target ferry bench_peer 2>&1)"; then
  printf '%s\n' "$build_log" | grep -E -A5 "error|FAILED" | head -30 >&2
  die "build failed in $BUILD"
fi
FERRY="$BUILD/src/cli/ferry"
PEER="$BUILD/bench/net/bench_peer"
[ -x "$FERRY" ] && [ -x "$PEER" ] || die "no ferry / bench_peer binary in $BUILD"

# --- processes and temp files, cleaned up on any exit -----------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench.XXXXXX")"
PIDS=()
DRIVEN_FDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export NODE_NO_WARNINGS=1

now() { date +%s.%N; }
# calc EXPR: floating-point arithmetic.
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }
# jfield JSON KEY...: one field of a JSON document.
jfield() {
  node -e 'let v = JSON.parse(process.argv[1]);
    for (const k of process.argv.slice(2)) v = v[k];
    process.stdout.write(String(v));' "$@"
}
# hwm_mib PID: the process's peak resident set (VmHWM) in MiB.
hwm_mib() { awk '/^VmHWM:/ { printf "%d", $2 / 1024 }' "/proc/$1/status"; }
# reset_hwm PID: restart the peak-RSS measurement from the current RSS.
reset_hwm() { echo 5 >"/proc/$1/clear_refs"; }
# wait_line FILE N TIMEOUT_S: prints line N of FILE once it is complete.
wait_line() {
  local end=$((SECONDS + $3))
  while [ "$(wc -l <"$1")" -lt "$2" ]; do
    [ "$SECONDS" -lt "$end" ] || die "timed out waiting for $1 (stderr: $(tail -3 "${1%.out}.err" 2>/dev/null))"
    sleep 0.05
  done
  sed -n "$2p" "$1"
}
figure() { printf '%s: %s\n' "$1" "$2"; }

# A process driven by JSON lines: NAME.in (a FIFO held open on fd IN_<NAME>),
# NAME.out, NAME.err in $WORK. start_driven NAME CMD... sets PID_<NAME>.
start_driven() {
  local name="$1"
  shift
  mkfifo "$WORK/$name.in"
  # The child must not hold the other FIFOs' write ends (they would never
  # see end-of-file).
  (
    for f in "${DRIVEN_FDS[@]}"; do eval "exec $f>&-"; done
    exec "$@"
  ) <"$WORK/$name.in" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  local pid=$!
  PIDS+=("$pid")
  printf -v "PID_$name" '%s' "$pid"
  local fd
  exec {fd}>"$WORK/$name.in"
  DRIVEN_FDS+=("$fd")
  printf -v "IN_$name" '%s' "$fd"
  printf -v "LINES_$name" '%s' 0
}
# request NAME JSON TIMEOUT_S: sends one command; its reply goes to REPLY.
# (Not in a command substitution: it counts the lines read in this shell.)
request() {
  local fd_var="IN_$1" lines_var="LINES_$1"
  local n=$((${!lines_var} + 1))
  printf '%s\n' "$2" >&"${!fd_var}"
  REPLY="$(wait_line "$WORK/$1.out" "$n" "$3")"
  printf -v "$lines_var" '%s' "$n"
  [ "$(jfield "$REPLY" ok)" = true ] || die "$1: $2 failed: $REPLY"
}
# first_line NAME TIMEOUT_S: the process's start-up line, into REPLY.
first_line() {
  REPLY="$(wait_line "$WORK/$1.out" 1 "$2")"
  printf -v "LINES_$1" '%s' 1
}
# stop_driven NAME: closes its stdin (it exits) and waits for it.
stop_driven() {
  local fd_var="IN_$1" pid_var="PID_$1"
  eval "exec ${!fd_var}>&-"
  wait "${!pid_var}" 2>/dev/null || true
}

BYTES=$((SIZE_MIB << 20))
TAG="${SIZE_MIB}mib"  # in figure names
[ "$SIZE_MIB" != 1024 ] || TAG=1gib
echo "# bench-transport: $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "blob ${SIZE_MIB} MiB (iroh store ${IROH_STORE}), ${SMALL} x 4 KiB on stores: ${SMALL_STORES:-none}," \
  "concurrency ${CONC}"
head -c "$BYTES" /dev/urandom >"$WORK/input.bin"

# --- (a) Ferry: two `ferry start` nodes -------------------------------------
ferry_node() {  # ferry_node NAME: starts a node on $WORK/NAME, sets PID_NAME
  mkdir -p "$WORK/$1"
  "$FERRY" --data-dir "$WORK/$1" --json start --bind 127.0.0.1:0 \
    >"$WORK/$1.out" 2>"$WORK/$1.err" &
  local pid=$!
  PIDS+=("$pid")
  printf -v "PID_$1" '%s' "$pid"
}
ferry_node fa
ferry_node fb
wait_line "$WORK/fa.out" 1 30 >/dev/null
wait_line "$WORK/fb.out" 1 30 >/dev/null

t0=$(now)
added="$("$FERRY" --data-dir "$WORK/fa" --json blob add "$WORK/input.bin")" || die "ferry blob add failed"
t1=$(now)
hash="$(jfield "$added" hash)"
ticket="$(jfield "$added" ticket)"
reset_hwm "$PID_fa"
/usr/bin/time -f %M -o "$WORK/cli_get.rss" \
  "$FERRY" --data-dir "$WORK/fb" --json blob get "$ticket" >"$WORK/cli_get.out" ||
  die "ferry blob get failed: $(tail -2 "$WORK/cli_get.out")"
t2=$(now)
sender_serve=$(hwm_mib "$PID_fa")
"$FERRY" --data-dir "$WORK/fb" blob export "$hash" "$WORK/ferry_out.bin" >/dev/null ||
  die "ferry blob export failed"
t3=$(now)
cmp -s "$WORK/input.bin" "$WORK/ferry_out.bin" || die "Ferry's export differs from the input"
ferry_fetch_s=$(calc "$t2 - $t1" 3)
figure ferry_${TAG}_add_s "$(calc "$t1 - $t0" 2)"
figure ferry_${TAG}_mb_s "$(calc "$BYTES / 1e6 / $ferry_fetch_s")"
figure ferry_${TAG}_export_s "$(calc "$t3 - $t2" 2)"
figure ferry_${TAG}_get_and_export_mb_s "$(calc "$BYTES / 1e6 / ($t3 - $t1)")"
figure ferry_${TAG}_rss_sender_mib "$(hwm_mib "$PID_fa")"
figure ferry_${TAG}_rss_sender_serve_mib "$sender_serve"
figure ferry_${TAG}_rss_receiver_mib "$(hwm_mib "$PID_fb")"
figure ferry_${TAG}_rss_cli_get_mib "$(($(cat "$WORK/cli_get.rss") / 1024))"
kill -INT "$PID_fa" "$PID_fb"
wait "$PID_fa" "$PID_fb" 2>/dev/null || true
rm -rf "$WORK/fa" "$WORK/fb" "$WORK/ferry_out.bin"

# --- (b) iroh: two Node.js processes with the real iroh node ----------------
IROH_JS="$INTEROP/iroh_bench_node.js"
iroh_node() {  # iroh_node NAME
  mkdir -p "$WORK/$1.store"
  start_driven "$1" node "$IROH_JS" --store "$IROH_STORE" --dir "$WORK/$1.store"
}
iroh_node ia
iroh_node ib
first_line ia 60
first_line ib 60

request ia "{\"cmd\":\"add_file\",\"path\":\"$WORK/input.bin\"}" 600
reply="$REPLY"
hash="$(jfield "$reply" hash)"
ticket="$(jfield "$reply" ticket)"
figure iroh_${TAG}_add_s "$(calc "$(jfield "$reply" ms) / 1000" 2)"
reset_hwm "$PID_ia"
request ib "{\"cmd\":\"download\",\"ticket\":\"$ticket\"}" 900
reply="$REPLY"
iroh_fetch_s=$(calc "$(jfield "$reply" ms) / 1000" 3)
sender_serve=$(hwm_mib "$PID_ia")
request ib "{\"cmd\":\"export\",\"hash\":\"$hash\",\"path\":\"$WORK/iroh_out.bin\"}" 600
reply="$REPLY"
iroh_export_s=$(calc "$(jfield "$reply" ms) / 1000" 3)
cmp -s "$WORK/input.bin" "$WORK/iroh_out.bin" || die "iroh's export differs from the input"
figure iroh_${TAG}_mb_s "$(calc "$BYTES / 1e6 / $iroh_fetch_s")"
figure iroh_${TAG}_export_s "$(calc "$iroh_export_s" 2)"
figure iroh_${TAG}_get_and_export_mb_s "$(calc "$BYTES / 1e6 / ($iroh_fetch_s + $iroh_export_s)")"
figure iroh_${TAG}_rss_sender_mib "$(hwm_mib "$PID_ia")"
figure iroh_${TAG}_rss_sender_serve_mib "$sender_serve"
figure iroh_${TAG}_rss_receiver_mib "$(hwm_mib "$PID_ib")"
figure ratio_${TAG} "$(calc "$iroh_fetch_s / $ferry_fetch_s" 2)"
stop_driven ia
stop_driven ib
rm -rf "$WORK"/ia.* "$WORK"/ib.* "$WORK/iroh_out.bin" "$WORK/input.bin"

# --- (c) small blobs, with file stores and with memory stores -------------
for kind in $SMALL_STORES; do
  case "$kind" in
    fs) fdir() { echo "$WORK/$1"; } ;;
    mem) fdir() { echo mem; } ;;
    *) die "unknown store kind $kind (fs or mem)" ;;
  esac
  for n in a b c; do
    mkdir -p "$WORK/s$kind$n.store"
    start_driven "s$kind$n" node "$IROH_JS" --store "$kind" --dir "$WORK/s$kind$n.store"
  done
  start_driven "f$kind" "$PEER" serve "$(fdir "fs$kind")" "$SMALL" 4096 "$WORK/ferry_hashes.txt"
  first_line "f$kind" 900
  fticket="$(jfield "$REPLY" ticket)"
  reply="$("$PEER" fetch "$(fdir "fget$kind")" "$fticket" "$WORK/ferry_hashes.txt" "$CONC")" ||
    die "bench_peer fetch failed"
  ferry_small_ms="$(jfield "$reply" ms)"
  reply="$("$PEER" get "$(fdir "fcol$kind")" "$fticket")" || die "bench_peer get failed"
  ferry_col_ms="$(jfield "$reply" ms)"

  for n in a b c; do first_line "s$kind$n" 60; done
  request "s${kind}a" "{\"cmd\":\"add_small\",\"count\":$SMALL,\"size\":4096,\"hashes_out\":\"$WORK/iroh_hashes.txt\"}" 900
reply="$REPLY"
  iticket="$(jfield "$reply" ticket)"
  request "s${kind}b" "{\"cmd\":\"fetch_many\",\"ticket\":\"$iticket\",\"hashes_file\":\"$WORK/iroh_hashes.txt\",\"concurrency\":$CONC}" 1800
reply="$REPLY"
  iroh_small_ms="$(jfield "$reply" ms)"
  request "s${kind}c" "{\"cmd\":\"download\",\"ticket\":\"$iticket\"}" 1800
reply="$REPLY"
  iroh_col_ms="$(jfield "$reply" ms)"
  reply="$("$PEER" fetch "$(fdir "fgeti$kind")" "$iticket" "$WORK/iroh_hashes.txt" "$CONC")" ||
    die "bench_peer fetch from iroh failed"
  ferry_from_iroh_ms="$(jfield "$reply" ms)"

  figure "ferry_small_${kind}_blobs_s" "$(calc "$SMALL * 1000 / $ferry_small_ms" 0)"
  figure "iroh_small_${kind}_blobs_s" "$(calc "$SMALL * 1000 / $iroh_small_ms" 0)"
  figure "ratio_small_${kind}" "$(calc "$iroh_small_ms / $ferry_small_ms" 2)"
  figure "ferry_collection_${kind}_blobs_s" "$(calc "$SMALL * 1000 / $ferry_col_ms" 0)"
  figure "iroh_collection_${kind}_blobs_s" "$(calc "$SMALL * 1000 / $iroh_col_ms" 0)"
  figure "ratio_collection_${kind}" "$(calc "$iroh_col_ms / $ferry_col_ms" 2)"
  figure "ferry_from_iroh_small_${kind}_blobs_s" "$(calc "$SMALL * 1000 / $ferry_from_iroh_ms" 0)"

  # --- (d) handshakes (once, to the first kind's providers) ------------------
  if [ -z "${handshakes_done:-}" ]; then
    reply="$("$PEER" handshake "$fticket" "$HANDSHAKES")" || die "handshake to Ferry failed"
    figure ferry_ferry_handshake_ms "$(calc "$(jfield "$reply" median_ms)" 2)"
    reply="$("$PEER" handshake "$iticket" "$HANDSHAKES")" || die "handshake to iroh failed"
    figure ferry_iroh_handshake_ms "$(calc "$(jfield "$reply" median_ms)" 2)"
    handshakes_done=1
  fi
  for n in "f$kind" "s${kind}a" "s${kind}b" "s${kind}c"; do stop_driven "$n"; done
  rm -rf "$WORK"/*"$kind"*
done
