// The PDQ pipeline: downsample (SIMD kernels), quality, DCT, median, bits, and
// the dihedral variants. Mirrors the reference's pdqHash256FromFloatLuma and
// pdqDihedralHash256esFromFloatLuma step for step.
#include "hash/pipeline.hpp"
#include "simd/kernels.hpp"

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace pdqguard {

namespace detail {

/// The reference's pdqImageDomainQualityMetric, operation for operation.
int quality_metric(const float* b) {
  int gradient_sum = 0;
  for (int i = 0; i < 63; ++i)
    for (int j = 0; j < 64; ++j) {
      const float u = b[i * 64 + j], v = b[(i + 1) * 64 + j];
      const int d = static_cast<int>(((u - v) * 100.0f) / 255.0f);
      gradient_sum += std::abs(d);
    }
  for (int i = 0; i < 64; ++i)
    for (int j = 0; j < 63; ++j) {
      const float u = b[i * 64 + j], v = b[i * 64 + j + 1];
      const int d = static_cast<int>(((u - v) * 100.0f) / 255.0f);
      gradient_sum += std::abs(d);
    }
  return std::min(gradient_sum / 90, 100);
}

/// The reference's Torben median of 256 values returns the 128th smallest
/// ((n+1)/2-th); only ">" comparisons against it follow, so any value equal to
/// it gives the same bits.
float median256(const float* v) {
  float tmp[256];
  std::copy(v, v + 256, tmp);
  std::nth_element(tmp, tmp + 127, tmp + 256);
  return tmp[127];
}

Hash256 bits_above_median(const float* dct16x16) {
  const float med = median256(dct16x16);
  Hash256 h;
  for (int k = 0; k < 256; ++k)
    if (dct16x16[k] > med) h.set_bit(k);
  return h;
}

/// The reference's dct16OriginalTo* transforms: variant `d` of the 16x16 DCT.
void dihedral_transform(Dihedral d, const float* a, float* b) {
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 16; ++j) {
      const float x = a[i * 16 + j];
      switch (d) {
        case Dihedral::original: b[i * 16 + j] = x; break;
        case Dihedral::rot90: b[j * 16 + i] = (j & 1) ? x : -x; break;
        case Dihedral::rot180: b[i * 16 + j] = ((i + j) & 1) ? -x : x; break;
        case Dihedral::rot270: b[j * 16 + i] = (i & 1) ? x : -x; break;
        case Dihedral::flipx: b[i * 16 + j] = (i & 1) ? x : -x; break;
        case Dihedral::flipy: b[i * 16 + j] = (j & 1) ? x : -x; break;
        case Dihedral::flipplus1: b[j * 16 + i] = x; break;
        case Dihedral::flipminus1: b[j * 16 + i] = ((i + j) & 1) ? -x : x; break;
      }
    }
}

}  // namespace detail

struct Hasher::Impl {
  detail::Scratch scratch;
  alignas(64) float buf64[64 * 64];
  alignas(64) float buf16[16 * 16];

  /// Fills buf64 (blurred + decimated luma) and returns the quality.
  int downsample(const FrameView& f, bool allow_no_blur) {
    const detail::KernelTable& k = detail::active_kernels();
    if (allow_no_blur && f.width == 64 && f.height == 64) {
      // The reference copies a 64x64 input straight in, skipping the blur.
      detail::luma_scalar(f, buf64);
    } else {
      k.downsample64(f, buf64, scratch);
    }
    const int q = detail::quality_metric(buf64);
    k.dct64to16(buf64, buf16);
    return q;
  }
};

Hasher::Hasher() : impl_(std::make_unique<Impl>()) {}
Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

HashResult Hasher::hash(const FrameView& frame) {
  frame.validate();
  HashResult r;
  if (frame.width < kMinHashableSide || frame.height < kMinHashableSide) {
    r.too_small = true;
    return r;
  }
  r.quality = impl_->downsample(frame, /*allow_no_blur=*/true);
  r.hash = detail::bits_above_median(impl_->buf16);
  return r;
}

DihedralResult Hasher::hash_dihedral(const FrameView& frame) {
  frame.validate();
  DihedralResult r;
  if (frame.width < kMinHashableSide || frame.height < kMinHashableSide) {
    r.too_small = true;
    return r;
  }
  r.quality = impl_->downsample(frame, /*allow_no_blur=*/false);
  r.hashes[0] = detail::bits_above_median(impl_->buf16);
  float t[256];
  for (int d = 1; d < 8; ++d) {
    detail::dihedral_transform(static_cast<Dihedral>(d), impl_->buf16, t);
    r.hashes[static_cast<std::size_t>(d)] = detail::bits_above_median(t);
  }
  return r;
}

namespace {
Hasher& thread_hasher() {
  thread_local Hasher h;
  return h;
}
}  // namespace

HashResult hash_frame(const FrameView& frame) { return thread_hasher().hash(frame); }
DihedralResult hash_frame_dihedral(const FrameView& frame) {
  return thread_hasher().hash_dihedral(frame);
}

const char* version() noexcept { return PDQGUARD_VERSION_STRING; }

}  // namespace pdqguard
