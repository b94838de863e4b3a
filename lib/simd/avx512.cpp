// The AVX-512 path (F, BW, VL, DQ): 16 float lanes. Compiled with its own -m
// flags (lib/simd/CMakeLists.txt) and only called after the CPUID check in
// dispatch.cpp. The algorithm and the exactness argument are in stream_impl.hpp.
#include <immintrin.h>

#include "simd/stream_impl.hpp"

namespace pdqguard::detail {
namespace {

struct V512 {
  using F = __m512;
  static constexpr int L = 16;
  static constexpr int kRgb3Reads = 64;  // a full load for 16 RGB pixels reads 64 bytes

  static F zero() { return _mm512_setzero_ps(); }
  static F set1(float x) { return _mm512_set1_ps(x); }
  static F load(const float* p) { return _mm512_load_ps(p); }
  static F loadu(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, F v) { _mm512_store_ps(p, v); }
  static void storeu(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }

  /// In-place 16x16 transpose: afterwards r[c] lane k = old r[k] lane c.
  /// Always inlined: GCC 12 otherwise emits it out of line, and the call passes
  /// the 16 vectors through memory (perf: ~20% of the streamed hash time at 3 MP).
  [[gnu::always_inline]] static void transpose(F* r) {
    F t[16], u[16];
    for (int i = 0; i < 8; ++i) {
      t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; ++i) {
      u[4 * i + 0] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
      u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
      u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
      u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    // u[4i+c], 128-bit lane q = rows 4i..4i+3 of column 4q+c.
    for (int c = 0; c < 4; ++c) {
      const F v0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88);
      const F v1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
      const F w0 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
      const F w1 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
      r[0 + c] = _mm512_shuffle_f32x4(v0, w0, 0x88);
      r[4 + c] = _mm512_shuffle_f32x4(v1, w1, 0x88);
      r[8 + c] = _mm512_shuffle_f32x4(v0, w0, 0xDD);
      r[12 + c] = _mm512_shuffle_f32x4(v1, w1, 0xDD);
    }
  }

  static F to_float(__m512i x) { return _mm512_cvtepi32_ps(x); }
  /// ((0.299f*R) + (0.587f*G)) + (0.114f*B), as the reference.
  static F luma(__m512i r, __m512i g, __m512i b) {
    return add(add(mul(set1(kLumaR), to_float(r)), mul(set1(kLumaG), to_float(g))),
               mul(set1(kLumaB), to_float(b)));
  }
  static F gray(const std::uint8_t* p) {
    return to_float(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  }
  /// Byte `pos` of each 3-byte pixel of a 128-bit lane holding 4 pixels, zero-extended.
  static __m512i pick3(__m512i x, int pos) {
    const __m128i m = _mm_setr_epi8(static_cast<char>(pos), -1, -1, -1, static_cast<char>(3 + pos), -1, -1, -1,
                                    static_cast<char>(6 + pos), -1, -1, -1, static_cast<char>(9 + pos), -1, -1, -1);
    return _mm512_shuffle_epi8(x, _mm512_broadcast_i32x4(m));
  }
  template <int R, int G, int B>
  static F rgb3_from(__m512i x) {
    // 128-bit lane q gets bytes 12q .. 12q+15 (dwords 3q .. 3q+3): pixels 4q .. 4q+3.
    const __m512i idx = _mm512_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6, 6, 7, 8, 9, 9, 10, 11, 12);
    x = _mm512_permutexvar_epi32(idx, x);
    return luma(pick3(x, R), pick3(x, G), pick3(x, B));
  }
  template <int R, int G, int B>
  static F rgb3(const std::uint8_t* p) {
    return rgb3_from<R, G, B>(_mm512_loadu_si512(p));
  }
  template <int R, int G, int B>
  static F rgb3_masked(const std::uint8_t* p) {  // reads exactly 48 bytes
    return rgb3_from<R, G, B>(_mm512_maskz_loadu_epi32(0x0FFF, p));
  }
  template <int R, int G, int B>
  static F rgb4(const std::uint8_t* p) {
    const __m512i x = _mm512_loadu_si512(p);
    const __m512i ff = _mm512_set1_epi32(0xFF);
    return luma(_mm512_and_si512(_mm512_srli_epi32(x, 8 * R), ff),
                _mm512_and_si512(_mm512_srli_epi32(x, 8 * G), ff),
                _mm512_and_si512(_mm512_srli_epi32(x, 8 * B), ff));
  }
};

void downsample64_avx512(const FrameView& f, float* out, Scratch& s) {
  downsample64_simd<V512, 2>(f, out, s);
}
void downsample64_rows_avx512(PixelFormat fmt, int w, int h, RowSource& src, float* out,
                            Scratch& s) {
  downsample64_rows_simd<V512, 1>(fmt, w, h, src, out, s);
}
void dct64to16_avx512(const float* a, float* b) { dct64to16_simd<V512>(a, b); }

}  // namespace

const KernelTable kAvx512Kernels{Isa::avx512,       downsample64_avx512, downsample64_rows_avx512,
                                 dct64to16_avx512,  {"avx512-vpopcntdq", flat_radius_avx512},
                                 mih_radius_popcnt, bk_radius_popcnt};
const KernelTable kAvx512NoVpopcntKernels{Isa::avx512,       downsample64_avx512, downsample64_rows_avx512,
                                          dct64to16_avx512,  {"avx2", flat_radius_avx2},
                                          mih_radius_popcnt, bk_radius_popcnt};

}  // namespace pdqguard::detail
