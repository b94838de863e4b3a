// Hasher::hash_rows: a frame pulled row strip by row strip must hash exactly as
// the same pixels hashed in one piece, on the active path (this suite runs once
// per ISA), for every single-plane format and awkward sizes.
#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>

#include <cstring>
#include <vector>

using namespace pdqguard;

namespace {

// Smooth gradients plus noise: a picture with real structure and fine detail.
std::vector<std::uint8_t> picture(int w, int h, std::uint32_t seed) {
  std::vector<std::uint8_t> px(static_cast<std::size_t>(w) * h * 3);
  std::uint32_t x = seed;
  for (int i = 0; i < h; ++i)
    for (int j = 0; j < w; ++j)
      for (int c = 0; c < 3; ++c) {
        x = x * 1664525u + 1013904223u;
        const int v = (i * (c + 1) * 255 / h + j * (3 - c) * 255 / w) / 3 + static_cast<int>(x >> 28);
        px[(static_cast<std::size_t>(i) * w + j) * 3 + c] = static_cast<std::uint8_t>(v & 255);
      }
  return px;
}

// Serves rows of a packed frame through a scratch buffer that is overwritten
// on every call (so a kernel that kept an old pointer would read wrong pixels),
// and checks the calling contract.
struct CopyingSource final : RowSource {
  const std::uint8_t* frame;
  std::size_t row_bytes;
  int height;
  int next = 0;
  int calls = 0;
  std::vector<std::uint8_t> scratch;
  CopyingSource(const std::uint8_t* f, std::size_t rb, int h) : frame(f), row_bytes(rb), height(h) {}
  void rows(int first, int count, const std::uint8_t** out) override {
    REQUIRE(first == next);
    REQUIRE(count >= 1);
    REQUIRE(count <= 64);
    REQUIRE(first + count <= height);
    next = first + count;
    ++calls;
    scratch.assign(static_cast<std::size_t>(count) * row_bytes, 0xA5);  // poison, then fill
    for (int i = 0; i < count; ++i) {
      std::memcpy(scratch.data() + static_cast<std::size_t>(i) * row_bytes,
                  frame + static_cast<std::size_t>(first + i) * row_bytes, row_bytes);
      out[i] = scratch.data() + static_cast<std::size_t>(i) * row_bytes;
    }
  }
};

struct Throwing final : RowSource {
  int fail_at;
  std::vector<std::uint8_t> row;
  explicit Throwing(int f, std::size_t rb) : fail_at(f), row(rb * 64) {}
  void rows(int first, int count, const std::uint8_t** out) override {
    if (first + count > fail_at) throw Error(ErrorCode::decode_error, "source failed");
    for (int i = 0; i < count; ++i) out[i] = row.data();
  }
};

}  // namespace

TEST_CASE("hash_rows equals hash and hash_dihedral of the same pixels") {
  const PixelFormat formats[] = {PixelFormat::gray8, PixelFormat::rgb8, PixelFormat::bgr8,
                                 PixelFormat::rgba8, PixelFormat::bgra8};
  const int sizes[][2] = {{5, 5},    {64, 64},  {63, 65},  {4, 100},  {100, 4},  {31, 33},
                          {33, 31},  {640, 480}, {1001, 37}, {37, 1001}, {129, 257}, {2000, 1500}};
  Hasher hasher;
  int cases = 0;
  for (const auto& wh : sizes) {
    const int w = wh[0], h = wh[1];
    const auto rgb = picture(w, h, static_cast<std::uint32_t>(w * 7919 + h));
    for (PixelFormat f : formats) {
      CAPTURE(w);
      CAPTURE(h);
      CAPTURE(pixel_format_name(f));
      const int bpp = bytes_per_pixel(f);
      std::vector<std::uint8_t> px(static_cast<std::size_t>(w) * h * bpp);
      for (std::size_t i = 0; i < static_cast<std::size_t>(w) * h; ++i)
        for (int c = 0; c < bpp; ++c)
          px[i * bpp + c] = c < 3 ? rgb[i * 3 + static_cast<std::size_t>(c)] : static_cast<std::uint8_t>(i);
      const FrameView view = FrameView::packed(f, px.data(), w, h);
      const HashResult one = hasher.hash(view);
      const DihedralResult all = hasher.hash_dihedral(view);

      CopyingSource s1(px.data(), static_cast<std::size_t>(w) * bpp, h);
      const DihedralResult r1 = hasher.hash_rows(f, w, h, s1);
      CHECK(s1.next == h);
      CHECK(r1.hashes[0] == one.hash);
      CHECK(r1.quality == one.quality);
      CHECK(r1.too_small == one.too_small);

      CopyingSource s2(px.data(), static_cast<std::size_t>(w) * bpp, h);
      const DihedralResult r2 = hasher.hash_rows(f, w, h, s2, /*dihedral=*/true);
      CHECK(s2.next == h);
      CHECK(r2.quality == all.quality);
      for (int d = 0; d < 8; ++d) CHECK(r2.hashes[static_cast<std::size_t>(d)] == all.hashes[static_cast<std::size_t>(d)]);
      ++cases;
    }
  }
  CHECK(cases == 60);
}

TEST_CASE("hash_rows refuses bad arguments and passes the source's exception on") {
  Hasher hasher;
  Throwing bad(0, 3 * 100);
  CHECK_THROWS_AS(hasher.hash_rows(PixelFormat::i420, 100, 100, bad), Error);
  CHECK_THROWS_AS(hasher.hash_rows(PixelFormat::rgb8, 0, 100, bad), Error);
  CHECK_THROWS_AS(hasher.hash_rows(PixelFormat::rgb8, 100, -1, bad), Error);
  for (int fail_at : {1, 40, 99}) {
    Throwing t(fail_at, 3 * 100);
    try {
      (void)hasher.hash_rows(PixelFormat::rgb8, 100, 100, t);
      FAIL("expected the source's error");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::decode_error);
    }
  }
  // The hasher is still usable afterwards.
  std::vector<std::uint8_t> px(100 * 100 * 3, 7);
  CopyingSource ok(px.data(), 300, 100);
  CHECK(hasher.hash_rows(PixelFormat::rgb8, 100, 100, ok).hashes[0] ==
        hasher.hash(FrameView::packed(PixelFormat::rgb8, px.data(), 100, 100)).hash);
}
