// Frame views: pixel layouts, strides and planes that must not change a hash.
#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>

#include <random>
#include <vector>

using namespace pdqguard;

namespace {
std::vector<std::uint8_t> random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

// Smooth-ish picture (so hashes are not all noise) with some random texture.
std::vector<std::uint8_t> picture_rgb(int w, int h, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> v(static_cast<std::size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        v[(static_cast<std::size_t>(y) * w + x) * 3 + c] =
            static_cast<std::uint8_t>((x * (c + 1) * 255 / w + y * 255 / h + (rng() & 15)) & 255);
  return v;
}
}  // namespace

TEST_CASE("RGB8, BGR8, RGBA8 and BGRA8 of the same pixels hash the same") {
  for (auto [w, h] : {std::pair{37, 23}, std::pair{640, 480}, std::pair{129, 301}}) {
    CAPTURE(w);
    const auto rgb = picture_rgb(w, h, static_cast<unsigned>(w));
    const std::size_t n = static_cast<std::size_t>(w) * h;
    std::vector<std::uint8_t> bgr(n * 3), rgba(n * 4), bgra(n * 4);
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t r = rgb[i * 3], g = rgb[i * 3 + 1], b = rgb[i * 3 + 2];
      bgr[i * 3] = b, bgr[i * 3 + 1] = g, bgr[i * 3 + 2] = r;
      rgba[i * 4] = r, rgba[i * 4 + 1] = g, rgba[i * 4 + 2] = b, rgba[i * 4 + 3] = static_cast<std::uint8_t>(i);
      bgra[i * 4] = b, bgra[i * 4 + 1] = g, bgra[i * 4 + 2] = r, bgra[i * 4 + 3] = static_cast<std::uint8_t>(i * 7);
    }
    const auto ref = hash_frame_dihedral(FrameView::packed(PixelFormat::rgb8, rgb.data(), w, h));
    for (auto [fmt, data] : {std::pair{PixelFormat::bgr8, &bgr}, std::pair{PixelFormat::rgba8, &rgba},
                             std::pair{PixelFormat::bgra8, &bgra}}) {
      const auto got = hash_frame_dihedral(FrameView::packed(fmt, data->data(), w, h));
      CHECK(got.hashes == ref.hashes);
      CHECK(got.quality == ref.quality);
    }
  }
}

TEST_CASE("row padding does not change a hash") {
  const int w = 203, h = 117;
  const auto gray = random_bytes(static_cast<std::size_t>(w) * h, 3);
  const auto ref = hash_frame(FrameView::packed(PixelFormat::gray8, gray.data(), w, h));
  for (int pad : {1, 13, 64}) {
    const std::ptrdiff_t stride = w + pad;
    std::vector<std::uint8_t> padded(static_cast<std::size_t>(stride) * h, 0xEE);
    for (int y = 0; y < h; ++y)
      std::copy_n(gray.data() + static_cast<std::size_t>(y) * w, w, padded.data() + y * stride);
    const auto got = hash_frame(FrameView::packed(PixelFormat::gray8, padded.data(), w, h, stride));
    CHECK(got.hash == ref.hash);
    CHECK(got.quality == ref.quality);
  }
}

TEST_CASE("I420 and NV12 hash their Y plane as gray") {
  const int w = 321, h = 179;
  const auto y = random_bytes(static_cast<std::size_t>(w + 7) * h, 11);
  const auto uv = random_bytes(static_cast<std::size_t>(w + 1) * (h + 1), 12);
  const auto ref = hash_frame(FrameView::packed(PixelFormat::gray8, y.data(), w, h, w + 7));
  const auto i420 = hash_frame(FrameView::i420(y.data(), w + 7, uv.data(), (w + 1) / 2,
                                               uv.data() + 1000, (w + 1) / 2, w, h));
  const auto nv12 = hash_frame(FrameView::nv12(y.data(), w + 7, uv.data(), w + 1, w, h));
  CHECK(i420.hash == ref.hash);
  CHECK(nv12.hash == ref.hash);
}

TEST_CASE("frames below 5 pixels on a side give the zero hash and say so") {
  const auto px = random_bytes(4 * 100 * 3, 5);
  for (auto [w, h] : {std::pair{4, 100}, std::pair{100, 4}, std::pair{1, 1}}) {
    const auto r = hash_frame(FrameView::packed(PixelFormat::rgb8, px.data(), w, h));
    CHECK(r.too_small);
    CHECK(r.hash.is_zero());
    CHECK(r.quality == 0);
  }
  const auto ok = hash_frame(FrameView::packed(PixelFormat::gray8, px.data(), 5, 5));
  CHECK_FALSE(ok.too_small);
}

TEST_CASE("invalid views are refused with invalid_argument") {
  std::uint8_t px[64] = {};
  auto expect_invalid = [](const FrameView& v) {
    try {
      (void)hash_frame(v);
      FAIL("accepted an invalid view");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::invalid_argument);
    }
  };
  expect_invalid(FrameView::packed(PixelFormat::gray8, px, 0, 5));
  expect_invalid(FrameView::packed(PixelFormat::gray8, px, 5, -1));
  expect_invalid(FrameView::packed(PixelFormat::gray8, nullptr, 8, 8));
  expect_invalid(FrameView::packed(PixelFormat::rgb8, px, 8, 2, 20));  // stride < 24
  expect_invalid(FrameView::packed(PixelFormat::gray8, px, 100000, 100000));
}

TEST_CASE("pixel format names: canonical names round-trip, ffmpeg's names are aliases") {
  for (int i = 0; i <= 6; ++i) {
    const auto f = static_cast<PixelFormat>(i);
    PixelFormat got = PixelFormat::nv12;
    CHECK(parse_pixel_format(pixel_format_name(f), got));
    CHECK(got == f);
  }
  const std::pair<const char*, PixelFormat> aliases[] = {
      {"gray", PixelFormat::gray8}, {"rgb24", PixelFormat::rgb8}, {"rgba", PixelFormat::rgba8},
      {"bgr24", PixelFormat::bgr8}, {"bgra", PixelFormat::bgra8}, {"yuv420p", PixelFormat::i420}};
  for (const auto& [name, f] : aliases) {
    PixelFormat got = PixelFormat::nv12;
    CHECK(parse_pixel_format(name, got));
    CHECK(got == f);
  }
  PixelFormat untouched = PixelFormat::bgr8;
  for (const char* bad : {"", "RGB8", "yuv444p", "rgb", "i420 "}) {
    CHECK_FALSE(parse_pixel_format(bad, untouched));
    CHECK(untouched == PixelFormat::bgr8);
  }
}
