// Internal: the streamed blur + decimation and the 64->16 DCT, written once over
// a vector "traits" type V and included by avx2.cpp and avx512.cpp, each compiled
// with its own -m flags. Everything here has internal linkage (anonymous
// namespace) and uses no inline code from the standard library (FrameView is
// read through make_resample), so the AVX objects define no weak symbols that
// the linker could pick for code running on other CPUs (`nm` shows none, even at
// -O0).
//
// Exactness. The scalar path (scalar.cpp) is the definition: luma, then twice
// (box filter along every row, then along every column), then sample 64x64. Each
// box filter output is a running sum whose rounding depends on its whole history,
// so no pass can be skipped; but every output's own sequence of float operations
// is independent of every other output's, so we vectorise ACROSS outputs only:
//   - row filters (sequential along a row) run with one lane per ROW, on strips of
//     S rows transposed so that a column of the strip is one (or G) vectors;
//   - column filters (sequential down a column) run with one lane per COLUMN,
//     on rows, which are contiguous already.
// Each lane then performs exactly the scalar sequence: the same adds and
// subtracts in the same order, the same true IEEE division by the same count.
// No multiply-add is fused (-ffp-contract=off, and no -mfma).
//
// Streaming. Instead of four full-frame float passes, strips of S rows flow
// through: luma+transpose -> first row filter -> transpose into a ring of rows ->
// first column filter (one output row per input row, once its window is full) ->
// strips of S output rows -> transpose -> second row filter (runs along the whole
// row but divides and stores only at the 64 sampled columns) -> an H x 64 buffer
// -> second column filter on those 64 columns, dividing only at the 64 sampled
// rows. Working memory is O(S * W + H * 64) floats instead of O(W * H).
#pragma once

#include "simd/kernels.hpp"

#include <cstddef>
#include <cstdint>

namespace pdqguard::detail {
namespace {

/// How far ahead (bytes) luma loads prefetch along each row: the strip's rows
/// are read 16 or 8 pixels at a time, 32 rows at once, too many streams for the
/// hardware prefetcher to follow.
constexpr int kPrefetchBytes = 512;

inline int round_up(int x, int m) { return (x + m - 1) / m * m; }

// ---- luma loaders: L pixels starting at p into one vector --------------------

template <class V>
struct GrayPx {
  static constexpr int bpp = 1;
  static constexpr int reads = V::L;  // bytes a full load touches
  static typename V::F load(const std::uint8_t* p) { return V::gray(p); }
  static typename V::F load_safe(const std::uint8_t* p) { return V::gray(p); }
  static float scalar(const std::uint8_t* p) { return static_cast<float>(p[0]); }
};

template <class V, int R, int G, int B>
struct Rgb3Px {
  static constexpr int bpp = 3;
  static constexpr int reads = V::kRgb3Reads;
  static typename V::F load(const std::uint8_t* p) { return V::template rgb3<R, G, B>(p); }
  static typename V::F load_safe(const std::uint8_t* p) {
    return V::template rgb3_masked<R, G, B>(p);
  }
  static float scalar(const std::uint8_t* p) { return kLumaR * p[R] + kLumaG * p[G] + kLumaB * p[B]; }
};

template <class V, int R, int G, int B>
struct Rgb4Px {
  static constexpr int bpp = 4;
  static constexpr int reads = 4 * V::L;
  static typename V::F load(const std::uint8_t* p) { return V::template rgb4<R, G, B>(p); }
  static typename V::F load_safe(const std::uint8_t* p) { return V::template rgb4<R, G, B>(p); }
  static float scalar(const std::uint8_t* p) { return kLumaR * p[R] + kLumaG * p[G] + kLumaB * p[B]; }
};

/// Luma of the L columns c0 .. c0+L-1 of the S rows `rows` (rows past the
/// bottom repeat the last row; their results are never used), written
/// transposed: t[c * S + k] = luma(row k, column c0 + c); columns past the right
/// edge are 0.
template <class V, int S, class Px>
inline void luma_block_t(const std::uint8_t* const* rows, int c0, int w, float* t) {
  using F = typename V::F;
  constexpr int L = V::L;
  const bool fast = c0 * Px::bpp + Px::reads <= w * Px::bpp;
  const bool whole = c0 + L <= w;
  for (int g = 0; g < S / L; ++g) {
    F v[L];
    if (fast) {
      for (int k = 0; k < L; ++k) {
        const std::uint8_t* p = rows[g * L + k] + c0 * Px::bpp;
        __builtin_prefetch(p + kPrefetchBytes);
        v[k] = Px::load(p);
      }
    } else if (whole) {
      for (int k = 0; k < L; ++k) v[k] = Px::load_safe(rows[g * L + k] + c0 * Px::bpp);
    } else {
      alignas(64) float tmp[L];
      for (int k = 0; k < L; ++k) {
        for (int c = 0; c < L; ++c)
          tmp[c] = (c0 + c < w) ? Px::scalar(rows[g * L + k] + (c0 + c) * Px::bpp) : 0.0f;
        v[k] = V::load(tmp);
      }
    }
    V::transpose(v);
    for (int c = 0; c < L; ++c) V::store(t + c * S + g * L, v[c]);
  }
}

/// The reference's box1DFloat along rows, on S = G*L rows at once (one lane per
/// row), fed incrementally: element j (the S values of column j) lives at
/// ring + (j & mask) * S, and run(avail) computes every output whose inputs are
/// among the first `avail` elements. The ring must hold the last
/// full_window + L elements. Each lane performs exactly box1d_scalar's sequence.
template <class V, int G>
struct RowFilter {
  using F = typename V::F;
  static constexpr int S = G * V::L;
  const float* ring;
  int mask, n, phase1, phase2, full_window;
  F sum[G];
  F full;
  int count = 0, oi = 0;
  bool primed = false;

