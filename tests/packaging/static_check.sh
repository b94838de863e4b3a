#!/usr/bin/env bash
# Packaging check, static linking: `cmake --install` into a temporary prefix, then
# build and run one C99 program against libpdqguard.a
#   1. `pkg-config --static --libs pdqguard` lists every private dependency and
#      theirs (e.g. libpng's -lz); a fully static program (-static) is not built:
#      pdqguard loads FFmpeg's libraries and libheif with dlopen on first use, which
#      a fully static program cannot do reliably (glibc's static dlopen);
#   2. with CMake's find_package(pdqguard) and the target pdqguard::pdqguard_static;
#   3. with `pkg-config --static` once the shared library is removed from the prefix
#      (the usual static build: libpdqguard.a, system libraries shared).
# None of them sees the build or source tree: only the prefix (and the sample
# images). Every program must print the same hash, and none may load libpdqguard.so.
#   static_check.sh <build dir> <source dir>
set -euo pipefail
build="$1"
src="$2"
work="$(mktemp -d "${TMPDIR:-/tmp}/pdqguard-static.XXXXXX")"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
consumer="$src/tests/packaging/static_consumer"
samples="$src/examples/sample-data/images"
expected="$(sed -n 's/^\([0-9a-f]\{64\}\),demo-1,.*/\1/p' "$src/examples/sample-data/blocklist.csv")"
[[ ${#expected} -eq 64 ]] || { echo "FAIL: no expected hash in blocklist.csv"; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$work/install.log"
pc="$(find "$prefix" -name pdqguard.pc | head -1)"
[[ -n "$pc" ]] || { echo "FAIL: no pdqguard.pc installed"; exit 1; }
libdir="$(dirname "$(dirname "$pc")")"
[[ -f "$libdir/libpdqguard.a" ]] || { echo "FAIL: libpdqguard.a not installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")"

run() {  # <program>: runs it, checks its output, rejects a dynamic libpdqguard
  local exe="$1" out deps
  deps="$(ldd "$exe" 2>&1 || true)"
  if [[ "$deps" == *libpdqguard* ]]; then
    echo "FAIL: $exe loads the shared libpdqguard:"; echo "$deps"; exit 1
  fi
  out="$("$exe" "$samples" "$expected")" || { echo "FAIL: $exe failed: $out"; exit 1; }
  echo "  $out"
  [[ "$out" == "$expected "* ]] || { echo "FAIL: $exe printed '$out'"; exit 1; }
}

echo "== pkg-config --static: the private dependencies listed"
# (no --define-prefix: pdqguard.pc finds its prefix itself, and the option would
# rewrite the system modules' prefixes too)
cflags="$(pkg-config --static --cflags pdqguard)"
libs="$(pkg-config --static --libs pdqguard)"
echo "  libs: $libs"
[[ " $libs " == *" -lz "* ]] || { echo "FAIL: pkg-config --static --libs lacks -lz"; exit 1; }
echo "  fully static (-static): not built (dlopen of FFmpeg and libheif needs the shared glibc)"

echo "== find_package(pdqguard), pdqguard::pdqguard_static"
cmake -S "$consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$work/cmake-configure.log" 2>&1 ||
  { cat "$work/cmake-configure.log"; exit 1; }
if grep -q "CMake Warning" "$work/cmake-configure.log"; then
  cat "$work/cmake-configure.log"; echo "FAIL: warnings configuring the consumer"; exit 1
fi
cmake --build "$work/cmake-build" >"$work/cmake-build.log" 2>&1 ||
  { cat "$work/cmake-build.log"; echo "FAIL: link with pdqguard::pdqguard_static"; exit 1; }
run "$work/cmake-build/static_consumer"
echo "== pkg-config --static, static libpdqguard only"
rm -f "$libdir"/libpdqguard.so*  # (after the CMake step: its targets file names the .so)
# shellcheck disable=SC2086
cc -std=c99 -Wall -Wextra -Wpedantic -Werror $cflags "$consumer/static_consumer.c" \
  -o "$work/pc_static" $libs 2>"$work/pc_static.log" ||
  { cat "$work/pc_static.log"; echo "FAIL: link with pkg-config --static"; exit 1; }
run "$work/pc_static"

echo "OK: an installed libpdqguard.a links through pkg-config --static and pdqguard::pdqguard_static"
