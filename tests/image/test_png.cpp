// PNG: every colour type and bit depth, with and without tRNS, plain and Adam7,
// encoded here with libpng from known samples; the decoded pixels must be what
// the corpus rules say, computed independently from the samples.
#include "image/decoders.hpp"
#include "image/synth.hpp"

#include <zlib.h>

#include <algorithm>

#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>

using namespace pdqguard;

namespace {

struct Case {
  int color_type;
  int bit_depth;
};

const Case kCases[] = {
    {PNG_COLOR_TYPE_GRAY, 1},       {PNG_COLOR_TYPE_GRAY, 2},       {PNG_COLOR_TYPE_GRAY, 4},
    {PNG_COLOR_TYPE_GRAY, 8},       {PNG_COLOR_TYPE_GRAY, 16},      {PNG_COLOR_TYPE_GRAY_ALPHA, 8},
    {PNG_COLOR_TYPE_GRAY_ALPHA, 16}, {PNG_COLOR_TYPE_PALETTE, 1},   {PNG_COLOR_TYPE_PALETTE, 2},
    {PNG_COLOR_TYPE_PALETTE, 4},    {PNG_COLOR_TYPE_PALETTE, 8},    {PNG_COLOR_TYPE_RGB, 8},
    {PNG_COLOR_TYPE_RGB, 16},       {PNG_COLOR_TYPE_RGB_ALPHA, 8},  {PNG_COLOR_TYPE_RGB_ALPHA, 16},
};

// Expected output per the rules, from the source samples.
std::vector<std::uint8_t> expected(const std::vector<std::uint16_t>& s, int w, int h,
                                   const test::PngSpec& spec, bool& gray) {
  const int ch = test::png_channels(spec.color_type);
  const int bd = spec.bit_depth;
  gray = spec.color_type == PNG_COLOR_TYPE_GRAY;
  std::vector<std::uint8_t> out;
  auto to8 = [&](unsigned v) -> std::uint8_t {
    if (bd == 16) return static_cast<std::uint8_t>(v >> 8);
    if (bd == 8) return static_cast<std::uint8_t>(v);
    return static_cast<std::uint8_t>(v * 255 / ((1u << bd) - 1));  // 1->255, 2->x85, 4->x17
  };
  for (int i = 0; i < w * h; ++i) {
    const std::uint16_t* p = &s[static_cast<std::size_t>(i) * ch];
    switch (spec.color_type) {
      case PNG_COLOR_TYPE_GRAY: out.push_back(to8(p[0])); break;
      case PNG_COLOR_TYPE_GRAY_ALPHA:
        for (int k = 0; k < 3; ++k) out.push_back(to8(p[0]));
        break;
      case PNG_COLOR_TYPE_PALETTE: {
        const png_color& c = spec.palette[p[0]];
        out.push_back(c.red);
        out.push_back(c.green);
        out.push_back(c.blue);
        break;
      }
      default:
        for (int k = 0; k < 3; ++k) out.push_back(to8(p[k]));
    }
  }
  return out;
}

}  // namespace

TEST_CASE("PNG colour types, bit depths, tRNS and Adam7 follow the decode rules") {
  const int sizes[][2] = {{1, 1}, {3, 2}, {9, 9}, {37, 23}, {64, 5}};
  test::Rng rng(42);
  for (const Case& c : kCases) {
    for (bool interlace : {false, true}) {
      for (bool trns : {false, true}) {
        for (const auto& sz : sizes) {
          const int w = sz[0], h = sz[1];
          CAPTURE(c.color_type);
          CAPTURE(c.bit_depth);
          CAPTURE(interlace);
          CAPTURE(trns);
          CAPTURE(w);
          CAPTURE(h);
          test::PngSpec spec;
          spec.color_type = c.color_type;
          spec.bit_depth = c.bit_depth;
          spec.interlace = interlace;
          const int ch = test::png_channels(c.color_type);
          const unsigned maxv = (1u << c.bit_depth) - 1;
          std::vector<std::uint16_t> s(static_cast<std::size_t>(w) * h * ch);
          if (c.color_type == PNG_COLOR_TYPE_PALETTE) {
            const int n = static_cast<int>(std::min<unsigned>(maxv + 1, 200));
            for (int i = 0; i < n; ++i)
              spec.palette.push_back({static_cast<png_byte>(rng.range(0, 255)),
                                      static_cast<png_byte>(rng.range(0, 255)),
                                      static_cast<png_byte>(rng.range(0, 255))});
            for (auto& v : s) v = static_cast<std::uint16_t>(rng.range(0, n - 1));
            if (trns)
              for (int i = 0; i < n; ++i) spec.trns_alpha.push_back(static_cast<png_byte>(rng.range(0, 255)));
          } else {
            for (auto& v : s) v = static_cast<std::uint16_t>(rng.next() % (maxv + 1));
            if (trns && (c.color_type == PNG_COLOR_TYPE_GRAY || c.color_type == PNG_COLOR_TYPE_RGB)) {
              spec.trns_key = true;
              spec.key.gray = static_cast<png_uint_16>(s[0]);
              spec.key.red = static_cast<png_uint_16>(s[0]);
              spec.key.green = static_cast<png_uint_16>(s[1 % s.size()]);
              spec.key.blue = static_cast<png_uint_16>(s[2 % s.size()]);
            }
            if (ch == 2 || ch == 4)  // some fully transparent pixels: RGB kept, not composited
              for (std::size_t i = static_cast<std::size_t>(ch) - 1; i < s.size(); i += static_cast<std::size_t>(ch) * 3) s[i] = 0;
          }
          const auto file = test::encode_png(s, w, h, spec);
          bool gray = false;
          const auto want = expected(s, w, h, spec, gray);
          const DecodedImage img = decode_image(file);
          CHECK(img.format == ImageFormat::png);
          CHECK(img.warnings.empty());
          REQUIRE(img.width == w);
          REQUIRE(img.height == h);
          CHECK(img.gray == gray);
          CHECK(img.pixels == want);
          // Interlacing never changes pixels; fast mode never touches PNG.
          DecodeOptions fast;
          fast.fast = true;
          CHECK(decode_image(file, fast).pixels == want);
        }
      }
    }
  }
}

