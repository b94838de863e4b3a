// Flat scan with AVX-512 VPOPCNTDQ. Eight hashes are transposed into four
// registers (word k of hashes 0..7 in register k) once, then every query of the
// batch costs 4 xor + 4 vpopcntq + 3 adds + 1 compare per eight hashes.
// Compiled with -mavx512f -mavx512vpopcntdq; entered only through the avx512
// KernelTable of a CPU that has VPOPCNTDQ (lib/simd's CPU check). No inline
// library code here, for the reason flat_avx2.cpp gives.
#include "index/core.hpp"

#include <immintrin.h>

namespace pdqguard::detail {

void flat_radius_avx512(const Hash256* hs, std::size_t n, const Hash256* qs, std::size_t nq, int r, HitVec& out) {
  const __m512i idx_a = _mm512_setr_epi64(0, 4, 8, 12, 1, 5, 9, 13);
  const __m512i idx_b = _mm512_setr_epi64(2, 6, 10, 14, 3, 7, 11, 15);
  const __m512i idx_lo = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11);
  const __m512i idx_hi = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
  const __m512i rv = _mm512_set1_epi64(r);
  std::size_t i = 0;
  alignas(64) std::uint64_t dist[8];
  for (; i + 8 <= n; i += 8) {
    const auto* p = reinterpret_cast<const std::uint64_t*>(hs + i);
    const __m512i a0 = _mm512_loadu_si512(p), a1 = _mm512_loadu_si512(p + 8);
    const __m512i a2 = _mm512_loadu_si512(p + 16), a3 = _mm512_loadu_si512(p + 24);
    const __m512i b0 = _mm512_permutex2var_epi64(a0, idx_a, a1);
    const __m512i b1 = _mm512_permutex2var_epi64(a0, idx_b, a1);
    const __m512i b2 = _mm512_permutex2var_epi64(a2, idx_a, a3);
    const __m512i b3 = _mm512_permutex2var_epi64(a2, idx_b, a3);
    const __m512i w0 = _mm512_permutex2var_epi64(b0, idx_lo, b2);
    const __m512i w1 = _mm512_permutex2var_epi64(b0, idx_hi, b2);
    const __m512i w2 = _mm512_permutex2var_epi64(b1, idx_lo, b3);
    const __m512i w3 = _mm512_permutex2var_epi64(b1, idx_hi, b3);
    for (std::size_t j = 0; j < nq; ++j) {
      const auto* q = reinterpret_cast<const std::uint64_t*>(qs + j);
      const __m512i d0 = _mm512_popcnt_epi64(_mm512_xor_si512(w0, _mm512_set1_epi64(static_cast<long long>(q[0]))));
      const __m512i d1 = _mm512_popcnt_epi64(_mm512_xor_si512(w1, _mm512_set1_epi64(static_cast<long long>(q[1]))));
      const __m512i d2 = _mm512_popcnt_epi64(_mm512_xor_si512(w2, _mm512_set1_epi64(static_cast<long long>(q[2]))));
      const __m512i d3 = _mm512_popcnt_epi64(_mm512_xor_si512(w3, _mm512_set1_epi64(static_cast<long long>(q[3]))));
      const __m512i d = _mm512_add_epi64(_mm512_add_epi64(d0, d1), _mm512_add_epi64(d2, d3));
      unsigned m = _mm512_cmple_epu64_mask(d, rv);
      if (m != 0) [[unlikely]] {
        _mm512_store_si512(dist, d);
        flat_push_hits(out, i, dist, m, j);
      }
    }
  }
  flat_radius_scalar_from(hs, i, n, qs, nq, r, out);
}

}  // namespace pdqguard::detail
