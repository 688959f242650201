#!/usr/bin/env bash
# Installs the real iroh 0.35 node (npm package @number0/iroh@0.35.0) that the
# interop tests drive. Idempotent: does nothing when it is already installed.
set -euo pipefail
cd "$(dirname "$0")"
if [ -f node_modules/@number0/iroh/package.json ] &&
  grep -q '"version": "0.35.0"' node_modules/@number0/iroh/package.json; then
  echo "interop: @number0/iroh 0.35.0 already installed"
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "interop: npm not found" >&2; exit 1; }
npm install --no-audit --no-fund --loglevel=error
echo "interop: installed @number0/iroh 0.35.0"
