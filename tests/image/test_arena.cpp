// The per-thread arena behind libjpeg-turbo's image memory (lib/image/jpeg_arena):
// reused between images, bounded by the largest image, left consistent by errors,
// and invisible in the results.
#include "image/jpeg_arena.hpp"
#include "image/synth.hpp"

#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/image.hpp>

#include <thread>
#include <vector>

using namespace pdqguard;

namespace {

DihedralResult hash_bytes(const std::vector<std::uint8_t>& f, const DecodeOptions& o = {}) {
  Hasher h;
  DecodedImage info;
  return hash_image(f, h, info, o, true);
}

// The same file hashed on a thread that never decoded anything before.
DihedralResult hash_on_fresh_thread(const std::vector<std::uint8_t>& f, const DecodeOptions& o = {}) {
  DihedralResult r;
  std::thread t([&] { r = hash_bytes(f, o); });
  t.join();
  return r;
}

std::vector<std::uint8_t> progressive(int w, int h, int samp, std::uint64_t seed) {
  const auto px = test::photo_like(w, h, seed);
  test::JpegSpec s;
  s.progressive = true;
  s.h_samp = s.v_samp = samp;
  return test::encode_jpeg(px.data(), w, h, 3, s);
}

}  // namespace

TEST_CASE("JPEG arena: kept between images, sized by the largest, same results as a fresh thread") {
  std::thread([] {
    const auto big = progressive(640, 480, 1, 1);    // 4:4:4: whole-image coefficient arrays
    const auto small = progressive(200, 150, 2, 2);  // 4:2:0
    REQUIRE(detail::jpeg_arena_bytes() == 0);
    const DihedralResult first = hash_bytes(big);
    // The first image learnt its need; the second one gets it as one block.
    const DihedralResult second = hash_bytes(big);
    const std::size_t kept = detail::jpeg_arena_bytes();
    // At least the three 640x480 coefficient planes (2 bytes per coefficient).
    CHECK(kept >= std::size_t(640) * 480 * 3 * 2);
    CHECK(kept <= detail::kJpegArenaKeepLimit);
    CHECK(first.hashes == second.hashes);
    CHECK(hash_bytes(big).hashes == first.hashes);
    CHECK(detail::jpeg_arena_bytes() == kept);  // steady state: no growth
    // A smaller image reuses the block; the arena does not shrink below the largest need
    // nor grow past it.
    const DihedralResult s1 = hash_bytes(small);
    CHECK(detail::jpeg_arena_bytes() == kept);
    CHECK(s1.hashes == hash_on_fresh_thread(small).hashes);
    CHECK(first.hashes == hash_on_fresh_thread(big).hashes);
    // Fast mode (buffered-image decoding that stops early) on the same arena.
    DecodeOptions fast;
    fast.fast = true;
    fast.fast_min_side = 16;
    CHECK(hash_bytes(big, fast).hashes == hash_on_fresh_thread(big, fast).hashes);
    CHECK(hash_bytes(small, fast).hashes == hash_on_fresh_thread(small, fast).hashes);
    // Decoded pixels are the plain libjpeg ones (the arena only moves memory).
    const DecodedImage img = decode_image(big);
    CHECK(img.pixels == test::plain_decode_jpeg(big).px);
  }).join();
}

TEST_CASE("JPEG arena: errors and the pixel limit leave it consistent") {
  std::thread([] {
    const auto good = progressive(320, 240, 1, 3);
    const DihedralResult want = hash_bytes(good);
    hash_bytes(good);  // the second image of this size: the arena holds its need
    const std::size_t kept_before = detail::jpeg_arena_bytes();
    CHECK(kept_before > 0);
    // Refused from the header: nothing is allocated for it.
    DecodeOptions tight;
    tight.max_pixels = 1000;
    CHECK_THROWS_AS(hash_bytes(good, tight), Error);
    CHECK(detail::jpeg_arena_bytes() == kept_before);
    // Damaged files (fatal errors part-way through the scans, longjmp out of
    // libjpeg) interleaved with good ones: the good ones never change.
    test::Rng rng(11);
    int failed = 0;
    for (int i = 0; i < 30; ++i) {
      auto d = good;
      for (int k = 0; k < 6; ++k)
        d[static_cast<std::size_t>(rng.range(2, static_cast<int>(d.size()) - 1))] ^=
            static_cast<std::uint8_t>(1 + rng.next() % 255);
      try {
        hash_bytes(d);
      } catch (const Error&) {
        ++failed;
      }
      REQUIRE(hash_bytes(good).hashes == want.hashes);
    }
    CHECK(detail::jpeg_arena_bytes() == kept_before);
    MESSAGE(failed << " of 30 damaged files failed to decode");
  }).join();
}

TEST_CASE("JPEG arena: a decoder nested on the same thread keeps libjpeg's allocator") {
  std::thread([] {
    jpeg_decompress_struct a{}, b{};
    jpeg_error_mgr ea{}, eb{};
    a.err = jpeg_std_error(&ea);
    b.err = jpeg_std_error(&eb);
    jpeg_create_decompress(&a);
    jpeg_create_decompress(&b);
    detail::JpegArenaHook ha, hb;
    CHECK(ha.install(&a));
    CHECK_FALSE(hb.install(&b));  // the thread's arena is taken
    jpeg_destroy_decompress(&a);
    ha.release();
    CHECK(hb.install(&b));  // free again
    jpeg_destroy_decompress(&b);
    hb.release();
  }).join();
}
