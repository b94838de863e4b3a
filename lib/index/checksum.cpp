#include "index/checksum.hpp"

#include "simd/kernels.hpp"

#include <xxhash.h>

namespace pdqguard::detail {

std::uint64_t checksum64(const void* p, std::size_t n) {
#if defined(PDQGUARD_HAVE_AVX512)
  // The path lib/simd chose (its one CPU check and PDQGUARD_ISA); every path
  // gives the same value.
  switch (active_kernels().isa) {
    case Isa::avx512: return checksum64_avx512(p, n);
    case Isa::avx2: return checksum64_avx2(p, n);
    case Isa::scalar: break;
  }
#endif
  return XXH3_64bits(p, n);
}

}  // namespace pdqguard::detail
