// How close is hashing the Y plane of an I420/NV12 frame to hashing the RGB
// frame it was converted from? pdqguard hashes I420/NV12 by their Y plane (no
// conversion back to RGB), so the two differ by the BT.601 luma weights and by
// integer rounding (and, for limited range, by the 16..235 scaling, which PDQ's
// median threshold nearly ignores). Measured on the corpus's decoded RGB images.
//
// Conversions (integer BT.601, as video encoders and libyuv commonly do):
//   limited ("TV") range:  Y = ((66 R + 129 G + 25 B + 128) >> 8) + 16
//   full ("PC/JPEG") range: Y = (77 R + 150 G + 29 B + 128) >> 8
//   chroma (only to build a complete frame; not hashed):
//     U = ((-38 R - 74 G + 112 B + 128) >> 8) + 128, V = ((112 R - 94 G - 18 B + 128) >> 8) + 128
//     on 2x2 averages.
#include "common/corpus.hpp"

#include <doctest/doctest.h>

#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

using namespace pdqguard;

namespace {

struct I420 {
  int w, h;
  std::vector<std::uint8_t> y, u, v;
  FrameView view() const {
    const int cw = (w + 1) / 2;
    return FrameView::i420(y.data(), w, u.data(), cw, v.data(), cw, w, h);
  }
};

std::uint8_t clamp8(int x) { return static_cast<std::uint8_t>(std::clamp(x, 0, 255)); }

I420 to_i420(const DecodedImage& img, bool full_range) {
  I420 f{img.width, img.height, {}, {}, {}};
  const int w = img.width, h = img.height, cw = (w + 1) / 2, ch = (h + 1) / 2;
  f.y.resize(static_cast<std::size_t>(w) * h);
  f.u.resize(static_cast<std::size_t>(cw) * ch);
  f.v.resize(f.u.size());
  auto px = [&](int x, int y, int c) {
    return static_cast<int>(img.pixels[(static_cast<std::size_t>(y) * w + x) * 3 + c]);
  };
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int r = px(x, y, 0), g = px(x, y, 1), b = px(x, y, 2);
      f.y[static_cast<std::size_t>(y) * w + x] =
          full_range ? clamp8((77 * r + 150 * g + 29 * b + 128) >> 8)
                     : clamp8(((66 * r + 129 * g + 25 * b + 128) >> 8) + 16);
    }
  for (int y = 0; y < ch; ++y)
    for (int x = 0; x < cw; ++x) {
      int r = 0, g = 0, b = 0, n = 0;
      for (int dy = 0; dy < 2; ++dy)
        for (int dx = 0; dx < 2; ++dx)
          if (2 * x + dx < w && 2 * y + dy < h) {
            r += px(2 * x + dx, 2 * y + dy, 0), g += px(2 * x + dx, 2 * y + dy, 1);
            b += px(2 * x + dx, 2 * y + dy, 2), ++n;
          }
      r /= n, g /= n, b /= n;
      f.u[static_cast<std::size_t>(y) * cw + x] = clamp8(((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128);
      f.v[static_cast<std::size_t>(y) * cw + x] = clamp8(((112 * r - 94 * g - 18 * b + 128) >> 8) + 128);
    }
  return f;
}

}  // namespace

TEST_CASE("I420 Y-plane hash stays close to the RGB hash of the same picture") {
  if (!test::needs_full_corpus()) return;
  const std::string dir = test::corpus_dir() + "/raw/decoded";
  int images = 0, worst = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".ppm") continue;
    const DecodedImage img = decode_image_file(entry.path().string());
    if (img.gray || img.width < 5 || img.height < 5) continue;
    CAPTURE(entry.path().filename().string());
    const HashResult rgb = hash_frame(img.view());
    const I420 tv = to_i420(img, false), pc = to_i420(img, true);
    const HashResult y_tv = hash_frame(tv.view());
    const HashResult y_pc = hash_frame(pc.view());
    const int d_tv = distance(rgb.hash, y_tv.hash), d_pc = distance(rgb.hash, y_pc.hash);
    MESSAGE(entry.path().filename().string() << " " << img.width << "x" << img.height << " quality "
                                             << rgb.quality << ": distance Y(limited)=" << d_tv
                                             << " Y(full)=" << d_pc);
    // PDQ's usual match threshold is 31 of 256 bits. Hashes of quality >= 50 must
    // stay well inside it; near-flat pictures (quality < 50, which PDQ users are
    // told not to match on) flip many bits for any change, so only a loose bound.
    const int bound = rgb.quality >= 50 ? 8 : 64;
    CHECK(d_tv <= bound);
    CHECK(d_pc <= bound);
    if (rgb.quality >= 50) worst = std::max({worst, d_tv, d_pc});
    ++images;
  }
  CHECK(images >= 8);
  MESSAGE("images: " << images << ", worst distance at quality >= 50: " << worst);
}
