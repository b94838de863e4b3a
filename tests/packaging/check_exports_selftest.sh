#!/usr/bin/env bash
# check_exports.sh must reject each kind of leak: it is fed one exported name at a
# time (CHECK_EXPORTS_SYMBOLS) and must fail, for the stated reason.
#   check_exports_selftest.sh <check_exports.sh> <include/pdqguard>
set -uo pipefail
check="$1"
incdir="$2"
work="$(mktemp -d "${TMPDIR:-/tmp}/pdqguard-exports.XXXXXX")"
trap 'rm -rf "$work"' EXIT
failures=0
expect_fail() {  # <symbol> <reason the output must contain>
  printf '%s\n' "$1" >"$work/symbols"
  local out
  if out="$(CHECK_EXPORTS_SYMBOLS="$work/symbols" bash "$check" /dev/null "$incdir" 2>&1)"; then
    echo "FAIL: accepted '$1'"
    failures=$((failures + 1))
  elif [[ "$out" != *"$2"* ]]; then
    echo "FAIL: rejected '$1' but not for '$2':"
    echo "$out"
    failures=$((failures + 1))
  else
    echo "ok: rejects $1 ($2)"
  fi
}
expect_fail '_ZN8pdqguard6detail11kernels_forENS_3IsaE' 'internal name'        # pdqguard::detail::kernels_for
expect_fail 'pdqguard::Matcher::impl() const' 'internal name'
expect_fail 'pdqguard::Matcher::Impl::search(int) const' 'internal name'
expect_fail '_ZN8pdqguard12_GLOBAL__N_14helpEv' 'internal name'                # anonymous namespace
expect_fail 'pdqguard::capi::thread_error()' 'internal name'
expect_fail 'pdqguard::undeclared_helper_xyz(int)' 'no public header declares it'
expect_fail 'pdqguard::Hasher::undeclared_member_xyz()' 'member no public header declares'
expect_fail 'pdqguard::Base::radius(int) const' 'member of a class no public header exports'
expect_fail 'typeinfo for pdqguard::Base' 'not a public class'
expect_fail 'std::vector<int, std::allocator<int> >::push_back(int const&)' 'not a pdqguard:: function'
expect_fail 'pdqg_not_in_any_header' 'exported, not declared'
# and the documented names pass the name rules (then fail only the C API comparison)
expect_fail 'pdqguard::Matcher::search_radius(pdqguard::Hash256 const&, int, std::vector<pdqguard::Hit, std::allocator<pdqguard::Hit> >&) const' 'C headers and exports differ'
((failures == 0)) || exit 1
echo "OK: check_exports.sh rejects every kind of leak"
