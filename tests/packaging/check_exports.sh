#!/usr/bin/env bash
# Fails when libpdqguard.so exports anything but the C API (pdqg_*) and the C++
# API (pdqguard::, with its classes' typeinfo/vtables), or when a function the C
# header declares is not exported.
#   check_exports.sh <libpdqguard.so> <include/pdqguard/pdqguard.h>
set -euo pipefail
lib="$1"
header="$2"

symbols="$(nm -D --defined-only "$lib" | awk '{print $NF}')"
[[ -n "$symbols" ]] || { echo "FAIL: $lib exports nothing"; exit 1; }

bad="$(printf '%s\n' "$symbols" | c++filt | grep -Ev \
  '^(pdqg_[a-z0-9_]+|pdqguard::.*|(typeinfo|typeinfo name|vtable|VTT) for pdqguard::.*)$' || true)"
if [[ -n "$bad" ]]; then
  echo "FAIL: $lib exports names outside pdqg_* and pdqguard:::"
  printf "%s\n" "$bad" | head -50 | sed "s/^/  /"
  exit 1
fi

# Every function the C header declares must be there (and nothing else pdqg_).
declared="$(grep -oE 'PDQGUARD_API[^(]*\bpdqg_[a-z0-9_]+\(' "$header" |
  grep -oE 'pdqg_[a-z0-9_]+' | sort -u)"
exported="$(printf '%s\n' "$symbols" | grep -E '^pdqg_' | sort -u)"
missing="$(comm -23 <(printf '%s\n' "$declared") <(printf '%s\n' "$exported"))"
extra="$(comm -13 <(printf '%s\n' "$declared") <(printf '%s\n' "$exported"))"
if [[ -n "$missing" || -n "$extra" ]]; then
  echo "FAIL: C header and exports differ"
  [[ -z "$missing" ]] || echo "  declared, not exported: $missing"
  [[ -z "$extra" ]] || echo "  exported, not declared: $extra"
  exit 1
fi

# The SONAME carries the major version.
soname="$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')"
[[ "$soname" =~ ^libpdqguard\.so\.[0-9]+$ ]] || { echo "FAIL: SONAME '$soname'"; exit 1; }

echo "OK: $(printf '%s\n' "$symbols" | wc -l) exported symbols," \
  "$(printf '%s\n' "$exported" | wc -l) of them pdqg_*; SONAME $soname"