TEST_CASE("PNG palette index beyond PLTE reads Pillow's gray ramp, with a warning") {
  test::PngSpec spec;
  spec.color_type = PNG_COLOR_TYPE_PALETTE;
  spec.bit_depth = 8;
  spec.palette = {{10, 20, 30}, {40, 50, 60}};
  const std::vector<std::uint16_t> s = {0, 1, 7, 200};
  const auto file = test::encode_png(s, 4, 1, spec);
  const DecodedImage img = decode_image(file);
  const std::vector<std::uint8_t> want = {10, 20, 30, 40, 50, 60, 7, 7, 7, 200, 200, 200};
  CHECK(img.pixels == want);
  REQUIRE(!img.warnings.empty());
  DecodeOptions strict;
  strict.strict = true;
  CHECK_THROWS_AS((void)decode_image(file, strict), Error);
}

TEST_CASE("PNG with trailing chunks after IDAT and an unknown ancillary chunk decodes") {
  test::PngSpec spec;
  spec.color_type = PNG_COLOR_TYPE_GRAY;
  std::vector<std::uint16_t> s(16 * 8);
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint16_t>(i);
  auto file = test::encode_png(s, 16, 8, spec);
  // Insert an unknown ancillary chunk "quUx" (valid CRC) before IEND.
  const std::uint8_t chunk[] = {0, 0, 0, 1, 'q', 'u', 'U', 'x', 7, 0, 0, 0, 0};
  std::vector<std::uint8_t> c(chunk, chunk + sizeof chunk);
  const std::uint32_t crc = static_cast<std::uint32_t>(crc32(0, c.data() + 4, 5));
  c[9] = static_cast<std::uint8_t>(crc >> 24); c[10] = static_cast<std::uint8_t>(crc >> 16);
  c[11] = static_cast<std::uint8_t>(crc >> 8); c[12] = static_cast<std::uint8_t>(crc);
  file.insert(file.end() - 12, c.begin(), c.end());
  const DecodedImage img = decode_image(file);
  CHECK(img.pixels.size() == s.size());
  CHECK(img.pixels[100] == 100);
}

namespace {
// The TIFF structure of an eXIf chunk: header and IFD0 with one Orientation entry.
std::vector<png_byte> tiff_orientation(int o, bool little_endian) {
  if (little_endian)
    return {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0,
            static_cast<png_byte>(o), 0, 0, 0, 0, 0, 0, 0};
  return {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1,
          0, static_cast<png_byte>(o), 0, 0, 0, 0, 0, 0};
}

std::size_t chunk_at(const std::vector<std::uint8_t>& f, const char* type) {
  const auto it = std::search(f.begin(), f.end(), type, type + 4);
  return static_cast<std::size_t>(it - f.begin());
}
}  // namespace

