#!/usr/bin/env bash
# CLI scan benchmark: files/s of `pdqguard scan` over a generated JPEG tree with 1 and
# 2 threads, exact and --fast; peak RSS of a scan over 1k and 10k files.
# usage: bench/cli/run_bench.sh BUILD_DIR [WORK_DIR] [FILES]
set -euo pipefail
build=${1:?build dir}
work=${2:-/tmp/pdqguard-cli-bench}
files=${3:-3000}
bin="$build/tools/pdqguard/pdqguard"
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
if [ ! -d "$work/tree" ]; then
  /usr/bin/python3 "$here/gen_tree.py" "$work/tree" --files "$files"
fi
cat "$work/tree"/*/*.jpg > /dev/null  # warm the page cache
echo "tree: $(find "$work/tree" -name '*.jpg' | wc -l) JPEGs, $(du -sh "$work/tree" | cut -f1)"
reps=${REPS:-1}
# /usr/bin/time gives wall and CPU seconds: on a shared machine files per CPU-second is the
# steadier figure; wall-clock files/s is what a user sees.
modes=${MODES-exact fast}  # MODES="" measures memory only
for mode in $modes; do
  for t in 1 2; do
    extra=(); [ "$mode" = fast ] && extra=(--fast)
    for ((rep = 1; rep <= reps; rep++)); do
      m=$(/usr/bin/time -f "%e %U %S %M" "$bin" scan --list "$work/tree.list.txt" -t "$t" "${extra[@]}" \
            -q --no-summary -o /dev/null "$work/tree" 2>&1 >/dev/null | tail -1)
      read -r wall user sys rss <<<"$m"
      echo "$mode threads=$t rep=$rep wall_s=$wall cpu_s=$(echo "$user + $sys" | bc) files_per_s=$(echo "$files / $wall" | bc -l | cut -c1-7) files_per_cpu_s=$(echo "$files / ($user + $sys)" | bc -l | cut -c1-7) max_rss_kb=$rss"
    done
  done
done
# Peak RSS against the number of files: small JPEGs (hard links) so the count dominates.
one=$(find "$work/tree" -name '*.jpg' -print -quit)
small="$work/small.jpg"
/usr/bin/python3 -c "from PIL import Image; Image.open('$one').resize((160,120)).save('$small')"
for n in 1000 10000; do
  d="$work/rss$n"
  if [ ! -d "$d" ]; then
    mkdir -p "$d"
    for ((i = 0; i < n; i++)); do
      sub="$d/d$((i / 500))"; [ -d "$sub" ] || mkdir "$sub"
      ln "$small" "$sub/f$i.jpg"
    done
  fi
  for t in 1 2; do
    rss=$(/usr/bin/time -v "$bin" scan --list "$work/tree.list.txt" -t "$t" -q --no-summary -o /dev/null "$d" 2>&1 >/dev/null |
          awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}')
    rss_sorted=$(/usr/bin/time -v "$bin" scan --list "$work/tree.list.txt" -t "$t" --sort -q --no-summary -o /dev/null "$d" 2>&1 >/dev/null |
          awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}')
    echo "rss files=$n threads=$t max_rss_kb=$rss sorted_max_rss_kb=$rss_sorted"
  done
done
