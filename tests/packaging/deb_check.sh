#!/usr/bin/env bash
# The Debian packages (cmake/Packaging.cmake): builds them with cpack from the build
# tree, then checks
#   - each package's metadata: name, version (the project's, release 1), architecture,
#     section, and dependencies (dpkg-shlibdeps' system libraries, the exact
#     libpdqguard0 version, the -dev packages pdqguard.pc requires);
#   - each package's contents (dpkg-deb -c) against its install component, file for
#     file (cmake --install --component), with the files each must hold, and that no
#     install rule lacks a component (it would be in no package);
#   - as root with PDQGUARD_TEST_DEB_INSTALL=1 (scripts/test.sh sets it): installs the
#     three packages with apt-get (offline: their dependencies are already installed),
#     runs /usr/bin/pdqguard --version, finds the man page and the completion, compiles
#     and runs a C program against the installed -dev package through pkg-config, then
#     purges the packages again (later tests use the build tree).
#   deb_check.sh <build dir> <project version> <1 if the gateway target exists, else 0>
set -euo pipefail
build="$1"
version="$2"
have_gateway="${3:-0}"
work="$(mktemp -d "${TMPDIR:-/tmp}/pdqguard-deb.XXXXXX")"
installed=0
packages=(pdqguard libpdqguard0 libpdqguard-dev)
apt_opts=(-y -q -o DPkg::Lock::Timeout=300)
cleanup() {
  if ((installed)); then
    local present=()
    for p in "${packages[@]}"; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" && present+=("$p")
    done
    if ((${#present[@]})); then
      apt-get purge "${apt_opts[@]}" "${present[@]}" >"$work/remove.log" 2>&1 ||
        { echo "FAIL: apt-get purge:"; cat "$work/remove.log"; }
    fi
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

echo "== cpack -G DEB"
(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack"; }
arch="$(dpkg --print-architecture)"
full="$version-1"
declare -A deb
deb[pdqguard]="$work/out/pdqguard_${full}_$arch.deb"
deb[libpdqguard0]="$work/out/libpdqguard0_${full}_$arch.deb"
deb[libpdqguard-dev]="$work/out/libpdqguard-dev_${full}_$arch.deb"
for p in "${packages[@]}"; do [[ -f "${deb[$p]}" ]] || { ls "$work/out"; fail "no ${deb[$p]}"; }; done

echo "== metadata"
field() { dpkg-deb -f "${deb[$1]}" "$2"; }
# has PACKAGE FIELD TEXT: the field contains TEXT.
has() { [[ "$(field "$1" "$2")" == *"$3"* ]] || fail "$1: $2 '$(field "$1" "$2")' lacks '$3'"; }
for p in "${packages[@]}"; do
  [[ "$(field "$p" Package)" == "$p" ]] || fail "$p: Package is '$(field "$p" Package)'"
  [[ "$(field "$p" Version)" == "$full" ]] || fail "$p: Version is '$(field "$p" Version)', not $full"
  [[ "$(field "$p" Architecture)" == "$arch" ]] || fail "$p: Architecture"
  [[ -n "$(field "$p" Maintainer)" && -n "$(field "$p" Description)" ]] || fail "$p: no Maintainer/Description"
  echo "$p $(field "$p" Version): Depends: $(field "$p" Depends)"
done
has libpdqguard0 Section libs
has libpdqguard-dev Section libdevel
has pdqguard Section utils
# dpkg-shlibdeps: the shared library's system libraries, with versions; and the
# libraries loaded with dlopen on first use (FFmpeg's, libheif), which
# cmake/Packaging.cmake adds because dpkg-shlibdeps cannot see them.
for dep in "libc6 (>=" "libstdc++6 (>=" "libpng16-16 (>=" "libjpeg62-turbo (>=" libavcodec59 \
           libavformat59 libswscale6 libavutil57 libheif1; do
  has libpdqguard0 Depends "$dep"
  has pdqguard Depends "$dep"
done
has libpdqguard-dev Depends "libpdqguard0 (= $full)"
has pdqguard Depends "libpdqguard0 (= $full)"
for dep in libpng-dev libjpeg62-turbo-dev libwebp-dev pkg-config; do has libpdqguard-dev Depends "$dep"; done
# pdqguard.pc does not list what is loaded with dlopen: no -dev package of it needed.
[[ "$(field libpdqguard-dev Depends)" != *libavcodec-dev* ]] || fail "libpdqguard-dev depends on libavcodec-dev"
shlibs="$(dpkg-deb --ctrl-tarfile "${deb[libpdqguard0]}" | tar -xO ./shlibs)"
[[ "$shlibs" == "libpdqguard 0 libpdqguard0 (>= $full)" ]] || fail "libpdqguard0 shlibs: '$shlibs'"

echo "== contents"
# The files of a package (dpkg-deb -c), as paths below /usr, sorted.
deb_files() { dpkg-deb -c "${deb[$1]}" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./||' | sort; }
# The files of an install component, installed with the packages' prefix.
component_files() {
  DESTDIR="$work/stage/$1" cmake --install "$build" --component "$1" --prefix /usr >/dev/null
  (cd "$work/stage/$1" && find . -type f -o -type l) | sed 's|^\./||' | sort
}
declare -A component=([pdqguard]=cli [libpdqguard0]=runtime [libpdqguard-dev]=dev)
for p in "${packages[@]}"; do
  deb_files "$p" >"$work/$p.deb.txt"
  component_files "${component[$p]}" >"$work/$p.component.txt"
  diff -u "$work/$p.component.txt" "$work/$p.deb.txt" ||
    fail "$p does not hold exactly the files of install component ${component[$p]}"
done
# An install rule without COMPONENT lands in "Unspecified": in no package.
DESTDIR="$work/stage/none" cmake --install "$build" --component Unspecified --prefix /usr >/dev/null
[[ -z "$(find "$work/stage/none" -type f 2>/dev/null)" ]] ||
  fail "install rules without a COMPONENT (in no package): $(cd "$work/stage/none" && find . -type f)"
# must PACKAGE REGEX: some file of the package matches.
must() { grep -qE "$2" "$work/$1.deb.txt" || fail "$1 lacks $2"; }
mustnot() { ! grep -qE "$2" "$work/$1.deb.txt" || fail "$1 must not hold $2"; }
must libpdqguard0 '^usr/lib/(.*/)?libpdqguard\.so\.0$'
must libpdqguard0 "^usr/lib/(.*/)?libpdqguard\.so\.$version\$"
mustnot libpdqguard0 'libpdqguard\.so$|\.a$|^usr/include/|\.pc$'
must libpdqguard-dev '^usr/include/pdqguard/pdqguard\.h$'
must libpdqguard-dev '^usr/include/pdqguard/hasher\.hpp$'
must libpdqguard-dev '^usr/lib/(.*/)?libpdqguard\.so$'
must libpdqguard-dev '^usr/lib/(.*/)?libpdqguard\.a$'
must libpdqguard-dev '^usr/lib/(.*/)?pkgconfig/pdqguard\.pc$'
must libpdqguard-dev '^usr/lib/(.*/)?cmake/pdqguard/pdqguardConfig\.cmake$'
mustnot libpdqguard-dev 'libpdqguard\.so\.0'
must pdqguard '^usr/bin/pdqguard$'
must pdqguard '^usr/share/man/man1/pdqguard\.1'
must pdqguard '^usr/share/bash-completion/completions/pdqguard$'
if [[ "$have_gateway" == 1 ]] && ! grep -q '^usr/bin/pdqguard-gateway$' "$work/pdqguard.deb.txt"; then
  echo "NOTE: the gateway is built but not packaged: its install rule must say" \
       "install(TARGETS pdqguard_gateway RUNTIME DESTINATION \${CMAKE_INSTALL_BINDIR} COMPONENT cli)"
fi

if [[ "${PDQGUARD_TEST_DEB_INSTALL:-0}" != 1 || "$(id -u)" != 0 ]]; then
  echo "OK: packages built and checked (install not tried: needs root and PDQGUARD_TEST_DEB_INSTALL=1)"
  exit 0
fi
echo "== apt-get install"
for p in "${packages[@]}"; do
  ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    fail "$p is already installed on this system: not touching it"
done
installed=1
# Offline: the dependencies are installed already (install-deps.sh), nothing is fetched.
apt-get install "${apt_opts[@]}" "${deb[@]}" >"$work/install.log" 2>&1 ||
  { cat "$work/install.log"; fail "apt-get install"; }
out="$(/usr/bin/pdqguard --version)"
echo "$out" | head -2
[[ "$out" == "pdqguard $version"* ]] || fail "/usr/bin/pdqguard --version: '$out'"
[[ "$out" == *"library: pdqguard $version"* ]] || fail "/usr/bin/pdqguard --version: no library version"
page="$(man -w pdqguard)" || fail "man -w pdqguard finds no page"
[[ "$page" == /usr/share/man/* ]] || fail "man -w pdqguard: $page"
[[ -f /usr/share/bash-completion/completions/pdqguard ]] || fail "no installed completion"
if [[ -x /usr/bin/pdqguard-gateway ]]; then
  # It starts (its libpdqguard.so.0 resolves) and prints its usage.
  out="$(env -u LD_LIBRARY_PATH /usr/bin/pdqguard-gateway --help 2>&1 || true)"
  [[ "$out" == *--list* ]] || fail "/usr/bin/pdqguard-gateway --help: '$out'"
fi
cat >"$work/v.c" <<'C'
#include <pdqguard/pdqguard.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char** argv) {
  (void)argc;
  printf("%s\n", pdqg_version_string());
  return strcmp(pdqg_version_string(), argv[1]) != 0;
}
C
# The system's pkg-config only: no build tree on any path.
unset PKG_CONFIG_PATH
# shellcheck disable=SC2046
cc -std=c99 -Wall -Werror "$work/v.c" -o "$work/v" $(pkg-config --cflags --libs pdqguard) ||
  fail "compiling against the installed libpdqguard-dev"
env -u LD_LIBRARY_PATH "$work/v" "$version" || fail "the program linked against libpdqguard0 did not print $version"
resolved="$(env -u LD_LIBRARY_PATH ldd "$work/v")"
[[ "$resolved" =~ libpdqguard\.so\.0\ =\>\ (/usr)?/lib/ ]] || { echo "$resolved"; fail "not the installed libpdqguard.so.0"; }
echo "== apt-get purge"
installed=0
apt-get purge "${apt_opts[@]}" "${packages[@]}" >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "apt-get purge"; }
[[ ! -e /usr/bin/pdqguard ]] || fail "/usr/bin/pdqguard still there after apt-get purge"
echo "OK: packages built, checked, installed with apt-get, used, and removed"
