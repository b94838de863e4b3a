#!/usr/bin/env bash
# End-to-end video hashing cost, single thread, CPU seconds (user+sys, best of REPS):
#   ffmpeg -threads 1 -i X -an -f null -        plain decoding (the floor)
#   pdqguard video hash --seconds-per-hash 1    one hash per second (vPDQ default)
#   pdqguard video hash --seconds-per-hash 0    every frame, compatible (vPDQ -r 0)
#   ... --mode luma                             every frame, triage (Y plane)
# Usage: bench/video/run_bench.sh BUILD_DIR [VIDEO...]   (default: three shared videos)
set -euo pipefail
build="$1"; shift
bin="$build/tools/pdqguard/pdqguard"
reps="${REPS:-3}"
shared="$(dirname "$0")/../../../shared/video/videos"
videos=("$@")
if ((${#videos[@]} == 0)); then
  videos=("$shared/chair-22-sd-grey-bar.mp4" "$shared/pattern-hd-no-bar.mp4" "$shared/vp9-pattern.webm")
fi
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
cpu() {  # best user+sys of $reps runs of "$@"
  local best=""
  for ((i = 0; i < reps; i++)); do
    local t
    /usr/bin/time -o "$tmp" -f "%U %S" "$@" >/dev/null 2>&1
    t="$(tail -1 "$tmp" | awk '{print $1 + $2}')"
    if [[ -z "$best" ]] || awk "BEGIN{exit !($t < $best)}"; then best="$t"; fi
  done
  echo "$best"
}
printf "%-28s %6s %9s %9s %9s %9s %10s %10s\n" video frames ffmpeg r1 r0 r0-luma "r1/ffmpeg" "r0 ms/fr"
for v in "${videos[@]}"; do
  frames="$("$bin" video hash --format jsonl --seconds-per-hash 0 "$v" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["frames_decoded"])')"
  f="$(cpu ffmpeg -nostdin -threads 1 -i "$v" -an -f null -)"
  r1="$(cpu "$bin" video hash --seconds-per-hash 1 -o /dev/null "$v")"
  r0="$(cpu "$bin" video hash --seconds-per-hash 0 -o /dev/null "$v")"
  luma="$(cpu "$bin" video hash --seconds-per-hash 0 --mode luma -o /dev/null "$v")"
  printf "%-28s %6s %9s %9s %9s %9s %10s %10s\n" "$(basename "$v")" "$frames" "$f" "$r1" "$r0" "$luma" \
    "$(awk "BEGIN{printf \"%.2f\", $r1 / $f}")" "$(awk "BEGIN{printf \"%.2f\", 1000 * $r0 / $frames}")"
done
