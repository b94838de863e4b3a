#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds, and runs every test.
#   scripts/test.sh            release build: doctest suites on every SIMD path, CLI and Python tests
#   scripts/test.sh asan       the same suites under AddressSanitizer + UndefinedBehaviorSanitizer
#   scripts/test.sh all        both (what CI runs)
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-release}"
scripts/install-deps.sh

run_suite() {  # build dir, cmake args...
  local dir="$1"; shift
  cmake -S . -B "$dir" "$@" >/dev/null
  cmake --build "$dir" -j"$(nproc)"
  (cd "$dir" && ctest --output-on-failure -j"$(nproc)")
}

case "$mode" in
  release) run_suite build -DCMAKE_BUILD_TYPE=Release ;;
  asan) run_suite build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPDQGUARD_SANITIZE=ON -DPDQGUARD_BUILD_BENCH=OFF ;;
  all)
    run_suite build -DCMAKE_BUILD_TYPE=Release
    run_suite build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPDQGUARD_SANITIZE=ON -DPDQGUARD_BUILD_BENCH=OFF
    ;;
  *) echo "usage: $0 [release|asan|all]" >&2; exit 2 ;;
esac
