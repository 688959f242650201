#!/usr/bin/env bash
# Fails if any C++ file tracked by git differs from what clang-format
# (.clang-format at the root) makes of it. With --fix, reformats them.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.h' '*.cc' '*.cpp' '*.hpp')
[ "${#files[@]}" -gt 0 ] || exit 0
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run -Werror "${files[@]}" 2>/tmp/ferry-format.log; then
  grep -E "^[^ ].*: error" /tmp/ferry-format.log | cut -d: -f1 | sort -u | sed 's/^/needs clang-format: /'
  echo "check-format: run tools/check-format.sh --fix"
  exit 1
fi
echo "check-format: ${#files[@]} files clean"
