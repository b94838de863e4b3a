// The MIH and BK-tree query loops compiled with -mpopcnt, for the avx2 and avx512
// KernelTables of lib/simd (whose CPU check requires POPCNT for both). Unlike the
// AVX files it uses std::vector inline (its hot loops push_back); -mpopcnt alone
// changes only how bits are counted, which no library code it inlines does, so
// the copies the linker may keep from here run on any x86-64.
#include "index/core.hpp"

#include <algorithm>
#include <bit>
#include <vector>

#define PDQ_QUERY_SUFFIX popcnt
#include "index/mih_query.inc"
