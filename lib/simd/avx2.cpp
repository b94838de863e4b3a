// The AVX2 path: 8 float lanes. Compiled with -mavx2 only (lib/simd/CMakeLists.txt)
// and only called after the CPUID check in dispatch.cpp. The algorithm and the
// exactness argument are in stream_impl.hpp.
#include <immintrin.h>

#include "simd/stream_impl.hpp"

namespace pdqguard::detail {
namespace {

struct V256 {
  using F = __m256;
  static constexpr int L = 8;
  static constexpr int kRgb3Reads = 32;  // a full load for 8 RGB pixels reads 32 bytes

  static F zero() { return _mm256_setzero_ps(); }
  static F set1(float x) { return _mm256_set1_ps(x); }
  static F load(const float* p) { return _mm256_load_ps(p); }
  static F loadu(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, F v) { _mm256_store_ps(p, v); }
  static void storeu(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }

  /// In-place 8x8 transpose: afterwards r[c] lane k = old r[k] lane c.
  /// Always inlined, as in avx512.cpp: out of line, the call passes the vectors
  /// through memory.
  [[gnu::always_inline]] static void transpose(F* r) {
    F t[8], u[8];
    for (int i = 0; i < 4; ++i) {
      t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; ++i) {
      u[4 * i + 0] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
      u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
      u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
      u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    // u[4i+c], 128-bit lane q = rows 4i..4i+3 of column 4q+c.
    for (int c = 0; c < 4; ++c) {
      r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
      r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
    }
  }

  static F to_float(__m256i x) { return _mm256_cvtepi32_ps(x); }
  /// ((0.299f*R) + (0.587f*G)) + (0.114f*B), as the reference.
  static F luma(__m256i r, __m256i g, __m256i b) {
    return add(add(mul(set1(kLumaR), to_float(r)), mul(set1(kLumaG), to_float(g))),
               mul(set1(kLumaB), to_float(b)));
  }
  static F gray(const std::uint8_t* p) {
    return to_float(_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
  static __m256i pick3(__m256i x, int pos) {
    const __m256i m = _mm256_setr_epi8(
        static_cast<char>(pos), -1, -1, -1, static_cast<char>(3 + pos), -1, -1, -1, static_cast<char>(6 + pos), -1,
        -1, -1, static_cast<char>(9 + pos), -1, -1, -1, static_cast<char>(pos), -1, -1, -1, static_cast<char>(3 + pos),
        -1, -1, -1, static_cast<char>(6 + pos), -1, -1, -1, static_cast<char>(9 + pos), -1, -1, -1);
    return _mm256_shuffle_epi8(x, m);
  }
  template <int R, int G, int B>
  static F rgb3_from(__m256i x) {
    // 128-bit lane q gets bytes 12q .. 12q+15: pixels 4q .. 4q+3.
    x = _mm256_permutevar8x32_epi32(x, _mm256_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6));
    return luma(pick3(x, R), pick3(x, G), pick3(x, B));
  }
  template <int R, int G, int B>
  static F rgb3(const std::uint8_t* p) {
    return rgb3_from<R, G, B>(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  template <int R, int G, int B>
  static F rgb3_masked(const std::uint8_t* p) {  // reads exactly 24 bytes
    const __m256i m = _mm256_setr_epi32(-1, -1, -1, -1, -1, -1, 0, 0);
    return rgb3_from<R, G, B>(_mm256_maskload_epi32(reinterpret_cast<const int*>(p), m));
  }
  template <int R, int G, int B>
  static F rgb4(const std::uint8_t* p) {
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i ff = _mm256_set1_epi32(0xFF);
    return luma(_mm256_and_si256(_mm256_srli_epi32(x, 8 * R), ff),
                _mm256_and_si256(_mm256_srli_epi32(x, 8 * G), ff),
                _mm256_and_si256(_mm256_srli_epi32(x, 8 * B), ff));
  }
};

void downsample64_avx2(const FrameView& f, float* out, Scratch& s) {
  downsample64_simd<V256, 4>(f, out, s);
}
void downsample64_rows_avx2(PixelFormat fmt, int w, int h, RowSource& src, float* out,
                            Scratch& s) {
  downsample64_rows_simd<V256, 4>(fmt, w, h, src, out, s);
}
void dct64to16_avx2(const float* a, float* b) { dct64to16_simd<V256>(a, b); }

}  // namespace

const KernelTable kAvx2Kernels{Isa::avx2,         downsample64_avx2, downsample64_rows_avx2,
                               dct64to16_avx2,    {"avx2", flat_radius_avx2},
                               mih_radius_popcnt, bk_radius_popcnt};

}  // namespace pdqguard::detail
