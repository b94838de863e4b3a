#!/usr/bin/env bash
# Archives (issue 15): `pdqguard hash -t 1` over a zip of JPEGs against the same
# files unpacked on disk (target: <= 1.1x), and the peak RSS of hashing a large
# tar of repeated members (target: flat, a few members' worth).
# usage: bench/cli/archive_bench.sh BUILD_DIR [WORK_DIR] [FILES] [BIG_MEMBERS]
# FILES JPEGs (default 1000, from gen_tree.py) are zipped (deflate, as zip tools
# do) into tree.zip; hyperfine times both. BIG_MEMBERS copies (default 400) of
# the largest JPEG of the tree (~2.5 MB: 3000x2000) make big.tar (~1 GB); its
# max RSS is compared with that of hashing the one JPEG alone.
set -euo pipefail
build=${1:?build dir}
work=${2:-/tmp/pdqguard-archive-bench}
files=${3:-1000}
big_members=${4:-400}
bin="$build/tools/pdqguard/pdqguard"
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
if [ ! -d "$work/tree" ]; then
  /usr/bin/python3 "$here/gen_tree.py" "$work/tree" --files "$files"
fi
if [ ! -f "$work/tree.zip" ]; then
  (cd "$work" && /usr/bin/python3 - <<'EOF'
import os, zipfile
with zipfile.ZipFile("tree.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for d, _, fs in sorted(os.walk("tree")):
        for f in sorted(fs):
            z.write(os.path.join(d, f))
EOF
  )
fi
cat "$work/tree"/*/*.jpg "$work/tree.zip" > /dev/null  # warm the page cache
echo "tree: $(find "$work/tree" -name '*.jpg' | wc -l) JPEGs, $(du -sh "$work/tree" | cut -f1); zip $(du -sh "$work/tree.zip" | cut -f1)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N -w 1 -r "${RUNS:-5}" --export-markdown "$work/zip_vs_files.md" \
  "$bin hash -t 1 -q --no-summary -o /dev/null $work/tree" \
  "$bin hash -t 1 -q --no-summary -o /dev/null $work/tree.zip"
cat "$work/zip_vs_files.md"
# CPU seconds (user+sys) of each, the steadier figure on a shared machine.
for input in "$work/tree" "$work/tree.zip"; do
  m=$(/usr/bin/time -f "%e %U %S %M" "$bin" hash -t 1 -q --no-summary -o /dev/null "$input" 2>&1 >/dev/null | tail -1)
  read -r wall user sys rss <<<"$m"
  echo "$(basename "$input"): wall_s=$wall cpu_s=$(echo "$user + $sys" | bc) max_rss_kb=$rss"
done

big=$(find "$work/tree" -name '*.jpg' -size +1500k | head -1)
if [ ! -f "$work/big.tar" ]; then
  /usr/bin/python3 - "$big" "$work/big.tar" "$big_members" <<'EOF'
import sys, tarfile
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with tarfile.open(out, "w") as t:
    for i in range(n):
        t.add(src, f"m{i:05d}.jpg")
EOF
fi
echo "big.tar: $(du -sh "$work/big.tar" | cut -f1), $big_members x $(du -k "$big" | cut -f1) KiB"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for input in "$big" "$work/big.tar"; do
  m=$(/usr/bin/time -f "%e %M" "$bin" hash -t 1 -q --no-summary -o /dev/null "$input" 2>&1 >/dev/null | tail -1)
  read -r wall rss <<<"$m"
  echo "$(basename "$input"): wall_s=$wall max_rss_kb=$rss"
done
