#!/usr/bin/env bash
# End-to-end tests of the `ferry` command: exit codes, stdout/stderr split,
# --json before and after the subcommand, and the blob commands on a data
# directory. Usage: cli_test.sh PATH_TO_FERRY
set -uo pipefail
FERRY=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export FERRY_DATA_DIR="$work/default-dir"
pass=0
fail=0
check() {  # check NAME CONDITION...
  local name=$1
  shift
  if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $name"; fi
}

head -c 200000 /dev/urandom >"$work/a.bin"
printf 'world' >"$work/world.txt"

# blob hash: base32 by default, hex like b3sum with --hex.
out=$("$FERRY" blob hash "$work/world.txt")
check "hash base32" test "$out" = "26euv2lrnu4nfx5nb3cvijgkgipocjct2uprwow6w56qi5pntcga"
out=$("$FERRY" blob hash --hex "$work/a.bin")
check "hash hex = b3sum" test "$out" = "$(b3sum --no-names "$work/a.bin")"

# --json before and after the subcommand gives one JSON document.
j1=$("$FERRY" --json blob hash "$work/world.txt")
j2=$("$FERRY" blob hash "$work/world.txt" --json)
check "json position" test "$j1" = "$j2"
check "json hash field" node -e "const d=JSON.parse(process.argv[1]); if (d.hash!=='26euv2lrnu4nfx5nb3cvijgkgipocjct2uprwow6w56qi5pntcga' || d.size!==5) process.exit(1)" "$j1"

# Errors: stderr, non-zero, nothing on stdout.
out=$("$FERRY" blob hash "$work/missing" 2>"$work/err")
rc=$?
check "missing file exit code" test "$rc" -ne 0
check "missing file stdout empty" test -z "$out"
check "missing file stderr" grep -q "not found" "$work/err"

# add / ls / export on --data-dir (given before or after the subcommand).
dd="$work/data"
hash=$("$FERRY" --data-dir "$dd" --json blob add "$work/a.bin" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).hash))")
check "add gives hash" test "$hash" = "$("$FERRY" blob hash "$work/a.bin")"
check "ls lists it" sh -c "'$FERRY' blob ls --data-dir '$dd' | grep -q '^$hash  200000  complete$'"
ls_json=$("$FERRY" blob ls --data-dir "$dd" --json)
check "ls json" node -e "const d=JSON.parse(process.argv[1]); if (d.length!==1 || d[0].state!=='complete') process.exit(1)" "$ls_json"
"$FERRY" --data-dir "$dd" blob export "$hash" "$work/out.bin" >/dev/null
check "export base32 identical" cmp -s "$work/a.bin" "$work/out.bin"
hex=$("$FERRY" blob hash --hex "$work/a.bin")
"$FERRY" --data-dir "$dd" blob export "$hex" "$work/out2.bin" >/dev/null
check "export hex identical" cmp -s "$work/a.bin" "$work/out2.bin"
"$FERRY" --data-dir "$dd" blob export 26euv2lrnu4nfx5nb3cvijgkgipocjct2uprwow6w56qi5pntcga "$work/none.bin" 2>"$work/err"
rc=$?
check "export absent fails" test "$rc" -ne 0
check "export absent no file" test ! -e "$work/none.bin"
"$FERRY" --data-dir "$dd" blob export not-a-hash "$work/none.bin" 2>"$work/err"
check "export bad hash fails" test $? -ne 0
# The default data directory comes from FERRY_DATA_DIR.
"$FERRY" blob add "$work/world.txt" >/dev/null
check "FERRY_DATA_DIR used" test -e "$FERRY_DATA_DIR/blobs.db"

