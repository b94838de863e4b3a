// Hasher::hash_rows_scaled: a reduced image hashed with its source size's blur
// and sample positions. When every scale x scale block of the source is one
// colour, the reduced image loses nothing, so the result must be hash() of the
// full-size image, up to float summation order.
#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>

#include <cstdint>
#include <vector>

using namespace pdqguard;

namespace {

// Gradients, a few hard edges and noise, one channel or three.
std::vector<std::uint8_t> picture(int w, int h, int channels, std::uint32_t seed) {
  std::vector<std::uint8_t> px(static_cast<std::size_t>(w) * h * channels);
  std::uint32_t x = seed;
  for (int i = 0; i < h; ++i)
    for (int j = 0; j < w; ++j)
      for (int c = 0; c < channels; ++c) {
        x = x * 1664525u + 1013904223u;
        int v = (i * (c + 1) * 255 / h + j * (3 - c) * 255 / w) / 3 + static_cast<int>(x >> 27);
        if ((i / (h / 5 + 1) + j / (w / 7 + 1)) % 3 == 0) v += 90;
        px[(static_cast<std::size_t>(i) * w + j) * channels + c] = static_cast<std::uint8_t>(v & 255);
      }
  return px;
}

struct Rows final : RowSource {
  const std::uint8_t* base;
  std::size_t stride;
  int next = 0;
  Rows(const std::uint8_t* b, std::size_t s) : base(b), stride(s) {}
  void rows(int first, int count, const std::uint8_t** out) override {
    REQUIRE(first == next);
    next = first + count;
    for (int k = 0; k < count; ++k) out[k] = base + static_cast<std::size_t>(first + k) * stride;
  }
};

DihedralResult scaled(PixelFormat f, const std::vector<std::uint8_t>& px, int w, int h, int sw, int sh,
                      int scale, bool dihedral = false) {
  Hasher hasher;
  Rows rows(px.data(), static_cast<std::size_t>(w) * static_cast<std::size_t>(bytes_per_pixel(f)));
  const DihedralResult r = hasher.hash_rows_scaled(f, w, h, rows, sw, sh, scale, dihedral);
  CHECK(rows.next == h);  // every row was pulled
  return r;
}

}  // namespace

TEST_CASE("hash_rows_scaled at scale 1 is hash() up to summation order") {
  for (const auto& [w, h] : {std::pair{640, 480}, std::pair{1001, 333}, std::pair{129, 700}}) {
    for (PixelFormat f : {PixelFormat::gray8, PixelFormat::rgb8}) {
      CAPTURE(w);
      CAPTURE(h);
      CAPTURE(pixel_format_name(f));
      const auto px = picture(w, h, bytes_per_pixel(f), static_cast<std::uint32_t>(w * 7 + h));
      const DihedralResult want = hash_frame_dihedral(FrameView::packed(f, px.data(), w, h));
      const DihedralResult got = scaled(f, px, w, h, w, h, 1, true);
      CHECK(std::abs(got.quality - want.quality) <= 1);
      for (int d = 0; d < 8; ++d) CHECK(distance(got.hashes[d], want.hashes[d]) <= 2);
    }
  }
}

TEST_CASE("hash_rows_scaled of block-constant images equals hash() of the full-size image") {
  int scaled_total = 0, plain_total = 0, cases = 0;
  for (int scale : {2, 4, 8}) {
    for (const auto& [sw, sh] : {std::pair{2000, 1500}, std::pair{1203, 1601}, std::pair{777, 517}}) {
      CAPTURE(scale);
      CAPTURE(sw);
      CAPTURE(sh);
      const int w = (sw + scale - 1) / scale, h = (sh + scale - 1) / scale;
      const auto small = picture(w, h, 1, static_cast<std::uint32_t>(sw + scale));
      // The full-size image: every pixel takes its block's value (the last
      // row and column of blocks are cut short when the sides do not divide).
      std::vector<std::uint8_t> full(static_cast<std::size_t>(sw) * sh);
      for (int y = 0; y < sh; ++y)
        for (int x = 0; x < sw; ++x)
          full[static_cast<std::size_t>(y) * sw + x] = small[static_cast<std::size_t>(y / scale) * w + x / scale];
      const HashResult want = hash_frame(FrameView::packed(PixelFormat::gray8, full.data(), sw, sh));
      const DihedralResult got = scaled(PixelFormat::gray8, small, w, h, sw, sh, scale);
      const HashResult plain = hash_frame(FrameView::packed(PixelFormat::gray8, small.data(), w, h));
      CHECK(std::abs(got.quality - want.quality) <= 1);
      CHECK(distance(got.hashes[0], want.hash) <= 2);
      scaled_total += distance(got.hashes[0], want.hash);
      plain_total += distance(plain.hash, want.hash);
      ++cases;
    }
  }
  MESSAGE("summed distance to the full-size hash over " << cases << " cases: scaled geometry " << scaled_total
                                                        << ", the reduced image's own geometry " << plain_total);
  CHECK(plain_total > scaled_total);  // the point of the scaled geometry
}

TEST_CASE("hash_rows_scaled refuses sizes that do not fit and reports small sources") {
  const auto px = picture(100, 80, 1, 3);
  Hasher hasher;
  Rows rows(px.data(), 100);
  // 100x80 is 800x640 at 1/8, or 793..800 x 633..640; not 900 wide.
  CHECK_THROWS_AS(hasher.hash_rows_scaled(PixelFormat::gray8, 100, 80, rows, 900, 640, 8), Error);
  CHECK_THROWS_AS(hasher.hash_rows_scaled(PixelFormat::gray8, 100, 80, rows, 800, 640, 0), Error);
  CHECK_THROWS_AS(hasher.hash_rows_scaled(PixelFormat::i420, 100, 80, rows, 800, 640, 8), Error);
  try {
    hasher.hash_rows_scaled(PixelFormat::gray8, 100, 80, rows, 793, 641, 8);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::invalid_argument);
  }
  Rows ok(px.data(), 100);
  CHECK_FALSE(hasher.hash_rows_scaled(PixelFormat::gray8, 100, 80, ok, 793, 633, 8).too_small);
  const auto tiny = picture(1, 1, 1, 4);
  Rows t(tiny.data(), 1);
  const DihedralResult r = hasher.hash_rows_scaled(PixelFormat::gray8, 1, 1, t, 4, 4, 8);
  CHECK(r.too_small);
  CHECK(r.quality == 0);
}
