#!/usr/bin/env bash
# Gateway overhead benchmark: a 640x480 JPEG (made from the corpus bridge photo),
# a list of 100000 hashes with the bridge planted in it.
#   bench/gateway/run.sh [BUILD_DIR] [SECONDS]
# Prints: in-process hash+match time (median of 5, wall and CPU), then gateway latency
# and requests/s with 1 and 2 connections, and the gateway's CPU time per request.
# Overhead = gateway CPU per request - in-process CPU per request.
set -euo pipefail
build="$(cd "${1:-build}" && pwd)"
secs="${2:-10}"
shared="${PDQGUARD_SHARED_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}"
work="$(mktemp -d)"
trap 'kill "$gw_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
gw_pid=""

/usr/bin/python3 - "$shared/corpus/images/bridge-mods/aaa-orig.jpg" "$work" <<'PY'
import random, sys
from PIL import Image
src, work = sys.argv[1], sys.argv[2]
Image.open(src).convert("RGB").resize((640, 480)).save(f"{work}/640x480.jpg", quality=90)
rng = random.Random(7)
with open(f"{work}/list.csv", "w") as f:
    f.write("id,hash,label\nplanted,f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,bridge\n")
    for i in range(100000):
        f.write(f"r{i},{rng.getrandbits(256):064x},random\n")
PY

echo "== in process (C API): decode + hash + match"
PDQGUARD_BENCH_IMAGE="$work/640x480.jpg" PDQGUARD_BENCH_LIST="$work/list.csv" \
  "$build/bench/gateway/bench_gateway_direct" --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true 2>/dev/null | grep -E "BM_|median"

"$build/tests/gateway/pdqguard-gateway" --list "$work/list.csv" --port 0 --threads 4 \
  >"$work/gw.out" 2>"$work/gw.err" &
gw_pid=$!
for _ in $(seq 100); do grep -q listening "$work/gw.out" 2>/dev/null && break; sleep 0.1; done
port="$(sed -n 's/.*://p' "$work/gw.out")"
echo "== through the gateway (loopback HTTP, keep-alive)"
"$build/bench/gateway/gateway_load" 127.0.0.1 "$port" "$work/640x480.jpg" 2 1 >/dev/null  # warm-up
# CPU seconds the gateway process used (user+system), so the per-request cost can be
# compared with the in-process figure even on a busy, shared machine.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.3f", ($14 + $15) / hz}' "/proc/$gw_pid/stat"; }
for conns in 1 2; do
  before="$(cpu)"
  out="$("$build/bench/gateway/gateway_load" 127.0.0.1 "$port" "$work/640x480.jpg" "$secs" "$conns")"
  after="$(cpu)"
  n="$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$out")"
  echo "$out gateway_cpu_ms_per_request=$(awk -v a="$before" -v b="$after" -v n="$n" 'BEGIN{printf "%.3f", (b-a)*1000/n}')"
done