# Documents: create, set, get, ls, del, policy; authors.
D=$("$FERRY" --data-dir "$dd" doc create)
check "doc create prints id" test "${#D}" -eq 64
"$FERRY" --data-dir "$dd" doc set "$D" hello world >/dev/null
"$FERRY" --data-dir "$dd" doc set "$D" dir/a --file "$work/a.bin" >/dev/null
"$FERRY" --data-dir "$dd" doc set "$D" dir/b "bee" >/dev/null
check "doc get prints content" test "$("$FERRY" --data-dir "$dd" doc get "$D" hello)" = "world"
"$FERRY" --data-dir "$dd" doc get "$D" dir/a >"$work/got.bin"
check "doc get binary content" cmp -s "$work/a.bin" "$work/got.bin"
check "doc get json" sh -c "'$FERRY' --data-dir '$dd' doc get '$D' hello --json | grep -q '\"len\":5'"
check "doc ls key first" sh -c "'$FERRY' --data-dir '$dd' doc ls '$D' | head -1 | grep -q '^dir/a '"
check "doc ls prefix" test "$("$FERRY" --data-dir "$dd" doc ls "$D" --prefix dir/ | wc -l)" -eq 2
"$FERRY" --data-dir "$dd" doc del "$D" dir/ >/dev/null
check "doc del removes prefix" test "$("$FERRY" --data-dir "$dd" doc ls "$D" | wc -l)" -eq 1
"$FERRY" --data-dir "$dd" doc get "$D" dir/b >/dev/null 2>&1
check "doc get deleted fails" test $? -ne 0
check "policy default" test "$("$FERRY" --data-dir "$dd" doc policy "$D")" = "everything-except"
"$FERRY" --data-dir "$dd" doc policy "$D" set nothing-except --prefix img/ --exact readme >/dev/null
check "policy set persists" sh -c "'$FERRY' --data-dir '$dd' --json doc policy '$D' | grep -q '\"policy\":\"nothing-except\"'"
"$FERRY" --data-dir "$dd" doc policy "$D" set bogus >/dev/null 2>&1
check "policy bad kind fails" test $? -ne 0
"$FERRY" --data-dir "$dd" doc set 00 k v >/dev/null 2>&1
check "doc set bad doc fails" test $? -ne 0
A=$("$FERRY" --data-dir "$dd" --json author new | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).author))")
check "author list has two" test "$("$FERRY" --data-dir "$dd" author list | wc -l)" -eq 2
"$FERRY" --data-dir "$dd" author default "$A" >/dev/null
check "author default set" test "$("$FERRY" --data-dir "$dd" author default)" = "$A"

