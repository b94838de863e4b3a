// The MIH and BK-tree query loops compiled with -mpopcnt (called only when the CPU has it).
#include "index/core.hpp"

#include <algorithm>
#include <bit>
#include <vector>

#define PDQ_QUERY_SUFFIX popcnt
#include "index/mih_query.inc"
