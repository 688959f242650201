#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds Ferry and runs the main job:
# `ferry demo` (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/release -j "$(nproc)" --target ferry
exec build/release/src/cli/ferry demo "$@"
