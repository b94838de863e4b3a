// Internal: the per-instruction-set kernel table behind hashing and matching,
// the one place where a SIMD path is chosen (dispatch.cpp: one CPU check, one
// read of PDQGUARD_ISA at first use, force_isa for tests and benchmarks).
//
// Hashing: every kernel must produce bit-for-bit the values of the scalar path,
// which is a faithful port of the reference (facebook/ThreatExchange pdq/cpp).
// The rules: vectorise across independent outputs (rows, columns, coefficients),
// keep each output's own sequence of float operations, never fuse multiply-adds
// (-ffp-contract=off), divide where the reference divides.
//
// Matching (lib/index): every path's search kernels return the same set of hits
// as the scalar ones (distances are integers; only the order may differ).
#pragma once

#include <pdqguard/hasher.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pdqguard {
struct Hit;  // <pdqguard/index.hpp>
}  // namespace pdqguard

namespace pdqguard::detail {

/// The reference's luma coefficients (fillFloatLumaFromRGB): double literals
/// rounded to float. Luma is ((kLumaR*R) + (kLumaG*G)) + (kLumaB*B) in that order.
inline constexpr float kLumaR = 0.299f;
inline constexpr float kLumaG = 0.587f;
inline constexpr float kLumaB = 0.114f;

// Index structures the matching kernels search (lib/index/core.hpp).
template <class T>
struct View;
struct MihView;
struct BkNode;

/// Hits without ordering; search kernels append here.
using HitVec = std::vector<Hit>;
/// For each of `nq` queries, appends every i in [0,n) with distance(hs[i], q) <= r
/// as Hit{i, d, query index}. Order unspecified.
using FlatRadiusFn = void (*)(const Hash256* hs, std::size_t n, const Hash256* qs, std::size_t nq, int r,
                              HitVec& out);
/// The same through a multi-index-hashing table (lib/index/mih_query.inc), for a
/// radius the table can answer exactly (mih_radius in mih.cpp decides).
using MihRadiusFn = void (*)(const MihView& mv, const View<Hash256>& hs, const Hash256* qs, std::size_t nq,
                             int r, HitVec& out);
/// The same through a BK-tree (lib/index/mih_query.inc).
using BkRadiusFn = void (*)(const View<BkNode>& nodes, const View<Hash256>& hs, const Hash256* qs,
                            std::size_t nq, int r, HitVec& out);
/// A flat-scan kernel and the name Matcher::describe() reports for it.
struct FlatKernels {
  const char* name;
  FlatRadiusFn radius;
};

/// Scratch memory owned by a Hasher; kernels grow it as they need. Not shared
/// between threads.
struct Scratch {
  std::vector<float> a;
  std::vector<float> b;
  std::vector<float> c;
};

/// A pointer to at least `n` floats of `v`, aligned to 64 bytes (grows `v`; the
/// floats' values are unspecified: zero when new, else left from earlier use). Defined in scalar.cpp so that no
/// std::vector code is instantiated in the SIMD translation units (their inline
/// copies, compiled with AVX flags, could otherwise be the ones the linker keeps).
float* aligned_floats(std::vector<float>& v, std::size_t n);

/// Geometry of the blur and decimation of a W x H frame (both sides >= 5).
struct Resample {
  const std::uint8_t* luma = nullptr;  ///< the luma-carrying plane (planes[0])
  std::ptrdiff_t stride = 0;           ///< its row stride in bytes, 0 resolved
  int win_rows = 1;  ///< box window along rows (horizontal), from the width
  int win_cols = 1;  ///< box window along columns (vertical), from the height
  int col_at[64]{};  ///< column sampled for output column j
  int row_at[64]{};  ///< row sampled for output row i
};
/// Fills `r` for frame `f` (windows and samples as the reference's jarosz window
/// size and decimateFloat compute them). Defined in scalar.cpp for the same
/// reason: the SIMD files then need no inline code from the standard library
/// (not even std::array::operator[], which a -O0 build emits out of line).
void make_resample(const FrameView& f, Resample& r);
/// The same geometry from the size alone (luma and stride left empty).
void make_resample_wh(int w, int h, Resample& r);

/// One implementation of the heavy stages.
struct KernelTable {
  Isa isa;
  /// Luma of `f` (validated, both sides >= 5), blurred by the reference's Jarosz
  /// tent filter (two passes of box-along-rows then box-along-columns, windows
  /// ceil(W/128) and ceil(H/128)) and decimated to 64x64 (row-major) exactly as
  /// the reference's decimateFloat samples it.
  void (*downsample64)(const FrameView& f, float* out64x64, Scratch& scratch);
  /// The same for a single-plane frame of format `fmt` whose rows are pulled
  /// from `src` a strip at a time (at most kMaxRowsPerPull rows per call), so the
  /// whole frame never has to exist in memory. Null when the path has no
  /// streamed form (the caller then gathers the rows into a frame).
  void (*downsample64_rows)(PixelFormat fmt, int w, int h, RowSource& src, float* out64x64,
                            Scratch& scratch);
  /// out16x16 = D * in64x64 * D^T with the reference's DCT matrix D (16x64) and its
  /// summation order (one sequential sum over k per output, first D*A, then *D^T).
  void (*dct64to16)(const float* in64x64, float* out16x16);

