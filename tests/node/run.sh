#!/usr/bin/env bash
# The Node.js binding (bindings/node) under `node --test`, against the addon and
# library of this build.  run.sh <node> <addon .node> <source dir> test|corpus
# `corpus` runs the tests on the full shared corpus (PDQGUARD_SHARED_CORPUS), exit 77
# when absent.
set -euo pipefail
node="$1"; addon="$2"; src="$3"; mode="$4"
export PDQGUARD_NODE_ADDON="$addon"
case "$mode" in
  test) export PDQGUARD_CORPUS_DIR="$src/tests/data" ;;
  corpus)
    export PDQGUARD_CORPUS_DIR="${PDQGUARD_SHARED_CORPUS:?}"
    [[ -f "$PDQGUARD_CORPUS_DIR/expected.csv" ]] ||
      { echo "shared corpus not found at $PDQGUARD_CORPUS_DIR: skipped"; exit 77; } ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac
exec "$node" --test "$src"/tests/node/*.test.js
