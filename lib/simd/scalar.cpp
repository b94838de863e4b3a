// The scalar path: a faithful port of the reference's float pipeline. It is the
// definition every SIMD path is tested against.
#include "simd/kernels.hpp"

#include <cmath>
#include <cstdint>
#include <numbers>

namespace pdqguard::detail {

namespace {

template <int R, int G, int B, int Bpp>
void luma_rgb_rows(const FrameView& f, float* out) {
  const std::ptrdiff_t stride = f.row_stride();
  for (int i = 0; i < f.height; ++i) {
    const std::uint8_t* p = f.planes[0] + i * stride;
    float* o = out + static_cast<std::ptrdiff_t>(i) * f.width;
    for (int j = 0; j < f.width; ++j, p += Bpp) {
      // Same expression and order as the reference's fillFloatLumaFromRGB.
      o[j] = kLumaR * p[R] + kLumaG * p[G] + kLumaB * p[B];
    }
  }
}

void luma_gray_rows(const FrameView& f, float* out) {
  const std::ptrdiff_t stride = f.row_stride();
  for (int i = 0; i < f.height; ++i) {
    const std::uint8_t* p = f.planes[0] + i * stride;
    float* o = out + static_cast<std::ptrdiff_t>(i) * f.width;
    for (int j = 0; j < f.width; ++j) o[j] = static_cast<float>(p[j]);
  }
}

void downsample64_scalar(const FrameView& f, float* out, Scratch& s) {
  const int w = f.width, h = f.height;
  const std::size_t n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
  if (s.a.size() < n) s.a.resize(n);
  if (s.b.size() < n) s.b.resize(n);
  float* b1 = s.a.data();
  float* b2 = s.b.data();
  luma_scalar(f, b1);
  const int win_rows = jarosz_window(w);  // window along rows: from the width
  const int win_cols = jarosz_window(h);
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < h; ++i)
      box1d_scalar(b1 + static_cast<std::ptrdiff_t>(i) * w, b2 + static_cast<std::ptrdiff_t>(i) * w,
                   w, 1, win_rows);
    for (int j = 0; j < w; ++j) box1d_scalar(b2 + j, b1 + j, h, w, win_cols);
  }
  for (int oi = 0; oi < 64; ++oi) {
    const float* row = b1 + static_cast<std::ptrdiff_t>(decimate_index(oi, h)) * w;
    for (int oj = 0; oj < 64; ++oj) out[oi * 64 + oj] = row[decimate_index(oj, w)];
  }
}

void dct64to16_scalar(const float* a, float* b) {
  const float* d = dct_matrix();
  float t[16 * 64];
  for (int i = 0; i < 16; ++i) {
    for (int j = 0; j < 64; ++j) {
      float sum = 0.0f;
      for (int k = 0; k < 64; ++k) sum += d[i * 64 + k] * a[k * 64 + j];
      t[i * 64 + j] = sum;
    }
  }
  for (int i = 0; i < 16; ++i) {
    for (int j = 0; j < 16; ++j) {
      float sum = 0.0f;
      for (int k = 0; k < 64; ++k) sum += t[i * 64 + k] * d[j * 64 + k];
      b[i * 16 + j] = sum;
    }
  }
}

}  // namespace

const float* dct_matrix() {
  static const auto matrix = [] {
    std::vector<float> m(16 * 64);
    // As the reference: a float scale factor times a double cosine, rounded to float.
    const float scale = static_cast<float>(std::sqrt(2.0 / 64.0));
    for (std::size_t i = 0; i < 16; ++i)
      for (std::size_t j = 0; j < 64; ++j)
        m[i * 64 + j] = static_cast<float>(
            scale * std::cos((std::numbers::pi / 2.0 / 64.0) * static_cast<double>(i + 1) *
                             static_cast<double>(2 * j + 1)));
    return m;
  }();
  return matrix.data();
}

float* aligned_floats(std::vector<float>& v, std::size_t n) {
  if (v.size() < n + 16) v.resize(n + 16);
  const auto addr = reinterpret_cast<std::uintptr_t>(v.data());
  return v.data() + ((64 - (addr & 63)) & 63) / sizeof(float);
}

void make_resample(const FrameView& f, Resample& r) {
  make_resample_wh(f.width, f.height, r);
  r.luma = f.planes[0];
  r.stride = f.row_stride();
}

void make_resample_wh(int w, int h, Resample& r) {
  r.win_rows = jarosz_window(w);
  r.win_cols = jarosz_window(h);
  for (int i = 0; i < 64; ++i) {
    r.col_at[i] = decimate_index(i, w);
    r.row_at[i] = decimate_index(i, h);
  }
}

const float* dct_matrix_transposed() {
  static const auto matrix = [] {
    const float* d = dct_matrix();
    std::vector<float> m(64 * 16);
    for (std::size_t k = 0; k < 64; ++k)
      for (std::size_t j = 0; j < 16; ++j) m[k * 16 + j] = d[j * 64 + k];
    return m;
  }();
  return matrix.data();
}

void luma_scalar(const FrameView& f, float* out) {
  switch (f.format) {
    case PixelFormat::rgb8: return luma_rgb_rows<0, 1, 2, 3>(f, out);
    case PixelFormat::rgba8: return luma_rgb_rows<0, 1, 2, 4>(f, out);
    case PixelFormat::bgr8: return luma_rgb_rows<2, 1, 0, 3>(f, out);
    case PixelFormat::bgra8: return luma_rgb_rows<2, 1, 0, 4>(f, out);
    case PixelFormat::gray8:
    case PixelFormat::i420:
    case PixelFormat::nv12: return luma_gray_rows(f, out);
  }
}

void box1d_scalar(const float* in, float* out, int n, std::ptrdiff_t stride, int full_window) {
  const int half = (full_window + 2) / 2;
  const int phase1 = half - 1;
  const int phase2 = full_window - half + 1;
  const int phase3 = n - full_window;
  const int phase4 = half - 1;
  std::ptrdiff_t li = 0, ri = 0, oi = 0;
  float sum = 0.0f;
  int count = 0;
  for (int i = 0; i < phase1; ++i, ri += stride) {
    sum += in[ri];
    ++count;
  }
  for (int i = 0; i < phase2; ++i, ri += stride, oi += stride) {
    sum += in[ri];
    ++count;
    out[oi] = sum / static_cast<float>(count);
  }
  for (int i = 0; i < phase3; ++i, li += stride, ri += stride, oi += stride) {
    sum += in[ri];
    sum -= in[li];
    out[oi] = sum / static_cast<float>(count);
  }
  for (int i = 0; i < phase4; ++i, li += stride, oi += stride) {
    sum -= in[li];
    --count;
    out[oi] = sum / static_cast<float>(count);
  }
}

const KernelTable kScalarKernels{Isa::scalar,        downsample64_scalar, nullptr,
                                 dct64to16_scalar,   {"scalar", flat_radius_scalar},
                                 mih_radius_generic, bk_radius_generic};

}  // namespace pdqguard::detail
