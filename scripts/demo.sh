#!/usr/bin/env bash
# Installs dependencies, builds, and hashes the bundled sample images.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
./build/tools/pdqguard/pdqguard hash examples/sample-data/*
