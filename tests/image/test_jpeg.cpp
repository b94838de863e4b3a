// JPEG: synthetic files in every mode the decoder claims, checked pixel for
// pixel against the plain libjpeg API with library defaults.
#include "image/synth.hpp"

#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/image.hpp>

using namespace pdqguard;
using pdqguard::test::JpegSpec;

namespace {

struct Mode {
  const char* name;
  int components;
  JpegSpec spec;
};

std::vector<Mode> jpeg_modes() {
  std::vector<Mode> m;
  auto add = [&](const char* n, int comps, JpegSpec s) { m.push_back({n, comps, s}); };
  JpegSpec s;
  add("gray", 1, s);
  s = {}; s.h_samp = 1; s.v_samp = 1; add("4:4:4", 3, s);
  s = {}; s.h_samp = 2; s.v_samp = 1; add("4:2:2", 3, s);
  s = {}; s.h_samp = 2; s.v_samp = 2; add("4:2:0", 3, s);
  s = {}; s.h_samp = 1; s.v_samp = 2; add("4:4:0", 3, s);
  s = {}; s.h_samp = 4; s.v_samp = 1; add("4:1:1", 3, s);
  s = {}; s.progressive = true; add("progressive 4:2:0", 3, s);
  s = {}; s.progressive = true; s.h_samp = 1; s.v_samp = 1; add("progressive 4:4:4", 3, s);
  s = {}; s.progressive = true; add("progressive gray", 1, s);
  s = {}; s.arithmetic = true; add("arithmetic 4:2:0", 3, s);
  s = {}; s.arithmetic = true; s.progressive = true; add("arithmetic progressive", 3, s);
  s = {}; s.restart_interval = 1; add("restart every MCU", 3, s);
  s = {}; s.restart_interval = 7; s.h_samp = 2; s.v_samp = 1; add("restart every 7 MCUs 4:2:2", 3, s);
  s = {}; s.jpeg_space = JCS_RGB; s.h_samp = 1; s.v_samp = 1; add("RGB-coded (Adobe transform 0)", 3, s);
  s = {}; s.quality = 30; add("low quality", 3, s);
  s = {}; s.quality = 100; s.h_samp = 1; s.v_samp = 1; add("quality 100", 3, s);
  s = {}; s.h_samp = 1; s.v_samp = 1; add("CMYK", 4, s);
  s = {}; s.h_samp = 2; s.v_samp = 2; s.jpeg_space = JCS_YCCK; add("YCCK 4:2:0", 4, s);
  s = {}; s.progressive = true; s.h_samp = 1; s.v_samp = 1; add("CMYK progressive", 4, s);
  return m;
}

std::vector<std::uint8_t> source(int comps, int w, int h, std::uint64_t seed) {
  const auto rgb = test::photo_like(w, h, seed);
  if (comps == 1) return test::to_gray(rgb);
  if (comps == 4) return test::to_cmyk(rgb);
  return rgb;
}

// Independent statement of the corpus README's CMYK rule.
std::vector<std::uint8_t> cmyk_to_rgb_reference(const std::vector<std::uint8_t>& cmyk) {
  std::vector<std::uint8_t> out(cmyk.size() / 4 * 3);
  auto muldiv255 = [](int a, int b) {
    const int t = a * b + 128;
    return (t + (t >> 8)) >> 8;
  };
  for (std::size_t i = 0; i < cmyk.size() / 4; ++i) {
    const int sk = cmyk[4 * i + 3];
    for (int c = 0; c < 3; ++c)
      out[3 * i + c] = static_cast<std::uint8_t>(sk - muldiv255(255 - cmyk[4 * i + c], sk));
  }
  return out;
}

}  // namespace

TEST_CASE("JPEG modes decode to the plain libjpeg pixels") {
  const int sizes[][2] = {{97, 61}, {64, 64}, {1, 1}, {333, 17}, {8, 200}};
  std::uint64_t seed = 1;
  for (const auto& mode : jpeg_modes()) {
    for (const auto& sz : sizes) {
      const int w = sz[0], h = sz[1];
      CAPTURE(mode.name);
      CAPTURE(w);
      CAPTURE(h);
      const auto src = source(mode.components, w, h, seed++);
      const auto file = test::encode_jpeg(src.data(), w, h, mode.components, mode.spec);
      const DecodedImage img = decode_image(file);
      const test::PlainJpeg plain = test::plain_decode_jpeg(file);
      CHECK(img.format == ImageFormat::jpeg);
      CHECK(img.warnings.empty());
      REQUIRE(img.width == w);
      REQUIRE(img.height == h);
      CHECK(img.gray == (mode.components == 1));
      if (mode.components == 4) {
        REQUIRE(plain.components == 4);
        CHECK(img.pixels == cmyk_to_rgb_reference(plain.px));
      } else {
        CHECK(plain.components == mode.components);
        CHECK(img.pixels == plain.px);
      }
    }
  }
}

TEST_CASE("CMYK conversion follows the Adobe-inverted muldiv255 formula on known samples") {
  // A 4:4:4 CMYK JPEG at quality 100 keeps flat 16x16 blocks nearly exact; the
  // decoder output for black (k=0 in Adobe polarity) must be 0 and for k=255,
  // c=m=y=255 (no ink) white.
  std::vector<std::uint8_t> cmyk(32 * 16 * 4);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 32; ++x) {
      std::uint8_t* p = &cmyk[(y * 32 + x) * 4];
      if (x < 16) { p[0] = p[1] = p[2] = 255; p[3] = 255; }  // stored "no ink"
      else { p[0] = p[1] = p[2] = 255; p[3] = 0; }            // stored full black
    }
  JpegSpec s;
  s.quality = 100;
  s.h_samp = s.v_samp = 1;
  const auto file = test::encode_jpeg(cmyk.data(), 32, 16, 4, s);
  const DecodedImage img = decode_image(file);
  REQUIRE(!img.gray);
  CHECK(img.pixels[(8 * 32 + 4) * 3] == 255);
  CHECK(img.pixels[(8 * 32 + 24) * 3] == 0);
}

