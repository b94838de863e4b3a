#!/usr/bin/env bash
# Packaging check: `cmake --install` into a temporary prefix, then build and run
#   1. a C99 program (-Wall -Wextra -Wpedantic -Werror) with `pkg-config pdqguard`;
#   2. the C examples project (examples/c) with find_package(pdqguard) -> pdqguard::pdqguard.
# Neither sees the build or source tree: only the prefix.
#   install_check.sh <build dir> <source dir> <data dir: tests/data or the shared corpus>
set -euo pipefail
build="$1"
src="$2"
corpus="$3"
work="$(mktemp -d "${TMPDIR:-/tmp}/pdqguard-pkg.XXXXXX")"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --install "$build" --prefix "$prefix" >"$work/install.log"
pc="$(find "$prefix" -name pdqguard.pc | head -1)"
[[ -n "$pc" ]] || { echo "FAIL: no pdqguard.pc installed"; exit 1; }
[[ -f "$prefix/include/pdqguard/pdqguard.h" ]] || { echo "FAIL: pdqguard.h not installed"; exit 1; }
libdir="$(dirname "$(dirname "$pc")")"

# A corpus file and its expected hash/quality (reference criterion: same pixels, same hash).
rel="decoded/bridge-mods__shrink-a-lot.ppm"
row="$(grep "^$rel," "$corpus/raw/expected.csv")"
hash="$(cut -d, -f4 <<<"$row")"
quality="$(cut -d, -f5 <<<"$row")"
image="$corpus/raw/$rel"

echo "== pkg-config"
export PKG_CONFIG_PATH="$(dirname "$pc")"
# --define-prefix: take the prefix from where the .pc file lies (it was installed
# with `cmake --install --prefix`, not at the configured CMAKE_INSTALL_PREFIX).
cflags="$(pkg-config --define-prefix --cflags pdqguard)"
libs="$(pkg-config --define-prefix --libs pdqguard)"
echo "cflags: $cflags"
echo "libs:   $libs"
[[ "$cflags" == *"$prefix"* ]] || { echo "FAIL: cflags do not point into the prefix"; exit 1; }
# shellcheck disable=SC2086
cc -std=c99 -Wall -Wextra -Wpedantic -Werror $cflags "$src/tests/packaging/consumer.c" \
  -o "$work/consumer" $libs
# The program must load the installed library, not the build tree's.
# (ldd's output is captured first: `ldd | grep -q` can fail under pipefail when grep
# exits before ldd has written everything.)
resolved="$(LD_LIBRARY_PATH="$libdir" ldd "$work/consumer")"
[[ "$resolved" == *"$libdir/libpdqguard.so"* ]] ||
  { echo "FAIL: consumer does not resolve the installed libpdqguard:"; echo "$resolved"; exit 1; }
LD_LIBRARY_PATH="$libdir" "$work/consumer" "$image" "$hash" "$quality"

echo "== find_package(pdqguard)"
cmake -S "$src/examples/c" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$work/cmake-configure.log" || { cat "$work/cmake-configure.log"; exit 1; }
cmake --build "$work/cmake-build" >"$work/cmake-build.log" || { cat "$work/cmake-build.log"; exit 1; }
out="$(LD_LIBRARY_PATH="$libdir" "$work/cmake-build/hash_file" "$image")"
echo "$out"
[[ "$out" == "$hash $quality $image" ]] || { echo "FAIL: expected '$hash $quality $image'"; exit 1; }
echo "OK: installed pdqguard works through pkg-config and find_package"
