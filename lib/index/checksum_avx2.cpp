// XXH3-64 compiled for avx2 (per-file ISA flags; called only after the CPU
// check in checksum.cpp). XXH_INLINE_ALL keeps every xxhash symbol local here.
#include "index/checksum.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace pdqguard::detail {

std::uint64_t checksum64_avx2(const void* p, std::size_t n) noexcept { return XXH3_64bits(p, n); }

}  // namespace pdqguard::detail