# A running node: `ferry start` in the background; other commands on its data
# directory go through its control socket. Every wait has a deadline.
json_field() {  # json_field FIELD < json
  node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const l=s.trim().split('\n');console.log(JSON.parse(l[l.length-1])[process.argv[1]])})" "$1"
}
wait_for() {  # wait_for FILE PATTERN: up to 10 s
  for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
# Documents made without a node are the node's once it runs: doc and author
# commands then go through it.
"$FERRY" start --data-dir "$dd" >"$work/dd-node.log" 2>&1 &
dd_pid=$!
check "node on the docs dir starts" wait_for "$work/dd-node.log" '^ticket: node'
check "doc get via node" test "$("$FERRY" --data-dir "$dd" doc get "$D" hello)" = "world"
check "doc ls via node" test "$("$FERRY" --data-dir "$dd" doc ls "$D" | wc -l)" -eq 1
check "author default via node" test "$("$FERRY" --data-dir "$dd" author default)" = "$A"
"$FERRY" --data-dir "$dd" doc set "$D" via-node yes >/dev/null
check "doc set via node" test "$("$FERRY" --data-dir "$dd" doc get "$D" via-node)" = "yes"
check "policy via node" sh -c "'$FERRY' --data-dir '$dd' --json doc policy '$D' | grep -q '\"policy\":\"nothing-except\"'"
kill -TERM "$dd_pid"
wait "$dd_pid"
check "node's write visible without node" test "$("$FERRY" --data-dir "$dd" doc get "$D" via-node)" = "yes"

nd="$work/node-a"
"$FERRY" start --data-dir "$nd" --bind 127.0.0.1:0 >"$work/node.log" 2>&1 &
node_pid=$!
check "start prints ticket" wait_for "$work/node.log" '^ticket: node'
node_id=$(sed -n 's/^node id: //p' "$work/node.log")
check "start prints node id" test "${#node_id}" -eq 64
check "start binds loopback" grep -q '^address: 127.0.0.1:' "$work/node.log"
check "socket is owner-only" test "$(stat -c %a "$nd/node.sock")" = 600
check "key is owner-only" test "$(stat -c %a "$nd/node.key")" = 600
check "node addr is its ticket" test "$("$FERRY" --data-dir "$nd" node addr)" = "$(sed -n 's/^ticket: //p' "$work/node.log")"
add_json=$("$FERRY" --data-dir "$nd" --json blob add "$work/a.bin")
check "add via node: hash" test "$(echo "$add_json" | json_field hash)" = "$hash"
ticket=$(echo "$add_json" | json_field ticket)
check "add via node: blob ticket" test "${ticket:0:4}" = "blob"
check "add via node: human ticket line" sh -c "'$FERRY' --data-dir '$nd' blob add '$work/world.txt' | grep -q '^ticket: blob'"
check "ls via node" sh -c "'$FERRY' --data-dir '$nd' blob ls | grep -q '^$hash  200000  complete$'"
"$FERRY" --data-dir "$nd" blob export "$hash" "$work/node-out.bin" >/dev/null
check "export via node" cmp -s "$work/a.bin" "$work/node-out.bin"
# A transient getter on another data directory fetches by ticket.
"$FERRY" --data-dir "$work/getter" blob get "$ticket" --out "$work/got-a.bin" >"$work/get.log" 2>&1
check "get by ticket succeeds" test $? -eq 0
check "get by ticket content" cmp -s "$work/a.bin" "$work/got-a.bin"
check "get no bar off a terminal" sh -c "! grep -q 'ETA' '$work/get.log'"
check "got blob is in the store" sh -c "'$FERRY' --data-dir '$work/getter' blob ls | grep -q '^$hash  200000  complete$'"
"$FERRY" --data-dir "$work/getter2" --json blob get "$ticket" >"$work/get.jsonl"
check "get json lines end in result" test "$(json_field size <"$work/get.jsonl")" = 200000
check "get json lines progress" grep -q '"event":"progress"' "$work/get.jsonl"
# A second running node fetches through its own control API.
nb="$work/node-b"
"$FERRY" start --data-dir "$nb" >"$work/node-b.log" 2>&1 &
node_b_pid=$!
check "second node starts" wait_for "$work/node-b.log" '^ticket: node'
"$FERRY" --data-dir "$nb" blob get "$ticket" --out "$work/got-b.bin" >/dev/null 2>&1
check "get via running node" cmp -s "$work/a.bin" "$work/got-b.bin"
b_ticket=$("$FERRY" --data-dir "$nb" --json blob add "$work/world.txt" | json_field ticket)
kill -TERM "$node_b_pid"
wait "$node_b_pid"
# The provider is gone: the download gives up after --timeout.
start_s=$(date +%s)
"$FERRY" --data-dir "$work/getter" blob get "$b_ticket" --timeout 2 >/dev/null 2>"$work/err"
check "dead provider fails" test $? -ne 0
check "dead provider fails in time" test $(($(date +%s) - start_s)) -lt 15
# Bad tickets fail cleanly.
"$FERRY" --data-dir "$work/getter" blob get blobnotaticket >/dev/null 2>"$work/err"
check "corrupt ticket fails" test $? -ne 0
check "corrupt ticket says why" grep -q "ticket" "$work/err"
"$FERRY" --data-dir "$nd" start >/dev/null 2>"$work/err"
check "second start on same dir refused" test $? -ne 0
# Stop the node: the socket goes away; a stale socket (killed node) does not
# break commands, and the node id survives a restart.
kill -TERM "$node_pid"
wait "$node_pid"
check "node stops on TERM" grep -q '^node stopped' "$work/node.log"
check "socket removed" test ! -e "$nd/node.sock"
"$FERRY" start --data-dir "$nd" >"$work/node2.log" 2>&1 &
node_pid=$!
check "restart" wait_for "$work/node2.log" '^ticket: node'
check "node id survives restart" grep -q "^node id: $node_id" "$work/node2.log"
kill -KILL "$node_pid"
{ wait "$node_pid"; } 2>/dev/null
check "stale socket left" test -S "$nd/node.sock"
check "add with stale socket works" sh -c "'$FERRY' --data-dir '$nd' blob add '$work/world.txt' >/dev/null"
"$FERRY" start --data-dir "$nd" >"$work/node3.log" 2>&1 &
node_pid=$!
check "start over stale socket" wait_for "$work/node3.log" '^ticket: node'
# A node ticket is not a blob ticket: clean failure.
"$FERRY" --data-dir "$work/getter" blob get "$("$FERRY" --data-dir "$nd" node addr | sed 's/^node/blob/')" >/dev/null 2>&1
check "non-blob ticket fails" test $? -ne 0
check "node stop" sh -c "'$FERRY' --data-dir '$nd' node stop >/dev/null"
wait "$node_pid"
check "stopped by node stop" grep -q '^node stopped' "$work/node3.log"
"$FERRY" --data-dir "$nd" node addr >/dev/null 2>&1
check "node addr without node fails" test $? -ne 0

# Documents over the network: two running nodes; A shares, B joins, both
# write; live mode pushes local writes to known peers; `doc sync` pulls.
wait_cmd() {  # wait_cmd CMD...: up to 10 s for CMD to succeed
  for _ in $(seq 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
da="$work/docs-a"
db="$work/docs-b"
# A fixed port for A, so that B's remembered address survives A's restart.
port_a=$(node -e "const s=require('dgram').createSocket('udp4');s.bind(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
"$FERRY" start --data-dir "$da" --bind "127.0.0.1:$port_a" >"$work/docs-a.log" 2>&1 &
docs_a_pid=$!
"$FERRY" start --data-dir "$db" >"$work/docs-b.log" 2>&1 &
docs_b_pid=$!
check "docs nodes start" wait_for "$work/docs-a.log" '^ticket: node'
check "docs node b starts" wait_for "$work/docs-b.log" '^ticket: node'
DA=$("$FERRY" --data-dir "$da" doc create)
"$FERRY" --data-dir "$da" doc set "$DA" greeting hello >/dev/null
"$FERRY" --data-dir "$da" doc set "$DA" dir/one 1 >/dev/null
T=$("$FERRY" --data-dir "$da" doc share "$DA")
check "share prints a doc ticket" test "${T:0:3}" = "doc"
"$FERRY" --data-dir "$db" --json doc join "$T" >"$work/join.json"
check "join succeeds" test $? -eq 0
check "join json: one peer, 2 received" node -e "const d=JSON.parse(require('fs').readFileSync(process.argv[1])); if (d.doc!=='$DA' || d.peers.length!==1 || !d.peers[0].ok || d.peers[0].received!==2 || d.entries!==2) process.exit(1)" "$work/join.json"
check "joined entries listed" sh -c "'$FERRY' --data-dir '$db' doc ls '$DA' | grep -q '^greeting '"
# B holds the write secret: it writes, and live mode pushes to A.
"$FERRY" --data-dir "$db" doc set "$DA" from-b bee >/dev/null
check "live mode: B's write reaches A" wait_cmd sh -c "'$FERRY' --data-dir '$da' doc ls '$DA' | grep -q '^from-b '"
# A writes; B pulls with doc sync.
"$FERRY" --data-dir "$da" doc set "$DA" from-a x >/dev/null
out=$("$FERRY" --data-dir "$db" doc sync "$DA")
check "doc sync reports the peer" sh -c "echo '$out' | grep -q '^synced with '"
check "doc sync got A's write" sh -c "'$FERRY' --data-dir '$db' doc ls '$DA' | grep -q '^from-a '"
# B's policy is everything: the node fetched the blobs the entries name.
check "joined content fetched" wait_cmd sh -c "test \"\$('$FERRY' --data-dir '$db' doc get '$DA' greeting)\" = hello"
check "doc missing: nothing" wait_cmd sh -c "'$FERRY' --data-dir '$db' doc missing '$DA' | grep -q '^nothing missing$'"
check "doc missing json via node" sh -c "'$FERRY' --data-dir '$db' --json doc missing '$DA' | grep -q '\"missing\":\[\]'"
# (Prefix deletes are not checked here: under iroh 0.35's rules a tombstone
# and an older entry of its key can swap sides in a run, spec §3.5/§4.6;
# engine_test covers the case that propagates.)
check "same entries both sides" test "$("$FERRY" --data-dir "$da" doc ls "$DA")" = "$("$FERRY" --data-dir "$db" doc ls "$DA")"
# A read ticket joined without a running node (transient node).
RT=$("$FERRY" --data-dir "$da" doc share "$DA" read)
"$FERRY" --data-dir "$work/docs-c" doc join "$RT" >"$work/join-c.log" 2>&1
check "transient join succeeds" grep -q '^synced with ' "$work/join-c.log"
check "transient join got entries" test "$("$FERRY" --data-dir "$work/docs-c" doc ls "$DA" | wc -l)" -eq 4
"$FERRY" --data-dir "$work/docs-c" doc set "$DA" nope x >/dev/null 2>&1
check "read ticket cannot write" test $? -ne 0
"$FERRY" --data-dir "$work/docs-c" --json doc missing "$DA" >"$work/missing-c.json"
check "doc missing without node" node -e "const d=JSON.parse(require('fs').readFileSync(process.argv[1])); if (d.doc!=='$DA' || !Array.isArray(d.missing) || d.missing.some(m => !m.refs.length)) process.exit(1)" "$work/missing-c.json"
# A join with a download policy: set before the first sync, so only what it
# wants becomes missing content (the transient node fetches nothing).
"$FERRY" --data-dir "$work/docs-e" doc join "$RT" --policy nothing-except --exact greeting >"$work/join-e.log" 2>&1
check "join --policy succeeds" grep -q '^synced with ' "$work/join-e.log"
check "join --policy sets the policy" test "$("$FERRY" --data-dir "$work/docs-e" doc policy "$DA")" = "$(printf 'nothing-except\n  exact:utf8:greeting')"
"$FERRY" --data-dir "$work/docs-e" --json doc missing "$DA" >"$work/missing-e.json"
check "join --policy: only the wanted key is missing" node -e "const d=JSON.parse(require('fs').readFileSync(process.argv[1])); if (d.missing.length!==1 || d.missing[0].refs.length!==1 || d.missing[0].refs[0].key!=='greeting') process.exit(1)" "$work/missing-e.json"
"$FERRY" --data-dir "$work/docs-f" doc join "$RT" --prefix img/ >/dev/null 2>"$work/err"
check "join filters without --policy fail" grep -q "need --policy" "$work/err"
"$FERRY" --data-dir "$work/docs-f" doc join "$RT" --policy sometimes >/dev/null 2>"$work/err"
check "join with an unknown policy fails" grep -q "unknown policy" "$work/err"
# Unknown or unshared documents fail cleanly.
DX=$("$FERRY" --data-dir "$db" doc create)
"$FERRY" --data-dir "$db" doc sync "$DX" >/dev/null 2>"$work/err"
check "sync without peers fails" test $? -ne 0
"$FERRY" --data-dir "$work/docs-d" doc share "$DA" >/dev/null 2>&1
check "share without node fails" test $? -ne 0
"$FERRY" --data-dir "$db" doc join docnotaticket >/dev/null 2>&1
check "bad doc ticket fails" test $? -ne 0
kill -TERM "$docs_a_pid" "$docs_b_pid"
wait "$docs_a_pid" "$docs_b_pid"
# Peers persist: after a restart B syncs with A again without a ticket.
"$FERRY" start --data-dir "$da" --bind "127.0.0.1:$port_a" >"$work/docs-a2.log" 2>&1 &
docs_a_pid=$!
check "docs node restarts" wait_for "$work/docs-a2.log" '^ticket: node'
"$FERRY" --data-dir "$da" doc set "$DA" after-restart y >/dev/null
"$FERRY" --data-dir "$db" doc sync "$DA" >"$work/sync-b.log" 2>&1
check "transient sync with remembered peer" grep -q '^synced with ' "$work/sync-b.log"
check "remembered peer gave new entry" sh -c "'$FERRY' --data-dir '$db' doc ls '$DA' | grep -q '^after-restart '"
kill -TERM "$docs_a_pid"
wait "$docs_a_pid"

# The demo runs end to end.
"$FERRY" demo >"$work/demo.log" 2>&1
check "demo succeeds" grep -q "demo finished" "$work/demo.log"

echo "$pass passed, $fail failed"
test "$fail" -eq 0
