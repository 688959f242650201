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

# The demo runs end to end.
"$FERRY" demo >"$work/demo.log" 2>&1
check "demo succeeds" grep -q "demo finished" "$work/demo.log"

echo "$pass passed, $fail failed"
test "$fail" -eq 0