  RowFilter(const float* ring_, int mask_, int n_, int full_window_)
      : ring(ring_), mask(mask_), n(n_), full_window(full_window_) {
    const int half = (full_window + 2) / 2;
    phase1 = half - 1;
    phase2 = full_window - half + 1;
    for (int g = 0; g < G; ++g) sum[g] = V::zero();
    full = V::set1(static_cast<float>(full_window));
  }
  const float* at(int j) const { return ring + static_cast<std::ptrdiff_t>(j & mask) * S; }

  template <class Emit>
  inline void run(int avail, Emit&& emit) {
    if (!primed) {
      if (avail < phase1 && avail < n) return;
      for (int j = 0; j < phase1; ++j) {
        const float* p = at(j);
        for (int g = 0; g < G; ++g) sum[g] = V::add(sum[g], V::load(p + g * V::L));
        ++count;
      }
      primed = true;
    }
    const int limit = (avail >= n) ? n : avail - phase1;
    const int end2 = limit < phase2 ? limit : phase2;
    for (; oi < end2; ++oi) {  // window grows
      const float* p = at(oi + phase1);
      for (int g = 0; g < G; ++g) sum[g] = V::add(sum[g], V::load(p + g * V::L));
      ++count;
      emit(oi, sum, V::set1(static_cast<float>(count)));
    }
    const int end3 = limit < n - phase1 ? limit : n - phase1;
    for (; oi < end3; ++oi) {  // full window
      const float* pa = at(oi + phase1);
      const float* ps = at(oi - phase2);
      for (int g = 0; g < G; ++g) {
        sum[g] = V::add(sum[g], V::load(pa + g * V::L));
        sum[g] = V::sub(sum[g], V::load(ps + g * V::L));
      }
      emit(oi, sum, full);
    }
    for (; oi < limit; ++oi) {  // window shrinks (only once all input is in)
      const float* ps = at(oi - phase2);
      for (int g = 0; g < G; ++g) sum[g] = V::sub(sum[g], V::load(ps + g * V::L));
      --count;
      emit(oi, sum, V::set1(static_cast<float>(count)));
    }
  }
};

/// The reference's box1DFloat on n "elements" of G vectors each (element j at
/// in + j * G * L), i.e. G*L independent filters at once. Calls
/// emit(out_index, sums, count_vector) where each output is sums[g] / count.
template <class V, int G, class Emit>
inline void box_elems(const float* in, int n, int full_window, Emit&& emit) {
  using F = typename V::F;
  constexpr int S = G * V::L;
  const int half = (full_window + 2) / 2;
  const int phase1 = half - 1;
  const int phase2 = full_window - half + 1;
  const int phase3 = n - full_window;
  const int phase4 = half - 1;
  F sum[G];
  for (int g = 0; g < G; ++g) sum[g] = V::zero();
  const float* ri = in;
  const float* li = in;
  int oi = 0;
  int count = 0;
  for (int i = 0; i < phase1; ++i, ri += S) {
    for (int g = 0; g < G; ++g) sum[g] = V::add(sum[g], V::load(ri + g * V::L));
    ++count;
  }
  for (int i = 0; i < phase2; ++i, ri += S, ++oi) {
    for (int g = 0; g < G; ++g) sum[g] = V::add(sum[g], V::load(ri + g * V::L));
    ++count;
    emit(oi, sum, V::set1(static_cast<float>(count)));
  }
  const F full = V::set1(static_cast<float>(count));
  for (int i = 0; i < phase3; ++i, ri += S, li += S, ++oi) {
    for (int g = 0; g < G; ++g) {
      sum[g] = V::add(sum[g], V::load(ri + g * V::L));
      sum[g] = V::sub(sum[g], V::load(li + g * V::L));
    }
    emit(oi, sum, full);
  }
  for (int i = 0; i < phase4; ++i, li += S, ++oi) {
    for (int g = 0; g < G; ++g) sum[g] = V::sub(sum[g], V::load(li + g * V::L));
    --count;
    emit(oi, sum, V::set1(static_cast<float>(count)));
  }
}

/// Transposes the L x L block whose row k starts at src + k * src_stride into
/// the block whose row c starts at dst + c * dst_stride (strides in floats).
/// Always inlined (GCC 12 made out-of-line clones of it otherwise).
template <class V>
[[gnu::always_inline]] inline void transpose_block(const float* src, std::ptrdiff_t src_stride,
                                                   float* dst, std::ptrdiff_t dst_stride) {
  typename V::F v[V::L];
  for (int k = 0; k < V::L; ++k) v[k] = V::load(src + k * src_stride);
  V::transpose(v);
  for (int c = 0; c < V::L; ++c) V::store(dst + c * dst_stride, v[c]);
}

/// The streamed blur + decimation of a w x h frame whose rows arrive a strip of
/// S = G*L rows at a time: fetch(r0, rows) must store in rows[0..S-1] pointers to
/// rows r0 .. r0+S-1 (rows past the bottom: any valid row; their results are never
/// used), each valid until the next fetch. Rows are fetched once, in order.
template <class V, int G, class Px, class Fetch>
void downsample64_core(int w, int h, const Resample& rs, Fetch&& fetch, float* out,
                       Scratch& scratch) {
  using F = typename V::F;
  constexpr int L = V::L;
  constexpr int S = G * L;      // rows per strip
  constexpr int NV64 = 64 / L;  // vectors per 64 floats
  static_assert((L & (L - 1)) == 0 && (S & (S - 1)) == 0, "index masks need powers of two");
  const int win_c = rs.win_cols;
  const int wp = round_up(w, 16);
  const int ring_rows = win_c + S;
  int tcols = 16;  // columns in the transposed ring: a power of two >= win_rows + L
  while (tcols < rs.win_rows + L) tcols *= 2;
  const int hp = round_up(h, S);

  // One allocation, every part a multiple of 16 floats (64 bytes).
  const std::size_t n_t = static_cast<std::size_t>(tcols) * S;
  const std::size_t n_blk = static_cast<std::size_t>(L) * S;
  const std::size_t n_ring = static_cast<std::size_t>(ring_rows) * wp;
  const std::size_t n_sum = static_cast<std::size_t>(wp);
  const std::size_t n_q1 = static_cast<std::size_t>(S) * wp;
  const std::size_t n_d = static_cast<std::size_t>(64) * S;
  const std::size_t n_p2 = static_cast<std::size_t>(hp) * 64;
  float* base = aligned_floats(scratch.c, n_t + n_blk + n_ring + n_sum + n_q1 + n_d + n_p2);
  float* const t = base;             // transposed strip, column ring: t[(c % tcols) * S + k]
  float* const blk = t + n_t;        // L filtered columns of a strip, transposed
  float* const ring = blk + n_blk;   // rows of the first row filter, slot r % ring_rows
  float* const csum = ring + n_ring; // running sums of the first column filter
  float* const q1 = csum + n_sum;    // S rows of the first column filter, slot e % S
  float* const d = q1 + n_q1;        // second row filter at the 64 sampled columns
  float* const p2 = d + n_d;         // ... for every row: p2[r * 64 + j]

  auto ring_row = [&](int r) { return ring + static_cast<std::ptrdiff_t>(r % ring_rows) * wp; };

  // Second row filter on q1 rows e0 .. e0+S-1, storing only sampled columns.
  auto second_rows = [&](int e0) {
    int nx = 0;
    int want = rs.col_at[0];  // the next sampled column (-1 once all 64 are done)
    auto emit = [&](int oi, const F* sum, F cnt) {
      if (oi != want) return;  // the common case: a column that is not sampled
      do {
        for (int g = 0; g < G; ++g) V::store(d + nx * S + g * L, V::div(sum[g], cnt));
        ++nx;
        want = nx < 64 ? rs.col_at[nx] : -1;
      } while (want == oi);
    };
    RowFilter<V, G> rf(t, tcols - 1, w, rs.win_rows);
    for (int c0 = 0; c0 < w; c0 += L) {
      for (int g = 0; g < G; ++g)
        transpose_block<V>(q1 + static_cast<std::ptrdiff_t>(g * L) * wp + c0, wp,
                           t + static_cast<std::ptrdiff_t>(c0 & (tcols - 1)) * S + g * L, S);
      rf.run(c0 + L, emit);
    }
    for (int g = 0; g < G; ++g)
      for (int j0 = 0; j0 < 64; j0 += L)
        transpose_block<V>(d + j0 * S + g * L, S,
                           p2 + static_cast<std::ptrdiff_t>(e0 + g * L) * 64 + j0, 64);
  };

  // First column filter, one input row at a time (the reference's box1DFloat
  // phases, driven by the input row index).
  const int half_c = (win_c + 2) / 2;
  const int phase1_c = half_c - 1;
  const int phase4_c = half_c - 1;
  int count_c = 0;
  for (int i = 0; i < wp; i += L) V::store(csum + i, V::zero());
  auto emitted = [&](int e) {
    if ((e & (S - 1)) == S - 1 || e == h - 1) second_rows(e & ~(S - 1));
  };
  auto q1_row = [&](int e) { return q1 + static_cast<std::ptrdiff_t>(e & (S - 1)) * wp; };
  auto push_row = [&](int r) {
    const float* add = ring_row(r);
    if (r < phase1_c) {
      for (int i = 0; i < wp; i += L) V::store(csum + i, V::add(V::load(csum + i), V::load(add + i)));
      ++count_c;
      return;
    }
    const int e = r - phase1_c;
    float* o = q1_row(e);
    if (r < win_c) {
      ++count_c;
      const F cnt = V::set1(static_cast<float>(count_c));
      for (int i = 0; i < wp; i += L) {
        const F s = V::add(V::load(csum + i), V::load(add + i));
        V::store(csum + i, s);
        V::store(o + i, V::div(s, cnt));
      }
    } else {
      const float* sub = ring_row(r - win_c);
      const F cnt = V::set1(static_cast<float>(count_c));
      for (int i = 0; i < wp; i += L) {
        F s = V::add(V::load(csum + i), V::load(add + i));
        s = V::sub(s, V::load(sub + i));
        V::store(csum + i, s);
        V::store(o + i, V::div(s, cnt));
      }
    }
    emitted(e);
  };

  // Strips of S rows: luma, first row filter, then each row into the column filter.
  for (int r0 = 0; r0 < h; r0 += S) {
    const std::uint8_t* rows[S];
    float* dst[S];
    fetch(r0, rows);
    for (int k = 0; k < S; ++k) dst[k] = ring_row(r0 + k);
    auto emit = [&](int oi, const F* sum, F cnt) {
      float* b = blk + (oi & (L - 1)) * S;  // oi >= 0; L and S are powers of two
      for (int g = 0; g < G; ++g) V::store(b + g * L, V::div(sum[g], cnt));
      if ((oi & (L - 1)) == L - 1 || oi == w - 1) {
        const int c0 = oi & ~(L - 1);
        for (int g = 0; g < G; ++g) {
          F v[L];
          for (int c = 0; c < L; ++c) v[c] = V::load(blk + c * S + g * L);
          V::transpose(v);
          for (int k = 0; k < L; ++k) V::store(dst[g * L + k] + c0, v[k]);
        }
      }
    };
    RowFilter<V, G> rf(t, tcols - 1, w, rs.win_rows);
    for (int c0 = 0; c0 < w; c0 += L) {
      luma_block_t<V, S, Px>(rows, c0, w, t + static_cast<std::ptrdiff_t>(c0 & (tcols - 1)) * S);
      rf.run(c0 + L, emit);
    }
    for (int k = 0; k < S && r0 + k < h; ++k) push_row(r0 + k);
  }
  // Last phase of the first column filter: the window shrinks.
  for (int i = 0; i < phase4_c; ++i) {
    const float* sub = ring_row(h - win_c + i);
    --count_c;
    const int e = h - phase4_c + i;
    float* o = q1_row(e);
    const F cnt = V::set1(static_cast<float>(count_c));
    for (int j = 0; j < wp; j += L) {
      const F s = V::sub(V::load(csum + j), V::load(sub + j));
      V::store(csum + j, s);
      V::store(o + j, V::div(s, cnt));
    }
    emitted(e);
  }

  // Second column filter on the 64 sampled columns, divided at the sampled rows.
  int nx = 0;
  box_elems<V, NV64>(p2, h, win_c, [&](int oi, const F* sum, F cnt) {
    while (nx < 64 && rs.row_at[nx] == oi) {
      for (int g = 0; g < NV64; ++g) V::storeu(out + nx * 64 + g * L, V::div(sum[g], cnt));
      ++nx;
    }
  });
}

/// downsample64_core over a FrameView (rows read in place).
template <class V, int G, class Px>
void downsample64_stream(const FrameView& f, float* out, Scratch& scratch) {
  constexpr int S = G * V::L;
  Resample rs;
  make_resample(f, rs);
  const int h = f.height;
  const std::uint8_t* const luma = rs.luma;
  const std::ptrdiff_t stride = rs.stride;
  downsample64_core<V, G, Px>(
      f.width, h, rs,
      [&](int r0, const std::uint8_t** rows) {
        for (int k = 0; k < S; ++k)
          rows[k] = luma + static_cast<std::ptrdiff_t>(r0 + k < h ? r0 + k : h - 1) * stride;
      },
      out, scratch);
}

/// downsample64_core over rows pulled from a RowSource (a decoder's scanlines).
template <class V, int G, class Px>
void downsample64_pull(int w, int h, RowSource& src, float* out, Scratch& scratch) {
  constexpr int S = G * V::L;
  static_assert(S <= kMaxRowsPerPull);
  Resample rs;
  make_resample_wh(w, h, rs);
  downsample64_core<V, G, Px>(
      w, h, rs,
      [&](int r0, const std::uint8_t** rows) {
        const int n = h - r0 < S ? h - r0 : S;
        src.rows(r0, n, rows);
        for (int k = n; k < S; ++k) rows[k] = rows[n - 1];
      },
      out, scratch);
}

template <class V, int G>
void downsample64_simd(const FrameView& f, float* out, Scratch& s) {
  switch (f.format) {
    case PixelFormat::rgb8: return downsample64_stream<V, G, Rgb3Px<V, 0, 1, 2>>(f, out, s);
    case PixelFormat::bgr8: return downsample64_stream<V, G, Rgb3Px<V, 2, 1, 0>>(f, out, s);
    case PixelFormat::rgba8: return downsample64_stream<V, G, Rgb4Px<V, 0, 1, 2>>(f, out, s);
    case PixelFormat::bgra8: return downsample64_stream<V, G, Rgb4Px<V, 2, 1, 0>>(f, out, s);
    case PixelFormat::gray8:
    case PixelFormat::i420:
    case PixelFormat::nv12: return downsample64_stream<V, G, GrayPx<V>>(f, out, s);
  }
}

template <class V, int G>
void downsample64_rows_simd(PixelFormat fmt, int w, int h, RowSource& src, float* out,
                            Scratch& s) {
  switch (fmt) {
    case PixelFormat::rgb8: return downsample64_pull<V, G, Rgb3Px<V, 0, 1, 2>>(w, h, src, out, s);
    case PixelFormat::bgr8: return downsample64_pull<V, G, Rgb3Px<V, 2, 1, 0>>(w, h, src, out, s);
    case PixelFormat::rgba8: return downsample64_pull<V, G, Rgb4Px<V, 0, 1, 2>>(w, h, src, out, s);
    case PixelFormat::bgra8: return downsample64_pull<V, G, Rgb4Px<V, 2, 1, 0>>(w, h, src, out, s);
    case PixelFormat::gray8:
    case PixelFormat::i420:
    case PixelFormat::nv12: return downsample64_pull<V, G, GrayPx<V>>(w, h, src, out, s);
  }
}

/// out = D * A * D^T, each output one sequential sum over k starting from 0.0f,
/// exactly as dct64to16_scalar; lanes run across output columns.
template <class V>
void dct64to16_simd(const float* a, float* b) {
  using F = typename V::F;
  constexpr int L = V::L;
  constexpr int NA = 64 / L;                 // vectors per row of A
  constexpr int IB1 = (L == 16) ? 4 : 1;     // rows of D per block, stage 1
  constexpr int NB = 16 / L;                 // vectors per output row
  constexpr int IB2 = (L == 16) ? 16 : 4;    // rows of T per block, stage 2
  const float* dm = dct_matrix();
  const float* dt = dct_matrix_transposed();
  alignas(64) float t[16 * 64];
  for (int i0 = 0; i0 < 16; i0 += IB1) {
    F acc[IB1][NA];
    for (int i = 0; i < IB1; ++i)
      for (int v = 0; v < NA; ++v) acc[i][v] = V::zero();
    for (int k = 0; k < 64; ++k) {
      F row[NA];
      for (int v = 0; v < NA; ++v) row[v] = V::loadu(a + k * 64 + v * L);
      for (int i = 0; i < IB1; ++i) {
        const F dik = V::set1(dm[(i0 + i) * 64 + k]);
        for (int v = 0; v < NA; ++v) acc[i][v] = V::add(acc[i][v], V::mul(dik, row[v]));
      }
    }
    for (int i = 0; i < IB1; ++i)
      for (int v = 0; v < NA; ++v) V::store(t + (i0 + i) * 64 + v * L, acc[i][v]);
  }
  for (int i0 = 0; i0 < 16; i0 += IB2) {
    F acc[IB2][NB];
    for (int i = 0; i < IB2; ++i)
      for (int v = 0; v < NB; ++v) acc[i][v] = V::zero();
    for (int k = 0; k < 64; ++k) {
      F col[NB];
      for (int v = 0; v < NB; ++v) col[v] = V::loadu(dt + k * 16 + v * L);
      for (int i = 0; i < IB2; ++i) {
        const F tik = V::set1(t[(i0 + i) * 64 + k]);
        for (int v = 0; v < NB; ++v) acc[i][v] = V::add(acc[i][v], V::mul(tik, col[v]));
      }
    }
    for (int i = 0; i < IB2; ++i)
      for (int v = 0; v < NB; ++v) V::storeu(b + (i0 + i) * 16 + v * L, acc[i][v]);
  }
}

}  // namespace
}  // namespace pdqguard::detail
