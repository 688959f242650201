#!/usr/bin/env bash
# Installs every Debian 12 package Ferry's build, tests, benchmarks and
# interop tests need. Idempotent; run as root (or with sudo available).
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config git
  clang-14 libfuzzer-14-dev libclang-rt-14-dev clang-format
  libsodium-dev libgnutls28-dev libngtcp2-dev libngtcp2-crypto-gnutls-dev
  libsqlite3-dev libasio-dev libcli11-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev libexpected-dev
  libgtest-dev libgmock-dev librapidcheck-dev libbenchmark-dev
  librust-blake3-dev b3sum
)

missing=()
# Node.js + npm run the real iroh node in interop tests; a machine may already
# carry a newer Node.js with its own npm, which we keep.
command -v npm >/dev/null 2>&1 || PKGS+=(nodejs npm)
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup-deps: all packages present"
fi