  // --- matching (lib/index) ---
  /// Brute-force scan of a hash array.
  FlatKernels flat;
  /// Query loop of a MIH table (popcount instructions on the SIMD paths, the
  /// portable bit count on the scalar path).
  MihRadiusFn mih_radius;
  /// Query loop of a BK-tree (idem).
  BkRadiusFn bk_radius;
};

/// The most rows a kernel asks a RowSource for in one call.
inline constexpr int kMaxRowsPerPull = 32;

/// The table of the active path (see pdqguard::active_isa), for hashing and
/// matching alike. Throws Error(unsupported_isa) when PDQGUARD_ISA names a path
/// this CPU or build lacks, or an unknown one (read once, at first use).
const KernelTable& active_kernels();
/// The table for `isa`; throws Error(unsupported_isa) if it cannot run here.
/// (The avx512 table's flat scan is the AVX-512 VPOPCNTDQ kernel when the CPU has
/// that extension, else the AVX2 one.)
const KernelTable& kernels_for(Isa isa);

/// The reference's DCT matrix, 16 rows x 64 columns, row-major, computed once as
/// the reference computes it (double cosines rounded to float).
const float* dct_matrix();
/// The same matrix transposed: 64 rows x 16 columns (DT[k][j] = D[j][k]).
const float* dct_matrix_transposed();

// --- scalar building blocks, shared by the scalar table, the SIMD tables' edge
// --- handling, the 64x64 no-blur path, tests and benchmarks.

/// Luma of a frame into a packed row-major W x H float plane.
void luma_scalar(const FrameView& f, float* out);
/// The reference's box1DFloat: a running-sum box filter of `full_window` over
/// `n` samples spaced `stride` apart.
void box1d_scalar(const float* in, float* out, int n, std::ptrdiff_t stride, int full_window);
/// The reference's computeJaroszFilterWindowSize(old, 64).
constexpr int jarosz_window(int side) noexcept { return (side + 2 * 64 - 1) / (2 * 64); }
/// Row (or column) index that decimateFloat samples for output index `out_i` of 64.
constexpr int decimate_index(int out_i, int side) noexcept {
  return static_cast<int>(((out_i + 0.5) * side) / 64);
}

// --- the matching kernels, one set per path (lib/index) ---
void flat_radius_scalar(const Hash256* hs, std::size_t n, const Hash256* qs, std::size_t nq, int r, HitVec& out);
void mih_radius_generic(const MihView& mv, const View<Hash256>& hs, const Hash256* qs, std::size_t nq, int r,
                        HitVec& out);
void bk_radius_generic(const View<BkNode>& nodes, const View<Hash256>& hs, const Hash256* qs, std::size_t nq,
                       int r, HitVec& out);
#if defined(PDQGUARD_HAVE_AVX2)
// flat_avx2.cpp (-mavx2 -mpopcnt), mih_popcnt.cpp (-mpopcnt)
void flat_radius_avx2(const Hash256* hs, std::size_t n, const Hash256* qs, std::size_t nq, int r, HitVec& out);
void mih_radius_popcnt(const MihView& mv, const View<Hash256>& hs, const Hash256* qs, std::size_t nq, int r,
                       HitVec& out);
void bk_radius_popcnt(const View<BkNode>& nodes, const View<Hash256>& hs, const Hash256* qs, std::size_t nq,
                      int r, HitVec& out);
#endif
#if defined(PDQGUARD_HAVE_AVX512)
// flat_avx512.cpp (-mavx512f -mavx512vpopcntdq)
void flat_radius_avx512(const Hash256* hs, std::size_t n, const Hash256* qs, std::size_t nq, int r, HitVec& out);
#endif

extern const KernelTable kScalarKernels;
#if defined(PDQGUARD_HAVE_AVX2)
extern const KernelTable kAvx2Kernels;
#endif
#if defined(PDQGUARD_HAVE_AVX512)
/// kAvx512Kernels needs AVX-512 VPOPCNTDQ for its flat scan; the other table is
/// the same with the AVX2 flat scan, for AVX-512 CPUs without that extension.
extern const KernelTable kAvx512Kernels;
extern const KernelTable kAvx512NoVpopcntKernels;
#endif

}  // namespace pdqguard::detail
