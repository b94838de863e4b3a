# bash completion for pdqguard (installed as share/bash-completion/completions/pdqguard).
# Subcommands, options and option values are read from the program's own --help
# (CLI11's layout) when completing, so they are never out of date; it needs only
# bash, not the bash-completion package.

# Prints "sub NAME", "opt NAME TYPE" or "opt NAME TYPE CHOICE,CHOICE" lines for the
# command `$1 $2...` (the program, then the subcommand path).
_pdqguard_help() {
  "$@" --help 2>/dev/null | awk '
    /^(Options|Subcommands|Positionals):$/ { section = $0; next }
    /^$/ { section = ""; next }
    section == "Subcommands:" && /^  [a-z]/ { print "sub", $1; next }
    section == "Options:" && /^  -/ {
      type = ""; choices = ""
      if ($2 ~ /^[A-Z]+/) {
        type = $2; sub(/:.*/, "", type)
        if ($2 ~ /:\{/) { choices = $2; sub(/^[^{]*\{/, "", choices); sub(/\}.*/, "", choices) }
      }
      n = split($1, names, ",")
      for (i = 1; i <= n; i++) {
        o = names[i]; sub(/\{.*$/, "", o)
        print "opt", o, (type == "" ? "-" : type), choices
      }
    }'
}

_pdqguard() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  local -a cmd=("${COMP_WORDS[0]}")
  local help kind name type choices i w
  # The subcommand path: the words before the cursor that name a subcommand of
  # the path so far (option values and inputs are skipped).
  help=$(_pdqguard_help "${cmd[@]}")
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    [[ $w == -* ]] && continue
    if grep -qxF -- "sub $w" <<<"$help"; then
      cmd+=("$w")
      help=$(_pdqguard_help "${cmd[@]}")
    fi
  done
  COMPREPLY=()
  # The value of an option: its choices, a file for TEXT/FILE/DIR/PATH, nothing for numbers.
  if [[ $prev == -* ]]; then
    while read -r kind name type choices; do
      [[ $kind == opt && $name == "$prev" && $type != - ]] || continue
      if [[ -n $choices ]]; then
        mapfile -t COMPREPLY < <(compgen -W "${choices//,/ }" -- "$cur")
      elif [[ $type == TEXT || $type == FILE || $type == DIR || $type == PATH ]]; then
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        compopt -o filenames 2>/dev/null
      fi
      return 0
    done <<<"$help"
  fi
  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(awk '$1 == "opt" { print $2 }' <<<"$help")" -- "$cur")
    return 0
  fi
  local subs
  subs=$(awk '$1 == "sub" { print $2 }' <<<"$help")
  if [[ -n $subs ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
    [[ ${#COMPREPLY[@]} -gt 0 || ${#cmd[@]} -eq 1 ]] && return 0
  fi
  # Inputs: files and directories.
  mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  compopt -o filenames 2>/dev/null
  return 0
}

complete -F _pdqguard pdqguard