TEST_CASE("libjpeg warnings are reported, and strict mode refuses them") {
  const int w = 256, h = 192;
  const auto src = test::photo_like(w, h, 77);
  for (bool progressive : {false, true}) {
    CAPTURE(progressive);
    JpegSpec s;
    s.progressive = progressive;
    auto file = test::encode_jpeg(src.data(), w, h, 3, s);
    file.resize(file.size() * 6 / 10);  // cut inside the entropy-coded data
    const DecodedImage img = decode_image(file);
    REQUIRE(!img.warnings.empty());
    CHECK(img.warnings.front().find("Premature end of JPEG file") != std::string::npos);
    CHECK(img.width == w);
    CHECK(img.pixels.size() == static_cast<std::size_t>(w) * h * 3);
    DecodeOptions strict;
    strict.strict = true;
    try {
      (void)decode_image(file, strict);
      FAIL("strict mode accepted a truncated JPEG");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::decode_error);
    }
  }
}

TEST_CASE("fast mode: scale choice, exact scaled pixels for baseline, PNG/PNM untouched") {
  const int w = 1601, h = 1203;
  const auto src = test::photo_like(w, h, 5);
  const auto file = test::encode_jpeg(src.data(), w, h, 3);
  DecodeOptions fast;
  fast.fast = true;
  CHECK(fast.fast_min_side == DecodeOptions::kDefaultFastMinSide);
  const DecodedImage def = decode_image(file, fast);
  CHECK(def.scale_denom == 4);  // 401x301; 1/8 would give 201x151, below 256
  CHECK(def.width == 401);
  CHECK(def.height == 301);
  fast.fast_min_side = 128;
  const DecodedImage img = decode_image(file, fast);
  CHECK(img.scale_denom == 8);  // 201x151, both >= 128
  CHECK(img.width == 201);
  CHECK(img.height == 151);
  CHECK(img.source_width == w);
  CHECK(img.source_height == h);
  CHECK(img.gray);  // luma straight from the decoder
  const auto plain = test::plain_decode_jpeg(file, 8, true);
  CHECK(img.pixels == plain.px);
  CHECK(def.pixels == test::plain_decode_jpeg(file, 4, true).px);

  fast.fast_min_side = 200;
  CHECK(decode_image(file, fast).scale_denom == 4);
  fast.fast_min_side = 700;
  CHECK(decode_image(file, fast).scale_denom == 1);
  fast.fast_min_side = 2000;
  const DecodedImage full = decode_image(file, fast);
  CHECK(full.scale_denom == 1);
  CHECK(full.width == w);

  // An RGB-coded file (Adobe transform 0) also gives luma, via libjpeg's RGB->gray.
  test::JpegSpec rgb_coded;
  rgb_coded.jpeg_space = JCS_RGB;
  rgb_coded.progressive = true;
  const auto rf = test::encode_jpeg(src.data(), w, h, 3, rgb_coded);
  const DecodedImage ri = decode_image(rf, fast);
  CHECK(ri.gray);
  CHECK(ri.scale_denom == 1);  // fast_min_side is 2000 here
  fast.fast_min_side = 128;
  const DecodedImage ri8 = decode_image(rf, fast);
  CHECK(ri8.gray);
  CHECK(ri8.scale_denom == 8);
  CHECK(ri8.width == 201);

  // Gray and CMYK files keep their route in fast mode.
  const auto g = test::to_gray(src);
  DecodeOptions f2;
  f2.fast = true;
  f2.fast_min_side = 128;
  const DecodedImage gi = decode_image(test::encode_jpeg(g.data(), w, h, 1), f2);
  CHECK(gi.gray);
  CHECK(gi.scale_denom == 8);
  const auto c = test::to_cmyk(test::photo_like(640, 480, 9));
  const DecodedImage ci = decode_image(test::encode_jpeg(c.data(), 640, 480, 4), f2);
  CHECK(!ci.gray);
  CHECK(ci.scale_denom == 2);
  CHECK(ci.width == 320);
}

TEST_CASE("fast mode on progressive files stops early and stays close to the full scaled decode") {
  const int w = 2048, h = 1536;
  const auto src = test::photo_like(w, h, 11);
  JpegSpec s;
  s.progressive = true;
  const auto file = test::encode_jpeg(src.data(), w, h, 3, s);
  DecodeOptions fast;
  fast.fast = true;
  fast.fast_min_side = 128;
  const DecodedImage img = decode_image(file, fast);
  REQUIRE(img.scale_denom == 8);
  CHECK(img.warnings.empty());
  const auto plain = test::plain_decode_jpeg(file, 8, true);
  REQUIRE(plain.px.size() == img.pixels.size());
  long total = 0;
  int worst = 0;
  for (std::size_t i = 0; i < img.pixels.size(); ++i) {
    const int d = std::abs(int(img.pixels[i]) - int(plain.px[i]));
    total += d;
    worst = std::max(worst, d);
  }
  const double mean = static_cast<double>(total) / static_cast<double>(img.pixels.size());
  MESSAGE("progressive 1/8 early stop: mean abs diff " << mean << ", max " << worst);
  CHECK(mean < 2.0);
}
