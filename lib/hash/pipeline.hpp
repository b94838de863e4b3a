// Internal: the scalar stages of the PDQ pipeline after the 64x64 downsample,
// exposed for tests and the per-stage benchmark. Defined in pipeline.cpp.
#pragma once

#include <pdqguard/hash.hpp>
#include <pdqguard/hasher.hpp>

namespace pdqguard::detail {

/// The reference's pdqImageDomainQualityMetric of a 64x64 buffer (0..100).
int quality_metric(const float* buf64x64);
/// The 128th smallest of 256 values (the reference's Torben median).
float median256(const float* v);
/// Bit k set iff v[k] > median256(v).
Hash256 bits_above_median(const float* dct16x16);
/// Variant `d` of a 16x16 DCT, as the reference's dct16OriginalTo* functions.
void dihedral_transform(Dihedral d, const float* in16x16, float* out16x16);

}  // namespace pdqguard::detail
