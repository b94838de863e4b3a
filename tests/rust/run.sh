#!/usr/bin/env bash
# The Rust binding (bindings/rust) against the library of this build tree, with
# Debian's toolchain, offline (no crates are needed).
#   run.sh <cargo> <dir of a pdqguard.pc> <dir of libpdqguard.so> <work dir> <source dir> test|clippy|corpus
# `corpus` runs the corpus tests on the full shared corpus (PDQGUARD_SHARED_CORPUS),
# exit 77 when absent.
set -euo pipefail
cargo="$1"; pcdir="$2"; libdir="$3"; work="$4"; src="$5"; mode="$6"
bin="$(dirname "$cargo")"
# The toolchain beside this cargo (Debian's /usr/bin), never one found earlier in PATH.
export PATH="$bin:$PATH" RUSTC="$bin/rustc" RUSTDOC="$bin/rustdoc"
export CARGO_HOME="$work/home" CARGO_TARGET_DIR="$work/target" CARGO_NET_OFFLINE=true
export PKG_CONFIG_PATH="$pcdir" LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
mkdir -p "$work"
cd "$src/bindings/rust"
case "$mode" in
  test)
    PDQGUARD_CORPUS_DIR="$src/tests/data" "$cargo" test --offline --locked ;;
  clippy)
    "$cargo" clippy --offline --locked --all-targets -- -D warnings
    echo "cargo clippy: no warnings" ;;
  corpus)
    corpus="${PDQGUARD_SHARED_CORPUS:?}"
    [[ -f "$corpus/expected.csv" ]] || { echo "shared corpus not found at $corpus: skipped"; exit 77; }
    PDQGUARD_CORPUS_DIR="$corpus" "$cargo" test --offline --locked --test binding corpus ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac
