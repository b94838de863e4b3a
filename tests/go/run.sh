#!/usr/bin/env bash
# The Go binding (bindings/go) against the library of this build tree, offline.
#   run.sh <go> <dir of a pdqguard.pc> <work dir> <source dir> vet|test|corpus|readme
# CTest passes a build-tree pdqguard.pc (tests/go/CMakeLists.txt). `corpus` runs the
# tests on the full shared corpus (PDQGUARD_SHARED_CORPUS), exit 77 when absent.
set -euo pipefail
go="$1"; pcdir="$2"; work="$3"; src="$4"; mode="$5"
export PKG_CONFIG_PATH="$pcdir" GOCACHE="$work/cache" GOPATH="$work/gopath"
export GOPROXY=off GOSUMDB=off GOFLAGS= GO111MODULE=on CGO_ENABLED=1 GOTOOLCHAIN=local
mkdir -p "$work"
cd "$src/bindings/go"
case "$mode" in
  vet)
    unformatted="$(gofmt -l .)"
    [[ -z "$unformatted" ]] || { echo "FAIL: not gofmt-formatted: $unformatted"; exit 1; }
    "$go" vet ./...
    echo "go vet: ok" ;;
  test)
    PDQGUARD_CORPUS_DIR="$src/tests/data" "$go" test -race -count=1 -v ./... ;;
  corpus)
    corpus="${PDQGUARD_SHARED_CORPUS:?}"
    [[ -f "$corpus/expected.csv" ]] || { echo "shared corpus not found at $corpus: skipped"; exit 77; }
    PDQGUARD_CORPUS_DIR="$corpus" "$go" test -count=1 -v -run Corpus ./... ;;
  readme)
    # The README's example, as written, as a program of its own module.
    tmp="$work/readme"
    rm -rf "$tmp" && mkdir -p "$tmp"
    awk '/^```go$/{on=1; next} /^```$/{on=0} on' README.md >"$tmp/main.go"
    grep -q 'func main' "$tmp/main.go" || { echo "FAIL: no Go example in README.md"; exit 1; }
    printf 'module readme\n\ngo 1.19\n\nrequire pdqguard v0.0.0\n\nreplace pdqguard => %s\n' \
      "$src/bindings/go" >"$tmp/go.mod"
    cd "$tmp"
    img="$src/tests/data/images"
    printf 'id,hash,label\nbridge-1,f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,demo\n' >list.csv
    "$go" build -o example .
    out="$(./example list.csv "$img/bridge-mods/aaa-orig.jpg" "$img/reg-test-input/pen-and-coaster.png" \
      "$img/reg-test-input/labelme-subset/q0003.jpg" "$img/missing.jpg")"
    echo "$out"
    expected="$img/bridge-mods/aaa-orig.jpg blocked by bridge-1 at distance 0
$img/reg-test-input/pen-and-coaster.png clean
$img/reg-test-input/labelme-subset/q0003.jpg not judged: below_quality
$img/missing.jpg error: io_error: "
    [[ "$out" == "$expected"* ]] || { echo "FAIL: expected output starting with:"; echo "$expected"; exit 1; }
    echo "README example: ok" ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac
