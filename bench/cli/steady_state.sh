#!/usr/bin/env bash
# Steady-state costs of the CLI (issue 17): page faults, CPU and wall time per input
# once the first inputs have warmed the per-thread buffers, single worker thread.
#   raw    1280x720 rgb24 frames from a pipe: frames/s, page faults per frame
#   jpeg   the corpus JPEGs hashed three times over: page faults per image, memset share
#   prog   --fast vs exact on progressive (cjpeg -progressive) and baseline files
#   index  match --index --hashes, 10k queries against 1M random entries
#   rss    peak RSS of a scan of 1k and 10k small files
# usage: bench/cli/steady_state.sh BUILD_DIR [WORK_DIR] [SECTIONS...]
# Needs: perf (linux-perf), ffmpeg, cjpeg (libjpeg-turbo-progs), python3.
set -euo pipefail
build=${1:?build dir}
work=${2:-/tmp/pdqguard-steady}
shift $(( $# >= 2 ? 2 : 1 ))
sections=${*:-raw jpeg prog index rss}
bin="$build/tools/pdqguard/pdqguard"
corpus=${PDQGUARD_CORPUS:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/corpus}
mkdir -p "$work"
common=(-t 1 -q --no-summary -o /dev/null)

# perf stat of one command: prints "faults cpu_ms wall_s".
measure() {
  local out
  out=$(perf stat -x, -e page-faults,task-clock "$@" 2>&1 >/dev/null | grep -E 'page-faults|task-clock')
  local faults cpu
  faults=$(echo "$out" | awk -F, '/page-faults/ {print $1}')
  cpu=$(echo "$out" | awk -F, '/task-clock/ {printf "%.1f", $1}')
  echo "$faults $cpu"
}
wall() {  # seconds of wall time of a command
  /usr/bin/time -f %e "$@" 2>&1 >/dev/null | tail -1
}

for s in $sections; do case $s in
raw)
  f="$work/frames720.rgb"
  [ -f "$f" ] || ffmpeg -loglevel error -f lavfi -i testsrc2=size=1280x720:rate=30 -frames:v 600 \
                  -pix_fmt rgb24 -f rawvideo "$f"
  head -c $((1280 * 720 * 3 * 100)) "$f" > "$work/frames720_100.rgb"
  for n in 100 600; do
    src="$f"; [ $n = 100 ] && src="$work/frames720_100.rgb"
    # perf stat and time see pdqguard only (cat writes the pipe in its own process).
    read -r faults cpu < <(cat "$src" | measure "$bin" hash --raw rgb24 --size 1280x720 "${common[@]}" -)
    w=$(cat "$src" | wall "$bin" hash --raw rgb24 --size 1280x720 "${common[@]}" -)
    echo "raw frames=$n page_faults=$faults cpu_ms=$cpu wall_s=$w frames_per_s=$(echo "$n / $w" | bc -l | cut -c1-7)"
    eval "faults_$n=$faults"
  done
  echo "raw page_faults_per_frame_after_100=$(echo "($faults_600 - $faults_100) / 500" | bc -l | cut -c1-6)"
  # Each thread's share of the CPU time (the reader copying from the pipe, the worker
  # hashing), applied to the perf stat total of the 600-frame run above.
  cat "$f" | perf record -q -e task-clock -F 2000 -o "$work/raw.perf" "$bin" hash --raw rgb24 --size 1280x720 "${common[@]}" - 2>/dev/null
  perf report -i "$work/raw.perf" --stdio --sort pid 2>/dev/null | grep -E '^ +[0-9]' |
    awk -v cpu="$cpu" '{p = $1; sub(/%/, "", p); printf "raw thread %s: %.1f%% of the CPU = %.0f us per frame\n", $2, p, cpu * p / 100 / 600 * 1000}'
  if [ -x "$build/bench/hash/bench_hash" ]; then
    "$build/bench/hash/bench_hash" --benchmark_filter='^hash(_cold)?/avx512/rgb8_1280x720$' --benchmark_repetitions=3 \
      --benchmark_report_aggregates_only=true 2>/dev/null | grep median | awk '{print "raw in-memory " $1 ": wall " $2 " " $3 ", cpu " $4 " " $5}'
  fi
  ;;
jpeg)
  d="$work/jpeg3"
  if [ ! -d "$d" ]; then
    mkdir -p "$d"
    i=0
    while IFS= read -r j; do
      for k in 1 2 3; do ln -f "$j" "$d/$k-$i.jpg" 2>/dev/null || cp "$j" "$d/$k-$i.jpg"; done
      i=$((i + 1))
    done < <(find "$corpus/images" -iname '*.jpg' -o -iname '*.jpeg' | sort)
    mkdir -p "$work/jpeg1"; cp -l "$d"/1-*.jpg "$work/jpeg1/"
  fi
  n1=$(ls "$work/jpeg1" | wc -l); n3=$(ls "$d" | wc -l)
  read -r f1 c1 < <(measure "$bin" hash "${common[@]}" "$work/jpeg1")
  read -r f3 c3 < <(measure "$bin" hash "${common[@]}" "$d")
  echo "jpeg files=$n1 page_faults=$f1 cpu_ms=$c1; files=$n3 page_faults=$f3 cpu_ms=$c3"
  echo "jpeg page_faults_per_image_steady=$(echo "($f3 - $f1) / ($n3 - $n1)" | bc -l | cut -c1-6)"
  # The profile: the first pass over the files grows the per-thread buffers (zero-filled
  # once: read_file_into, the JPEG arena); ten passes show the steady state of a dump.
  d10="$work/jpeg10"
  if [ ! -d "$d10" ]; then
    mkdir -p "$d10"
    for k in 1 2 3 4 5 6 7 8 9 10; do
      for j in "$work/jpeg1"/1-*.jpg; do b=$(basename "$j"); ln -f "$j" "$d10/$k${b#1}"; done
    done
  fi
  for dir in "$d" "$d10"; do
    perf record -q -F 4999 -o "$work/jpeg.perf" "$bin" hash "${common[@]}" "$dir" 2>/dev/null >/dev/null
    perf report -q -i "$work/jpeg.perf" --no-children --sort sym 2>/dev/null |
      awk -v n="$(ls "$dir" | wc -l)" '/memset/ {m += $1} /\[k\]/ {k += $1} END {printf "jpeg profile of %d files: memset %.2f%%, kernel %.2f%%\n", n, m, k}'
  done
  ;;
prog)
  src=$(find "$corpus/images" -iname 'exif-rotn-1.jpg' | head -1)
  for sz in 2560x1600 5000x2813; do
    [ -f "$work/src_$sz.ppm" ] || ffmpeg -loglevel error -y -i "$src" -vf "scale=${sz/x/:}" -pix_fmt rgb24 "$work/src_$sz.ppm"
    for samp in 2x2 1x1; do
      for kind in progressive baseline; do
        name="${kind}_${sz}_${samp}"
        if [ ! -d "$work/$name" ]; then
          mkdir -p "$work/$name"
          opt=(); [ $kind = progressive ] && opt=(-progressive)
          cjpeg -quality 90 "${opt[@]}" -sample "$samp" "$work/src_$sz.ppm" > "$work/$name/0.jpg"
          for k in $(seq 1 19); do ln -f "$work/$name/0.jpg" "$work/$name/$k.jpg"; done
        fi
        read -r fe ce < <(measure "$bin" hash "${common[@]}" "$work/$name")
        read -r ff cf < <(measure "$bin" hash --fast "${common[@]}" "$work/$name")
        we=$(wall "$bin" hash "${common[@]}" "$work/$name"); wf=$(wall "$bin" hash --fast "${common[@]}" "$work/$name")
        echo "prog $name (20 files): exact cpu_ms=$ce faults=$fe wall_s=$we | fast cpu_ms=$cf faults=$ff wall_s=$wf | speedup cpu $(echo "$ce / $cf" | bc -l | cut -c1-5)x wall $(echo "$we / $wf" | bc -l | cut -c1-5)x"
      done
    done
  done
  ;;
index)
  if [ ! -f "$work/idx1m.pdqi" ]; then
    python3 -c "
import random
r = random.Random(5)
with open('$work/list1m.txt', 'w') as f:
    for i in range(1000000): f.write('%064x\n' % r.getrandbits(256))
with open('$work/q10k.txt', 'w') as f:
    for i in range(10000): f.write('%064x\n' % r.getrandbits(256))
"
    "$bin" index build -q "$work/list1m.txt" -o "$work/idx1m.pdqi" > /dev/null
  fi
  : > "$work/q0.txt"
  read -r f0 c0 < <(measure "$bin" match --index "$work/idx1m.pdqi" --hashes "$work/q0.txt" "${common[@]}")
  read -r f c < <(measure "$bin" match --index "$work/idx1m.pdqi" --hashes "$work/q10k.txt" "${common[@]}")
  w=$(wall "$bin" match --index "$work/idx1m.pdqi" --hashes "$work/q10k.txt" "${common[@]}")
  echo "index open only: cpu_ms=$c0 page_faults=$f0; 10k queries incl. open: cpu_ms=$c page_faults=$f wall_s=$w q_per_cpu_s=$(echo "10000000 / $c" | bc -l | cut -c1-7) q_per_wall_s=$(echo "10000 / $w" | bc -l | cut -c1-7)"
  if [ -x "$build/bench/index/bench_index" ]; then
    # query_file: the same index file and query file as the CLI run above, in-process.
    PDQGUARD_BENCH_INDEX_FILE="$work/idx1m.pdqi" PDQGUARD_BENCH_QUERY_FILE="$work/q10k.txt" \
    PDQGUARD_BENCH_SIZES=1000000 "$build/bench/index/bench_index" --benchmark_filter='^query/uniform/auto/1000000/r31|query_opened_mapped|^query_file' \
      --benchmark_repetitions=3 --benchmark_report_aggregates_only=true 2>/dev/null | grep median |
      sed -E 's/.*(query[^ ]*).* ([0-9.]+ us) +([0-9.]+ us).*queries\/s=([0-9.k]+\/s).*/index in-process \1: wall \2 cpu \3 \4 (per CPU second)/'
  fi
  ;;
rss)
  small="$work/small.jpg"
  [ -f "$small" ] || { ffmpeg -loglevel error -y -f lavfi -i testsrc2=size=160x120 -frames:v 1 "$work/small.ppm"; cjpeg "$work/small.ppm" > "$small"; }
  for n in 1000 10000; do
    d="$work/rss$n"
    if [ ! -d "$d" ]; then
      mkdir -p "$d"
      for ((i = 0; i < n; i++)); do sub="$d/d$((i / 500))"; [ -d "$sub" ] || mkdir "$sub"; ln "$small" "$sub/f$i.jpg"; done
    fi
    for t in 1 2; do
      rss=$(/usr/bin/time -f %M "$bin" hash -t $t -q --no-summary -o /dev/null "$d" 2>&1 >/dev/null | tail -1)
      echo "rss files=$n threads=$t max_rss_kb=$rss"
    done
  done
  ;;
esac; done
