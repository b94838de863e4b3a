// Flat scan with AVX2. Four hashes are transposed into four registers (word k
// of hashes 0..3 in register k) once; per query, the popcount of each xor is
// taken by nibble lookup (vpshufb), the byte counts of the four words added and
// summed per 64-bit lane with vpsadbw. Compiled with -mavx2 -mpopcnt; entered
// only through the avx2 (or avx512) KernelTable, after lib/simd's CPU check.
// Like every file compiled with ISA flags, it calls no inline library code (no
// std::vector, no std::array members): the linker could otherwise keep this
// file's AVX copy of such a function for all callers. Hits go through
// flat_push_hits (flat.cpp), hashes are read as their four words.
#include "index/core.hpp"

#include <immintrin.h>

namespace pdqguard::detail {

namespace {
inline __m256i popcnt_bytes(__m256i x, __m256i lut, __m256i low) {
  const __m256i lo = _mm256_and_si256(x, low);
  const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), low);
  return _mm256_add_epi8(_mm256_shuffle_epi8(lut, lo), _mm256_shuffle_epi8(lut, hi));
}
}  // namespace

void flat_radius_avx2(const Hash256* hs, std::size_t n, const Hash256* qs, std::size_t nq, int r, HitVec& out) {
  const __m256i lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2,
                                       2, 3, 2, 3, 3, 4);
  const __m256i low = _mm256_set1_epi8(0x0f);
  const __m256i zero = _mm256_setzero_si256();
  const __m256i rv = _mm256_set1_epi64x(r);
  alignas(32) std::uint64_t dist[4];
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const auto* p = reinterpret_cast<const __m256i*>(hs + i);
    const __m256i a0 = _mm256_loadu_si256(p), a1 = _mm256_loadu_si256(p + 1);
    const __m256i a2 = _mm256_loadu_si256(p + 2), a3 = _mm256_loadu_si256(p + 3);
    const __m256i t0 = _mm256_unpacklo_epi64(a0, a1), t1 = _mm256_unpackhi_epi64(a0, a1);
    const __m256i t2 = _mm256_unpacklo_epi64(a2, a3), t3 = _mm256_unpackhi_epi64(a2, a3);
    const __m256i w0 = _mm256_permute2x128_si256(t0, t2, 0x20);
    const __m256i w2 = _mm256_permute2x128_si256(t0, t2, 0x31);
    const __m256i w1 = _mm256_permute2x128_si256(t1, t3, 0x20);
    const __m256i w3 = _mm256_permute2x128_si256(t1, t3, 0x31);
    for (std::size_t j = 0; j < nq; ++j) {
      const auto* q = reinterpret_cast<const std::uint64_t*>(qs + j);
      const __m256i c0 = popcnt_bytes(_mm256_xor_si256(w0, _mm256_set1_epi64x(static_cast<long long>(q[0]))), lut, low);
      const __m256i c1 = popcnt_bytes(_mm256_xor_si256(w1, _mm256_set1_epi64x(static_cast<long long>(q[1]))), lut, low);
      const __m256i c2 = popcnt_bytes(_mm256_xor_si256(w2, _mm256_set1_epi64x(static_cast<long long>(q[2]))), lut, low);
      const __m256i c3 = popcnt_bytes(_mm256_xor_si256(w3, _mm256_set1_epi64x(static_cast<long long>(q[3]))), lut, low);
      const __m256i c = _mm256_add_epi8(_mm256_add_epi8(c0, c1), _mm256_add_epi8(c2, c3));
      const __m256i d = _mm256_sad_epu8(c, zero);
      const __m256i gt = _mm256_cmpgt_epi64(d, rv);
      unsigned m = static_cast<unsigned>(~_mm256_movemask_pd(_mm256_castsi256_pd(gt))) & 0xfu;
      if (m != 0) [[unlikely]] {
        _mm256_store_si256(reinterpret_cast<__m256i*>(dist), d);
        flat_push_hits(out, i, dist, m, j);
      }
    }
  }
  flat_radius_scalar_from(hs, i, n, qs, nq, r, out);
}

}  // namespace pdqguard::detail