TEST_CASE("PNG eXIf orientation: ignored by default, applied on request, before or after IDAT") {
  const int w = 7, h = 3;
  for (const int color_type : {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_RGB}) {
    for (const bool interlace : {false, true}) {
      for (const bool after : {false, true}) {
        for (const int o : {1, 2, 3, 4, 5, 6, 7, 8}) {
          CAPTURE(color_type);
          CAPTURE(interlace);
          CAPTURE(after);
          CAPTURE(o);
          test::PngSpec spec;
          spec.color_type = color_type;
          spec.interlace = interlace;
          spec.exif = tiff_orientation(o, (o & 1) != 0);
          spec.exif_after_idat = after;
          const int ch = test::png_channels(color_type);
          std::vector<std::uint16_t> s(static_cast<std::size_t>(w * h * ch));
          for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint16_t>(i * 11 % 256);
          const auto file = test::encode_png(s, w, h, spec);
          REQUIRE(chunk_at(file, "eXIf") < file.size());
          const auto after_first = file.begin() + static_cast<std::ptrdiff_t>(chunk_at(file, "eXIf") + 4);
          const std::vector<std::uint8_t> rest(after_first, file.end());
          CHECK(chunk_at(rest, "eXIf") == rest.size());  // exactly one
          CHECK((chunk_at(file, "eXIf") > chunk_at(file, "IDAT")) == after);

          const DecodedImage stored = decode_image(file);
          CHECK(stored.exif_orientation == 0);
          CHECK(stored.width == w);
          CHECK(stored.warnings.empty());

          DecodeOptions apply;
          apply.apply_exif_orientation = true;
          const DecodedImage turned = decode_image(file, apply);
          CHECK(turned.exif_orientation == o);
          CHECK_MESSAGE(turned.warnings.empty(), (turned.warnings.empty() ? "" : turned.warnings[0]));
          DecodedImage want = stored;
          detail::apply_orientation(want, o);
          CHECK(turned.pixels == want.pixels);
          CHECK(turned.width == (o >= 5 ? h : w));
          CHECK(turned.height == (o >= 5 ? w : h));
          CHECK(turned.source_width == w);
          // The hashing entry point the CLI and C API use agrees.
          Hasher hasher;
          DecodedImage info;
          CHECK(hash_image(file, hasher, info, apply).hashes[0] == hasher.hash(want.view()).hash);
        }
      }
    }
  }
}

TEST_CASE("PNG eXIf chunks that are malformed, huge, repeated or damaged") {
  test::PngSpec spec;
  spec.color_type = PNG_COLOR_TYPE_GRAY;
  std::vector<std::uint16_t> s(6 * 4);
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint16_t>(i);
  DecodeOptions apply;
  apply.apply_exif_orientation = true;
  const std::vector<std::vector<png_byte>> bad = {
      {'I', 'I'},                                                 // header cut short
      {'I', 'I', 42, 0, 0xF0, 0xFF, 0xFF, 0x7F, 0, 0},            // IFD0 far outside
      {'M', 'M', 0, 42, 0, 0, 0, 8, 0xFF, 0xFF, 1, 0x12, 0, 3},   // 65535 entries, one cut short
      {'I', 'I', 43, 0, 8, 0, 0, 0, 0, 0},                        // not 42
  };
  for (const auto& exif : bad) {
    CAPTURE(exif.size());
    spec.exif = exif;
    const auto file = test::encode_png(s, 6, 4, spec);
    const DecodedImage img = decode_image(file, apply);
    CHECK(img.exif_orientation == 0);
    CHECK(img.width == 6);
    CHECK(img.pixels == decode_image(file).pixels);
  }
  // A 9 MiB eXIf chunk is read in place (nothing is copied or allocated for it).
  {
    spec.exif = tiff_orientation(6, true);
    spec.exif.resize(9u << 20);
    const auto file = test::encode_png(s, 6, 4, spec);
    CHECK(decode_image(file, apply).exif_orientation == 6);
  }
  // A second eXIf chunk: the first one counts.
  spec.exif = tiff_orientation(6, true);
  auto file = test::encode_png(s, 6, 4, spec);
  const std::size_t at = chunk_at(file, "eXIf") - 4;
  const std::uint32_t len = (std::uint32_t{file[at]} << 24) | (std::uint32_t{file[at + 1]} << 16) |
                            (std::uint32_t{file[at + 2]} << 8) | file[at + 3];
  const std::vector<std::uint8_t> chunk(file.begin() + static_cast<std::ptrdiff_t>(at),
                                        file.begin() + static_cast<std::ptrdiff_t>(at + 12 + len));
  file.insert(file.end() - 12, chunk.begin(), chunk.end());
  const DecodedImage twice = decode_image(file, apply);
  CHECK(twice.exif_orientation == 6);
  CHECK(twice.warnings.empty());
  // A CRC-damaged eXIf chunk fails the decode, as any damaged chunk does.
  file[at + 8] ^= 1;
  CHECK_THROWS_AS((void)decode_image(file, apply), Error);
}
