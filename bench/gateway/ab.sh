#!/usr/bin/env bash
# A/B of two gateway builds on the run.sh workload: both run side by side, rounds
# alternate which goes first, and each load run reports the gateway's CPU per request
# split into the part inside pdqguard (its /metrics counter
# pdqguard_library_cpu_seconds_total) and the gateway's own part (the rest).
#   GATEWAY_A="path [args]" GATEWAY_B="path [args]" bench/gateway/ab.sh BUILD SECS ROUNDS CONNS
# Both gateways must export pdqguard_library_cpu_seconds_total.
set -euo pipefail
build="$(cd "$1" && pwd)"; secs="$2"; rounds="$3"; conns="$4"
# The corpus bridge photo, byte for byte, from the golden set in the repository.
bridge="$(dirname "$0")/../../tests/data/images/bridge-mods/aaa-orig.jpg"
work="$(mktemp -d)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT
/usr/bin/python3 "$(dirname "$0")/make_workload.py" "$bridge" "$work"
declare -A pid port
for g in A B; do
  var="GATEWAY_$g"
  # shellcheck disable=SC2086
  ${!var} --list "$work/list.csv" --port 0 --threads 4 >"$work/$g.out" 2>/dev/null &
  pid[$g]=$!; pids+=("$!")
done
for g in A B; do
  for _ in $(seq 100); do grep -q listening "$work/$g.out" 2>/dev/null && break; sleep 0.1; done
  port[$g]="$(sed -n 's/.*://p' "$work/$g.out")"
  "$build/bench/gateway/gateway_load" 127.0.0.1 "${port[$g]}" "$work/640x480.jpg" 1 1 >/dev/null
done
hz="$(getconf CLK_TCK)"
for r in $(seq "$rounds"); do
  order="A B"; [ $((r % 2)) = 0 ] && order="B A"
  line="round $r"
  for g in $order; do
    lib() { curl -s "http://127.0.0.1:${port[$g]}/metrics" | awk '/^pdqguard_library_cpu_seconds_total /{print $2}'; }
    read -r u0 s0 < <(awk '{print $14, $15}' "/proc/${pid[$g]}/stat"); l0="$(lib)"
    out="$("$build/bench/gateway/gateway_load" 127.0.0.1 "${port[$g]}" "$work/640x480.jpg" "$secs" "$conns")"
    read -r u1 s1 < <(awk '{print $14, $15}' "/proc/${pid[$g]}/stat"); l1="$(lib)"
    n="$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$out")"
    line="$line $(awk -v g="$g" -v t=$((u1 + s1 - u0 - s0)) -v hz="$hz" -v n="$n" -v l0="$l0" -v l1="$l1" 'BEGIN {
      t = t * 1000 / hz / n; l = (l1 - l0) * 1000 / n
      printf "%s: cpu_ms=%.3f in_pdqguard_ms=%.3f own_ms=%.3f own_pct=%.1f", g, t, l, t - l, (t - l) * 100 / l }')"
  done
  echo "$line"
done
