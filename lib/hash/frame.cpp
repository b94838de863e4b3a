// FrameView helpers and validation.
#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>

#include <limits>
#include <string>

namespace pdqguard {

int bytes_per_pixel(PixelFormat f) noexcept {
  switch (f) {
    case PixelFormat::rgb8:
    case PixelFormat::bgr8: return 3;
    case PixelFormat::rgba8:
    case PixelFormat::bgra8: return 4;
    case PixelFormat::gray8:
    case PixelFormat::i420:
    case PixelFormat::nv12: return 1;
  }
  return 1;
}

const char* pixel_format_name(PixelFormat f) noexcept {
  switch (f) {
    case PixelFormat::gray8: return "gray8";
    case PixelFormat::rgb8: return "rgb8";
    case PixelFormat::rgba8: return "rgba8";
    case PixelFormat::bgr8: return "bgr8";
    case PixelFormat::bgra8: return "bgra8";
    case PixelFormat::i420: return "i420";
    case PixelFormat::nv12: return "nv12";
  }
  return "unknown";
}

bool parse_pixel_format(std::string_view name, PixelFormat& out) noexcept {
  struct Name {
    std::string_view text;
    PixelFormat format;
  };
  static constexpr Name kNames[] = {
      {"gray8", PixelFormat::gray8}, {"rgb8", PixelFormat::rgb8},   {"rgba8", PixelFormat::rgba8},
      {"bgr8", PixelFormat::bgr8},   {"bgra8", PixelFormat::bgra8}, {"i420", PixelFormat::i420},
      {"nv12", PixelFormat::nv12},
      // ffmpeg's -pix_fmt names, accepted as aliases.
      {"gray", PixelFormat::gray8},  {"rgb24", PixelFormat::rgb8},  {"rgba", PixelFormat::rgba8},
      {"bgr24", PixelFormat::bgr8},  {"bgra", PixelFormat::bgra8},  {"yuv420p", PixelFormat::i420},
  };
  for (const Name& n : kNames)
    if (n.text == name) {
      out = n.format;
      return true;
    }
  return false;
}

const char* dihedral_name(Dihedral d) noexcept {
  static constexpr const char* kNames[] = {"original", "rot90",  "rot180",    "rot270",
                                           "flipx",    "flipy", "flipplus1", "flipminus1"};
  const int i = static_cast<int>(d);
  return (i >= 0 && i < 8) ? kNames[i] : "unknown";
}

FrameView FrameView::packed(PixelFormat f, const std::uint8_t* pixels, int w, int h,
                            std::ptrdiff_t stride) noexcept {
  FrameView v;
  v.format = f;
  v.width = w;
  v.height = h;
  v.planes[0] = pixels;
  v.strides[0] = stride;
  return v;
}

FrameView FrameView::i420(const std::uint8_t* y, std::ptrdiff_t y_stride, const std::uint8_t* u,
                          std::ptrdiff_t u_stride, const std::uint8_t* v, std::ptrdiff_t v_stride,
                          int w, int h) noexcept {
  FrameView fv;
  fv.format = PixelFormat::i420;
  fv.width = w;
  fv.height = h;
  fv.planes = {y, u, v};
  fv.strides = {y_stride, u_stride, v_stride};
  return fv;
}

FrameView FrameView::nv12(const std::uint8_t* y, std::ptrdiff_t y_stride, const std::uint8_t* uv,
                          std::ptrdiff_t uv_stride, int w, int h) noexcept {
  FrameView fv;
  fv.format = PixelFormat::nv12;
  fv.width = w;
  fv.height = h;
  fv.planes = {y, uv, nullptr};
  fv.strides = {y_stride, uv_stride, 0};
  return fv;
}

int plane_count(PixelFormat f) noexcept {
  switch (f) {
    case PixelFormat::gray8:
    case PixelFormat::rgb8:
    case PixelFormat::rgba8:
    case PixelFormat::bgr8:
    case PixelFormat::bgra8: return 1;
    case PixelFormat::i420: return 3;
    case PixelFormat::nv12: return 2;
  }
  return 0;
}

PlaneSize plane_size(PixelFormat f, int width, int height, int plane) noexcept {
  if (width <= 0 || height <= 0 || plane < 0 || plane >= plane_count(f)) return {};
  const auto w = static_cast<std::size_t>(width), h = static_cast<std::size_t>(height);
  if (plane == 0) return {w * static_cast<std::size_t>(bytes_per_pixel(f)), h};
  const std::size_t cw = (w + 1) / 2, ch = (h + 1) / 2;
  return {f == PixelFormat::nv12 ? 2 * cw : cw, ch};
}

std::size_t packed_frame_bytes(PixelFormat f, int width, int height) noexcept {
  std::size_t total = 0;
  for (int p = 0; p < plane_count(f); ++p) {
    const PlaneSize s = plane_size(f, width, height, p);
    std::size_t bytes = 0;
    if (__builtin_mul_overflow(s.row_bytes, s.rows, &bytes) || __builtin_add_overflow(total, bytes, &total)) return 0;
  }
  return total;
}

FrameView FrameView::packed_planes(PixelFormat f, const std::uint8_t* data, int w, int h) noexcept {
  FrameView v;
  v.format = f;
  v.width = w;
  v.height = h;
  const std::uint8_t* at = data;
  for (int p = 0; p < plane_count(f); ++p) {
    const PlaneSize s = plane_size(f, w, h, p);
    v.planes[static_cast<std::size_t>(p)] = at;
    v.strides[static_cast<std::size_t>(p)] = static_cast<std::ptrdiff_t>(s.row_bytes);
    if (at != nullptr) at += s.row_bytes * s.rows;
  }
  return v;
}

std::ptrdiff_t FrameView::row_stride() const noexcept {
  return strides[0] != 0 ? strides[0]
                         : static_cast<std::ptrdiff_t>(width) * bytes_per_pixel(format);
}

void FrameView::validate() const {
  const int f = static_cast<int>(format);
  if (f < 0 || f > static_cast<int>(PixelFormat::nv12))
    throw Error(ErrorCode::invalid_argument, "unknown pixel format " + std::to_string(f));
  if (width <= 0 || height <= 0)
    throw Error(ErrorCode::invalid_argument, "frame size " + std::to_string(width) + "x" +
                                                 std::to_string(height) + " is not positive");
  if (static_cast<long long>(width) * height > std::numeric_limits<int>::max())
    throw Error(ErrorCode::invalid_argument, "frame of " + std::to_string(width) + "x" +
                                                 std::to_string(height) + " pixels is too large");
  if (planes[0] == nullptr) throw Error(ErrorCode::invalid_argument, "frame has no pixel data");
  const std::ptrdiff_t min_stride = static_cast<std::ptrdiff_t>(width) * bytes_per_pixel(format);
  if (strides[0] != 0 && strides[0] < min_stride)
    throw Error(ErrorCode::invalid_argument,
                "row stride " + std::to_string(strides[0]) + " is shorter than a row of " +
                    std::to_string(min_stride) + " bytes");
}

}  // namespace pdqguard
