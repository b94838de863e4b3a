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
#include <string>
#include <vector>

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
  detail::ScaledScratch scaled;

  /// Fills buf64 (blurred + decimated luma) and returns the quality.
  int downsample(const FrameView& f, bool allow_no_blur) {
    const detail::KernelTable& k = detail::active_kernels();
    if (allow_no_blur && f.width == 64 && f.height == 64) {
      // The reference copies a 64x64 input straight in, skipping the blur.
      detail::luma_scalar(f, buf64);
    } else {
      k.downsample64(f, buf64, scratch);
    }
    return finish();
  }

  /// Quality of buf64, and its DCT into buf16.
  int finish() {
    const int q = detail::quality_metric(buf64);
    detail::active_kernels().dct64to16(buf64, buf16);
    return q;
  }

  /// Quality and hash (all eight with `dihedral`, else hashes[0]) of buf64.
  DihedralResult result_of_buf64(bool dihedral) {
    DihedralResult r;
    r.quality = finish();
    r.has_dihedral = dihedral;
    if (dihedral)
      dihedral_bits(r);
    else
      r.hashes[0] = detail::bits_above_median(buf16);
    return r;
  }

  /// The eight dihedral hashes of buf16 into r.
  void dihedral_bits(DihedralResult& r) {
    r.hashes[0] = detail::bits_above_median(buf16);
    float t[256];
    for (int d = 1; d < 8; ++d) {
      detail::dihedral_transform(static_cast<Dihedral>(d), buf16, t);
      r.hashes[static_cast<std::size_t>(d)] = detail::bits_above_median(t);
    }
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
  r.has_dihedral = true;
  if (frame.width < kMinHashableSide || frame.height < kMinHashableSide) {
    r.too_small = true;
    return r;
  }
  r.quality = impl_->downsample(frame, /*allow_no_blur=*/false);
  impl_->dihedral_bits(r);
  return r;
}

DihedralResult Hasher::hash_rows(PixelFormat format, int width, int height, RowSource& src,
                                 bool dihedral) {
  if (format == PixelFormat::i420 || format == PixelFormat::nv12)
    throw Error(ErrorCode::invalid_argument,
                std::string("hash_rows takes single-plane formats, not ") + pixel_format_name(format));
  if (width <= 0 || height <= 0)
    throw Error(ErrorCode::invalid_argument, "hash_rows: width and height must be positive");
  const detail::KernelTable& k = detail::active_kernels();
  const bool no_blur_64 = !dihedral && width == 64 && height == 64;
  if (k.downsample64_rows == nullptr || width < kMinHashableSide || height < kMinHashableSide ||
      no_blur_64) {
    // No streamed form here: gather the rows into a frame and hash that.
    const std::size_t row_bytes =
        static_cast<std::size_t>(width) * static_cast<std::size_t>(bytes_per_pixel(format));
    std::vector<std::uint8_t> frame(row_bytes * static_cast<std::size_t>(height));
    const std::uint8_t* rows[detail::kMaxRowsPerPull];
    for (int r0 = 0; r0 < height; r0 += detail::kMaxRowsPerPull) {
      const int n = std::min(detail::kMaxRowsPerPull, height - r0);
      src.rows(r0, n, rows);
      for (int i = 0; i < n; ++i)
        std::copy(rows[i], rows[i] + row_bytes,
                  frame.data() + static_cast<std::size_t>(r0 + i) * row_bytes);
    }
    const FrameView f = FrameView::packed(format, frame.data(), width, height);
    return dihedral ? hash_dihedral(f) : DihedralResult::from_plain(hash(f));
  }
  k.downsample64_rows(format, width, height, src, impl_->buf64, impl_->scratch);
  return impl_->result_of_buf64(dihedral);
}

DihedralResult Hasher::hash_rows_scaled(PixelFormat format, int width, int height, RowSource& src,
                                        int source_width, int source_height, int scale,
                                        bool dihedral) {
  if (width <= 0 || height <= 0)
    throw Error(ErrorCode::invalid_argument, "hash_rows_scaled: width and height must be positive");
  detail::downsample64_scaled(format, width, height, src, source_width, source_height, scale,
                              impl_->buf64, impl_->scaled);
  if (source_width < kMinHashableSide || source_height < kMinHashableSide) {
    DihedralResult r;
    r.too_small = true;
    r.has_dihedral = dihedral;
    return r;
  }
  return impl_->result_of_buf64(dihedral);
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
