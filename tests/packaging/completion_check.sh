#!/usr/bin/env bash
# The bash completion script (packaging/pdqguard.bash) completes what the program
# has: subcommands at each level, each subcommand's options, option choices, and
# files for inputs and file options. Drives the completion function as bash does
# (COMP_WORDS/COMP_CWORD) against the built pdqguard, found on PATH.
#   completion_check.sh <completion script> <directory of the pdqguard binary>
set -uo pipefail
script="$1"
export PATH="$2:$PATH"
# shellcheck source=/dev/null
source "$script" || { echo "FAIL: cannot source $script"; exit 1; }
spec="$(complete -p pdqguard)"
[[ "$spec" == *"-F _pdqguard"* ]] || { echo "FAIL: complete -p pdqguard: '$spec'"; exit 1; }
fails=0
# complete WORDS... : completes the last word; prints COMPREPLY one a line.
complete_words() {
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMP_LINE="$*"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _pdqguard pdqguard "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  printf '%s\n' "${COMPREPLY[@]}" | sort
}
# check yes|no "WORDS" WORD... : each WORD must (yes) or must not (no) be offered when
# completing the command line WORDS (a trailing space: completing an empty word).
check() {
  local want="$1" line="$2"; shift 2
  local -a words
  read -ra words <<<"$line"
  [[ "$line" == *" " ]] && words+=("")
  local got
  got="$(complete_words "${words[@]}")"
  for w in "$@"; do
    if grep -qxF -- "$w" <<<"$got"; then [[ $want == yes ]] && continue
    else [[ $want == no ]] && continue
    fi
    echo "FAIL: '$line' $([[ $want == yes ]] && echo "does not offer" || echo offers) '$w';" \
         "offered: $(tr '\n' ' ' <<<"$got")"
    fails=$((fails + 1))
  done
}
expect() { check yes "$@"; }
refuse() { check no "$@"; }

expect "pdqguard " hash scan match compare index video
expect "pdqguard s" scan
refuse "pdqguard s" hash index
expect "pdqguard --v" --version
expect "pdqguard scan --th" --threshold --threads
refuse "pdqguard scan --th" --list
expect "pdqguard scan -" --list --index --resume --matches-only --raw --size -0 --null
expect "pdqguard hash -" --dihedral --raw
refuse "pdqguard hash -" --list --threshold
expect "pdqguard scan --format " jsonl csv table
expect "pdqguard scan -t 4 --format c" csv
expect "pdqguard index " build info verify
expect "pdqguard index build -" -o
expect "pdqguard video " hash match
expect "pdqguard compare --" --dihedral --threshold
# Inputs and file options complete file names (the script's own directory here).
dir="$(dirname "$script")"
base="$(basename "$script")"
expect "pdqguard scan $dir/" "$dir/$base"
expect "pdqguard scan --list $dir/" "$dir/$base"
# A numeric option's value: no file names.
refuse "pdqguard scan --threshold $dir/" "$dir/$base"
if ((fails)); then echo "$fails completion checks failed"; exit 1; fi
echo "OK: completion offers the subcommands, options and values"
