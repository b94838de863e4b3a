// Internal: the scalar stages of the PDQ pipeline after the 64x64 downsample,
// exposed for tests and the per-stage benchmark. Defined in pipeline.cpp.
#pragma once

#include <pdqguard/hash.hpp>
#include <pdqguard/hasher.hpp>

#include <vector>

namespace pdqguard::detail {

/// The reference's pdqImageDomainQualityMetric of a 64x64 buffer (0..100).
int quality_metric(const float* buf64x64);
/// The 128th smallest of 256 values (the reference's Torben median).
float median256(const float* v);
/// Bit k set iff v[k] > median256(v).
Hash256 bits_above_median(const float* dct16x16);
/// Variant `d` of a 16x16 DCT, as the reference's dct16OriginalTo* functions.
void dihedral_transform(Dihedral d, const float* in16x16, float* out16x16);

/// One axis of the full-size geometry seen from a reduced image (scaled.cpp):
/// output k (0..63) is sum over c < count[k] of weights[offset[k] + c] times
/// reduced sample first[k] + c.
struct ScaledAxis {
  int first[64]{};
  int count[64]{};
  int offset[64]{};
  std::vector<float> weights;
  /// Weights of the reference's blur + decimation of `source` samples, each
  /// reduced sample standing for `scale` consecutive source samples.
  void build(int source, int scale);
};
/// Working memory of downsample64_scaled, kept by a Hasher; the axes are
/// rebuilt only when the sizes change.
struct ScaledScratch {
  ScaledAxis rows, cols;
  int built_w = 0, built_h = 0, built_scale_w = 0, built_scale_h = 0;
  std::vector<float> luma;
};
/// The 64x64 downsample of a w x h single-plane image whose pixels each stand
/// for a scale x scale block of a source_w x source_h image (w and h must be
/// the sizes rounded up at 1/scale), with the source size's blur and sample
/// positions (see scaled.cpp). Throws Error(invalid_argument) on bad sizes.
void downsample64_scaled(PixelFormat fmt, int w, int h, RowSource& src, int source_w,
                         int source_h, int scale, float* out64x64, ScaledScratch& s);

}  // namespace pdqguard::detail
