#!/usr/bin/env bash
# The generated pdqguard(1) renders without a single groff warning (all warnings
# on, and through man(1) at three widths), and documents what the program has:
# every subcommand and every option of every subcommand, read from its --help.
#   manpage_check.sh <pdqguard.1> <pdqguard binary>
set -euo pipefail
page="$1"
bin="$2"
[[ -s "$page" ]] || { echo "FAIL: $page missing or empty"; exit 1; }
warnings="$(groff -man -Tutf8 -ww -z "$page" 2>&1)"
[[ -z "$warnings" ]] || { echo "FAIL: groff warnings:"; echo "$warnings"; exit 1; }
text=""
if command -v man >/dev/null; then
  for width in 60 80 132; do
    err="$(MANWIDTH=$width man -l "$page" 2>&1 >/dev/null)"
    [[ -z "$err" ]] || { echo "FAIL: man -l at width $width:"; echo "$err"; exit 1; }
  done
  text="$(MANWIDTH=1000 man -l "$page" 2>/dev/null)"
else
  text="$(groff -man -Tutf8 -rLL=1000n "$page" 2>/dev/null)"
fi
missing=0
need() { grep -qF -- "$1" <<<"$text" || { echo "FAIL: the man page does not mention '$1'"; missing=$((missing + 1)); }; }
subcommands() {  # the subcommands in `pdqguard WORDS... --help`
  "$bin" "$@" --help | awk '/^Subcommands:$/ { s = 1; next } /^$/ { s = 0 } s && /^  [a-z]/ { print $1 }'
}
options() {  # the long options in `pdqguard WORDS... --help`
  "$bin" "$@" --help | grep -oE -- '--[a-z0-9][a-z0-9-]*' | sort -u
}
for sub in $(subcommands); do
  need "pdqguard $sub"
  nested="$(subcommands "$sub")"
  if [[ -n "$nested" ]]; then
    for n in $nested; do
      need "pdqguard $sub $n"
      for o in $(options "$sub" "$n"); do need "$o"; done
    done
  fi
  for o in $(options "$sub"); do need "$o"; done
done
for s in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" ffprobe "--size 720x1280"; do need "$s"; done
((missing == 0)) || exit 1
echo "OK: pdqguard(1) renders cleanly and lists every subcommand and option"
