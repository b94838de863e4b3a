// The 64x64 downsample of an image that a decoder produced at a reduced scale
// (JPEG fast mode: libjpeg-turbo's DCT scaling gives one pixel per scale x scale
// block of the stored image).
//
// Blurring and decimating the reduced image with the PDQ rules for its own size
// puts the 64 sample points and the blur windows in other places than on the
// full-size image: up to half a block off, which at 1/8 scale moved some hashes
// past distance 10. Here the full-size geometry is kept instead. Per axis, the
// reference computes output k as a fixed linear combination of the source
// samples, sum_x w_k(x) * v(x) (two passes of its box filter, then the sample
// at decimate_index(k)). A reduced pixel stands for the mean of the source
// pixels it covers, so it gets the sum of their weights. Both axes are
// separable: out = Wrows * V * Wcols^T, with each W holding a narrow band of
// non-zeros per output (about 2 * window / scale reduced pixels).
//
// Approximate by nature (the reduced pixels are not the block means exactly,
// and float sums are taken in another order than the reference's), so this is
// only for fast mode; exact hashing never comes here.
#include "hash/pipeline.hpp"
#include "simd/kernels.hpp"

#include <pdqguard/error.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace pdqguard::detail {

void ScaledAxis::build(int source, int scale) {
  // The reference's box1DFloat: output o averages source samples
  // [max(0, o - (F - half)), min(n - 1, o + half - 1)], F the full window.
  const int f = jarosz_window(source);
  const int half = (f + 2) / 2;
  const auto lo = [&](int o) { return std::max(0, o - (f - half)); };
  const auto hi = [&](int o) { return std::min(source - 1, o + half - 1); };
  weights.clear();
  std::vector<double> acc;  // weights over source samples [x0, x1]
  for (int k = 0; k < 64; ++k) {
    const int p = decimate_index(k, source);
    const int x0 = lo(lo(p)), x1 = hi(hi(p));
    acc.assign(static_cast<std::size_t>(x1 - x0 + 2), 0.0);
    // Row p of B*B = (1/cnt_p) * sum over j in window(p) of row j of B, each row
    // j uniform 1/cnt_j over its own window: a difference array, then a prefix sum.
    const double wp = 1.0 / (hi(p) - lo(p) + 1);
    for (int j = lo(p); j <= hi(p); ++j) {
      const double v = wp / (hi(j) - lo(j) + 1);
      acc[static_cast<std::size_t>(lo(j) - x0)] += v;
      acc[static_cast<std::size_t>(hi(j) - x0 + 1)] -= v;
    }
    const int b0 = x0 / scale, b1 = x1 / scale;
    first[k] = b0;
    count[k] = b1 - b0 + 1;
    offset[k] = static_cast<int>(weights.size());
    weights.resize(weights.size() + static_cast<std::size_t>(count[k]), 0.0f);
    double run = 0.0, bin = 0.0;
    int b = b0;
    for (int x = x0; x <= x1; ++x) {
      run += acc[static_cast<std::size_t>(x - x0)];
      if (x / scale != b) {
        weights[static_cast<std::size_t>(offset[k] + b - b0)] = static_cast<float>(bin);
        bin = 0.0;
        b = x / scale;
      }
      bin += run;
    }
    weights[static_cast<std::size_t>(offset[k] + b - b0)] = static_cast<float>(bin);
  }
}

void downsample64_scaled(PixelFormat fmt, int w, int h, RowSource& src, int source_w,
                         int source_h, int scale, float* out, ScaledScratch& s) {
  if (fmt == PixelFormat::i420 || fmt == PixelFormat::nv12)
    throw Error(ErrorCode::invalid_argument,
                std::string("scaled hashing takes single-plane formats, not ") +
                    pixel_format_name(fmt));
  if (scale < 1 || source_w < 1 || source_h < 1 ||
      w != (source_w + scale - 1) / scale || h != (source_h + scale - 1) / scale)
    throw Error(ErrorCode::invalid_argument,
                "scaled hashing: a " + std::to_string(w) + "x" + std::to_string(h) +
                    " image is not " + std::to_string(source_w) + "x" + std::to_string(source_h) +
                    " at 1/" + std::to_string(scale));
  if (s.built_w != source_w || s.built_scale_w != scale) {
    s.cols.build(source_w, scale);
    s.built_w = source_w;
    s.built_scale_w = scale;
  }
  if (s.built_h != source_h || s.built_scale_h != scale) {
    s.rows.build(source_h, scale);
    s.built_h = source_h;
    s.built_scale_h = scale;
  }
  s.luma.resize(static_cast<std::size_t>(w));
  std::fill(out, out + 64 * 64, 0.0f);
  float hrow[64];
  const std::uint8_t* ptrs[kMaxRowsPerPull];
  int k_lo = 0;  // outputs below k_lo need no more rows (bands move down with k)
  for (int r0 = 0; r0 < h; r0 += kMaxRowsPerPull) {
    const int n = std::min(kMaxRowsPerPull, h - r0);
    src.rows(r0, n, ptrs);
    for (int t = 0; t < n; ++t) {
      const int r = r0 + t;
      while (k_lo < 64 && s.rows.first[k_lo] + s.rows.count[k_lo] <= r) ++k_lo;
      if (k_lo == 64 || s.rows.first[k_lo] > r) continue;  // no output uses this row
      luma_scalar(FrameView::packed(fmt, ptrs[t], w, 1), s.luma.data());  // the reference's luma
      // Horizontal: the 64 output columns of this row.
      for (int j = 0; j < 64; ++j) {
        const float* wt = s.cols.weights.data() + s.cols.offset[j];
        const float* v = s.luma.data() + s.cols.first[j];
        float acc = 0.0f;
        for (int c = 0; c < s.cols.count[j]; ++c) acc += wt[c] * v[c];
        hrow[j] = acc;
      }
      // Vertical: every output row whose band holds r.
      for (int k = k_lo; k < 64 && s.rows.first[k] <= r; ++k) {
        const int i = r - s.rows.first[k];
        if (i >= s.rows.count[k]) continue;
        const float wr = s.rows.weights[static_cast<std::size_t>(s.rows.offset[k] + i)];
        float* o = out + k * 64;
        for (int j = 0; j < 64; ++j) o[j] += wr * hrow[j];
      }
    }
  }
}

}  // namespace pdqguard::detail
