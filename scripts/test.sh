#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds, and runs every test.
#   scripts/test.sh          release build: every doctest suite on every SIMD path, plus the
#                            CLI, C API, packaging, Python and gateway tests (all through CTest);
#                            as root, the .deb packages are installed, used and purged
#   scripts/test.sh asan     the same suites under AddressSanitizer + UndefinedBehaviorSanitizer
#   scripts/test.sh tsan     the tests labelled `concurrency` under ThreadSanitizer
#   scripts/test.sh fuzz     clang + libFuzzer build; a bounded smoke run of every fuzz target
#   scripts/test.sh all      all of the above (what CI runs)
# The tests read tests/data (in the repository). The `*_corpus` tests run the same suites
# on the full reference corpus, ../shared/corpus (-DPDQGUARD_SHARED_DIR=...), and are
# reported as skipped when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-release}"
scripts/install-deps.sh
jobs="$(nproc)"
# Reuse compiled objects across the four builds and across runs when ccache is
# installed (paths are made relative to the checkout, so a fresh clone hits too).
if command -v ccache >/dev/null 2>&1; then
  export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR="$PWD"
fi

run_suite() {  # build dir, ctest args (before --), cmake args; $targets limits what is built
  local dir="$1"; shift
  local ctest_args=()
  while (($#)) && [[ "$1" != "--" ]]; do ctest_args+=("$1"); shift; done
  shift
  echo "=== $dir: cmake $*"
  cmake -S . -B "$dir" "$@" >/dev/null
  # shellcheck disable=SC2086
  cmake --build "$dir" -j"$jobs" ${targets:+--target $targets}
  (cd "$dir" && ctest --output-on-failure -j"$jobs" "${ctest_args[@]}")
}

# Release mode also installs the Debian packages with apt-get (test packaging_deb, as
# root), uses them and purges them again.
release() { PDQGUARD_TEST_DEB_INSTALL=1 run_suite build -- -DCMAKE_BUILD_TYPE=Release; }
asan() {
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan -LE fuzz -- -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPDQGUARD_SANITIZE=ON \
    -DPDQGUARD_BUILD_BENCH=OFF
}
tsan() {
  # Only what the `concurrency` tests run is built under TSan.
  targets="test_capi_concurrency test_index_concurrency pdqguard_cli" TSAN_OPTIONS=halt_on_error=1 \
    run_suite build-tsan -L concurrency -- -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPDQGUARD_TSAN=ON -DPDQGUARD_BUILD_BENCH=OFF
}
fuzz() {
  if [[ ! -f tests/fuzz/CMakeLists.txt ]]; then echo "no fuzz targets yet"; return 0; fi
  CC=clang CXX=clang++ run_suite build-fuzz -L fuzz -- -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPDQGUARD_FUZZ=ON \
    -DPDQGUARD_BUILD_BENCH=OFF -DPDQGUARD_BUILD_TOOLS=OFF
}

case "$mode" in
  release|asan|tsan|fuzz) "$mode" ;;
  all) release; asan; tsan; fuzz ;;
  *) echo "usage: $0 [release|asan|tsan|fuzz|all]" >&2; exit 2 ;;
esac
