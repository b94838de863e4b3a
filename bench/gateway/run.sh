#!/usr/bin/env bash
# Gateway overhead benchmark: a 640x480 JPEG (made from the corpus bridge photo),
# a list of 100000 hashes with the bridge planted in it.
#   bench/gateway/run.sh [BUILD_DIR] [SECONDS] [ROUNDS]
# (PDQGUARD_GATEWAY=path runs another gateway binary, e.g. an older build, for comparison.)
# Each round runs, back to back, the in-process hash+match benchmark (C API, same
# bytes, same list) and the gateway under closed-loop keep-alive load with 1 and 2
# connections. It prints latency (p50/p90/p99), requests/s and the gateway's CPU time
# per request (user+system, from /proc), then the medians over the rounds.
# Overhead = gateway CPU per request - in-process CPU per request, as a share of the
# in-process figure. The gateway's /metrics also splits its CPU time: in_pdqguard = its
# threads' CPU time inside decode+hash+match, outside = everything else (HTTP parsing,
# JSON, system calls and the kernel's TCP work, idle threads). CPU time is the robust comparison on a shared machine; rounds
# interleave the two so that background load hits both alike.
set -euo pipefail
build="$(cd "${1:-build}" && pwd)"
secs="${2:-10}"
rounds="${3:-3}"
# The corpus bridge photo, byte for byte, from the golden set in the repository.
bridge="$(dirname "$0")/../../tests/data/images/bridge-mods/aaa-orig.jpg"
work="$(mktemp -d)"
gw_pid=""
trap '[ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null; rm -rf "$work"' EXIT

/usr/bin/python3 "$(dirname "$0")/make_workload.py" "$bridge" "$work"

"${PDQGUARD_GATEWAY:-$build/tools/gateway/pdqguard-gateway}" --list "$work/list.csv" --port 0 --threads 4 \
  >"$work/gw.out" 2>"$work/gw.err" &
gw_pid=$!
for _ in $(seq 100); do grep -q listening "$work/gw.out" 2>/dev/null && break; sleep 0.1; done
port="$(sed -n 's/.*://p' "$work/gw.out")"
"$build/bench/gateway/gateway_load" 127.0.0.1 "$port" "$work/640x480.jpg" 2 1 >/dev/null  # warm-up

hz="$(getconf CLK_TCK)"
ticks() { awk '{print $14, $15}' "/proc/$gw_pid/stat"; }  # user, system clock ticks
# CPU seconds the gateway's threads spent inside pdqguard (decode + hash + match).
libcpu() { curl -s "http://127.0.0.1:$port/metrics" | awk '/^pdqguard_library_cpu_seconds_total /{print $2}'; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
for r in $(seq "$rounds"); do
  # In process: decode + hash + match of the same bytes with a reused hasher (the best
  # an embedding server can do); Google Benchmark's CPU time of the measuring thread.
  direct="$(PDQGUARD_BENCH_IMAGE="$work/640x480.jpg" PDQGUARD_BENCH_LIST="$work/list.csv" \
    "$build/bench/gateway/bench_gateway_direct" --benchmark_min_time=2 2>/dev/null | awk '/^BM_/{print $2, $4}')"
  read -r d_wall d_cpu <<<"$direct"
  echo "round $r in_process wall_ms=$d_wall cpu_ms=$d_cpu"
  for conns in 1 2; do
    read -r u0 s0 < <(ticks)
    l0="$(libcpu)"
    out="$("$build/bench/gateway/gateway_load" 127.0.0.1 "$port" "$work/640x480.jpg" "$secs" "$conns")"
    read -r u1 s1 < <(ticks)
    l1="$(libcpu)"
    n="$(field requests "$out")"
    awk -v u0="$u0" -v u1="$u1" -v s0="$s0" -v s1="$s1" -v n="$n" -v hz="$hz" -v d="$d_cpu" -v out="$out" -v r="$r" -v l0="$l0" -v l1="$l1" 'BEGIN {
      u = (u1 - u0) * 1000 / hz / n; s = (s1 - s0) * 1000 / hz / n; l = (l1 - l0) * 1000 / n
      printf "round %d %s gateway_cpu_ms=%.3f (user %.3f sys %.3f) in_pdqguard_ms=%.3f outside_ms=%.3f overhead_pct=%.1f\n",
        r, out, u + s, u, s, l, u + s - l, (u + s - d) * 100 / d }'
  done
done | tee "$work/rounds.txt"

echo "== medians over $rounds rounds"
med() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "in process: cpu_ms=$(grep in_process "$work/rounds.txt" | sed 's/.*cpu_ms=//' | med)" \
  "wall_ms=$(grep in_process "$work/rounds.txt" | sed 's/.*wall_ms=\([0-9.]*\).*/\1/' | med)"
for conns in 1 2; do
  rows="$(grep "connections=$conns " "$work/rounds.txt")"
  m() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$rows" | med; }
  echo "gateway, $conns connection(s): req/s=$(m 'req\/s') p50_ms=$(m p50_ms) p90_ms=$(m p90_ms)" \
    "p99_ms=$(m p99_ms) cpu_ms_per_request=$(m gateway_cpu_ms) in_pdqguard_ms=$(m in_pdqguard_ms)" \
    "outside_ms=$(m outside_ms) overhead_pct=$(m overhead_pct)" \
    "failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$rows" | paste -sd+ | bc)"
done
