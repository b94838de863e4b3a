#!/usr/bin/env bash
# Installs dependencies, builds, and runs the main job on the bundled sample data:
# a scan of examples/sample-data/images against examples/sample-data/blocklist.csv
# (one entry: the "sunny shapes" picture). Expect 4 matches — the original, a gray
# copy, a JPEG re-encode and a rotated PNG (found with --dihedral) — and 2 clean files.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
set +e
./build/tools/pdqguard/pdqguard scan --list examples/sample-data/blocklist.csv --dihedral \
  --format table examples/sample-data/images
rc=$?
set -e
echo "exit status $rc (0 clean, 1 matches found, 2 errors)"
[[ $rc -le 1 ]]
