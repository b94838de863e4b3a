// Flat scan: the portable kernel (the scalar path's; the SIMD paths' kernels are
// flat_avx2.cpp and flat_avx512.cpp, chosen through lib/simd's KernelTable).
#include "index/core.hpp"

#include <bit>

namespace pdqguard::detail {

void flat_radius_scalar(const Hash256* hs, std::size_t n, const Hash256* qs, std::size_t nq, int r, HitVec& out) {
  flat_radius_scalar_from(hs, 0, n, qs, nq, r, out);
}

void flat_radius_scalar_from(const Hash256* hs, std::size_t first, std::size_t n, const Hash256* qs,
                             std::size_t nq, int r, HitVec& out) {
  const auto ur = static_cast<unsigned>(r);
  for (std::size_t i = first; i < n; ++i) {
    const Hash256& h = hs[i];
    for (std::size_t j = 0; j < nq; ++j) {
      const unsigned d = static_cast<unsigned>(distance(h, qs[j]));
      if (d <= ur) out.push_back(Hit{static_cast<std::uint32_t>(i), d, static_cast<std::uint32_t>(j)});
    }
  }
}

void flat_push_hits(HitVec& out, std::size_t first, const std::uint64_t* dist, unsigned mask,
                    std::size_t query) {
  while (mask != 0) {
    const auto b = static_cast<unsigned>(std::countr_zero(mask));
    mask &= mask - 1;
    out.push_back(Hit{static_cast<std::uint32_t>(first + b), static_cast<std::uint32_t>(dist[b]),
                      static_cast<std::uint32_t>(query)});
  }
}

}  // namespace pdqguard::detail
