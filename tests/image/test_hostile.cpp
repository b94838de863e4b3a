// Hostile and broken inputs: every error code the decoders can give, and no
// crash, hang or leak on truncated, corrupt or random bytes (run under ASan+UBSan).
#include "common/corpus.hpp"
#include "image/decoders.hpp"
#include "image/synth.hpp"

#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/image.hpp>

#include <zlib.h>

#include <chrono>
#include <sstream>

using namespace pdqguard;

namespace {

ErrorCode code_of(const std::vector<std::uint8_t>& bytes, const DecodeOptions& opts = {},
                  std::string* message = nullptr) {
  try {
    (void)decode_image(bytes, opts);
  } catch (const Error& e) {
    if (message != nullptr) *message = e.what();
    return e.code();
  }
  return ErrorCode::ok;
}

std::vector<std::uint8_t> small_jpeg(bool progressive = false) {
  const auto px = test::photo_like(120, 80, 3);
  test::JpegSpec s;
  s.progressive = progressive;
  return test::encode_jpeg(px.data(), 120, 80, 3, s);
}

std::vector<std::uint8_t> small_png(bool interlace = false) {
  std::vector<std::uint16_t> s(40 * 30 * 3);
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint16_t>((i * 7) & 255);
  test::PngSpec spec;
  spec.interlace = interlace;
  return test::encode_png(s, 40, 30, spec);
}

void put_be32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

// Offset of the first marker `m` (0xFF m) in a JPEG.
std::size_t find_marker(const std::vector<std::uint8_t>& j, std::uint8_t m) {
  for (std::size_t i = 2; i + 1 < j.size(); ++i)
    if (j[i] == 0xFF && j[i + 1] == m) return i;
  return 0;
}

}  // namespace

TEST_CASE("zero bytes and unreadable paths") {
  CHECK(code_of({}) == ErrorCode::decode_error);
  try {
    (void)decode_image_file("/nonexistent/pdqguard.jpg");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::io_error);
  }
  try {
    (void)decode_image_file(PDQGUARD_CORPUS_DIR);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::io_error);
  }
}

TEST_CASE("damaged files of the formats decoded since issue 15 are named decode errors") {
  const std::pair<const char*, std::vector<std::uint8_t>> cases[] = {
      {"GIF", {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0}},
      {"WebP", {'R', 'I', 'F', 'F', 4, 0, 0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8', ' '}},
      {"TIFF", {'I', 'I', '*', 0, 8, 0, 0, 0}},
      {"TIFF", {'M', 'M', 0, '*', 0, 0, 0, 8}},
      {"BMP", {'B', 'M', 0x3e, 0, 0, 0, 0, 0, 0, 0, 0x3e, 0, 0, 0}},
      {"HEIF", {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c', 0, 0, 0, 0}},
  };
  for (const auto& [name, bytes] : cases) {
    CAPTURE(name);
    std::string msg;
    CHECK(code_of(bytes, {}, &msg) == ErrorCode::decode_error);
    CHECK(msg.find(name) != std::string::npos);
  }
}

TEST_CASE("unsupported formats are named") {
  const std::pair<const char*, std::vector<std::uint8_t>> cases[] = {
      {"pdf", {'%', 'P', 'D', 'F', '-', '1', '.', '4'}},
      {"psd", {'8', 'B', 'P', 'S', 0, 1, 0, 0}},
      {"unrecognised", {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'}},
  };
  for (const auto& [name, bytes] : cases) {
    CAPTURE(name);
    std::string msg;
    CHECK(code_of(bytes, {}, &msg) == ErrorCode::unsupported_format);
    CHECK(msg.find(name) != std::string::npos);
  }
}

TEST_CASE("file_too_large through every entry point") {
  const auto jpg = small_jpeg();
  DecodeOptions o;
  o.max_bytes = 100;
  CHECK(code_of(jpg, o) == ErrorCode::file_too_large);
  std::istringstream in(std::string(jpg.begin(), jpg.end()));
  CHECK_THROWS_WITH_AS((void)decode_image_stream(in, o), doctest::Contains("exceeds"), Error);
  try {
    (void)decode_image_file(test::corpus_dir() + "/images/misc-images/wee.jpg", o);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::file_too_large);
  }
  o.max_bytes = jpg.size();
  CHECK(code_of(jpg, o) == ErrorCode::ok);
}

TEST_CASE("dimension bombs are refused from the header, fast") {
  using clock = std::chrono::steady_clock;
  SUBCASE("JPEG SOF claiming 65500x65500") {
    auto j = small_jpeg();
    const std::size_t sof = find_marker(j, 0xC0);
    REQUIRE(sof != 0);
    const int big = 65500;  // libjpeg's own maximum; larger is a decode_error
    j[sof + 5] = j[sof + 7] = big >> 8;  // height, width
    j[sof + 6] = j[sof + 8] = big & 255;
    const auto t0 = clock::now();
    std::string msg;
    CHECK(code_of(j, {}, &msg) == ErrorCode::image_too_large);
    CHECK(msg.find("65500x65500") != std::string::npos);
    CHECK(clock::now() - t0 < std::chrono::seconds(1));
  }
  SUBCASE("a 1x1 JPEG claiming 50000x40000") {
    const std::uint8_t px[3] = {1, 2, 3};
    auto j = test::encode_jpeg(px, 1, 1, 3);
    const std::size_t sof = find_marker(j, 0xC0);
    j[sof + 5] = 40000 >> 8; j[sof + 6] = 40000 & 255;
    j[sof + 7] = 50000 >> 8; j[sof + 8] = 50000 & 255;
    CHECK(code_of(j) == ErrorCode::image_too_large);
    // Within a raised limit it decodes (gray fill, with warnings) rather than crash.
    DecodeOptions tiny;
    tiny.max_pixels = 1000;
    CHECK(code_of(j, tiny) == ErrorCode::image_too_large);
  }
  SUBCASE("PNG IHDR claiming 100000x100000, with and without a valid CRC") {
    for (bool fix_crc : {false, true}) {
      auto p = small_png();
      put_be32(&p[16], 100000);
      put_be32(&p[20], 100000);
      if (fix_crc) put_be32(&p[29], static_cast<std::uint32_t>(crc32(0, &p[12], 17)));
      const auto t0 = clock::now();
      CHECK(code_of(p) == ErrorCode::image_too_large);
      CHECK(clock::now() - t0 < std::chrono::seconds(1));
    }
  }
  SUBCASE("a small PNG that inflates to 4000x4000 is held to max_pixels") {
    std::vector<std::uint16_t> zeros(4000u * 4000u, 0);
    test::PngSpec spec;
    spec.color_type = PNG_COLOR_TYPE_GRAY;
    const auto p = test::encode_png(zeros, 4000, 4000, spec);
    CHECK(p.size() < 100000);
    DecodeOptions o;
    o.max_pixels = 1'000'000;
    CHECK(code_of(p, o) == ErrorCode::image_too_large);
  }
  SUBCASE("PNM header bomb") {
    const std::string s = "P5 100000 100000 255\n\x01";
    CHECK(code_of(std::vector<std::uint8_t>(s.begin(), s.end())) == ErrorCode::image_too_large);
  }
}

TEST_CASE("truncated files: decode_error, or warnings when libjpeg can fill in") {
  for (bool variant : {false, true}) {
    const auto j = small_jpeg(variant);
    for (std::size_t cut : {std::size_t{2}, std::size_t{3}, std::size_t{4}, std::size_t{20},
                            std::size_t{100}, std::size_t{300}, j.size() / 2, j.size() - 2}) {
      CAPTURE(variant);
      CAPTURE(cut);
      const std::vector<std::uint8_t> t(j.begin(), j.begin() + static_cast<std::ptrdiff_t>(cut));
      const std::size_t sos = find_marker(j, 0xDA);
      try {
        const DecodedImage img = decode_image(t);
        CHECK(cut > sos);  // only data truncated inside the scans can decode
        CHECK(!img.warnings.empty());
      } catch (const Error& e) {
        // Fewer than 3 bytes is not even recognisable as JPEG.
        CHECK(e.code() == (cut < 3 ? ErrorCode::unsupported_format : ErrorCode::decode_error));
      }
    }
    const auto p = small_png(variant);
    for (std::size_t cut : {std::size_t{8}, std::size_t{12}, std::size_t{20}, std::size_t{33},
                            std::size_t{40}, p.size() / 2, p.size() - 12, p.size() - 1}) {
      CAPTURE(cut);
      const std::vector<std::uint8_t> t(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(cut));
      std::string msg;
      CHECK(code_of(t, {}, &msg) == ErrorCode::decode_error);
      CHECK(msg.rfind("PNG: ", 0) == 0);
    }
  }
}

TEST_CASE("CRC-damaged PNG chunks are decode errors") {
  const auto p = small_png();
  // IHDR data, IDAT data, IEND CRC.
  for (std::size_t at : {std::size_t{18}, std::size_t{45}, p.size() - 1}) {
    CAPTURE(at);
    auto d = p;
    d[at] ^= 0x20;
    std::string msg;
    CHECK(code_of(d, {}, &msg) == ErrorCode::decode_error);
    // libpng checks the CRC at the end of a chunk; zlib may notice IDAT damage first.
    CHECK((msg.find("CRC") != std::string::npos || msg.find("IDAT") != std::string::npos));
  }
  // A damaged CRC in an ancillary chunk (tEXt) too.
  auto d = p;
  const std::uint8_t text[] = {0, 0, 0, 3, 't', 'E', 'X', 't', 'a', 0, 'b', 0xDE, 0xAD, 0xBE, 0xEF};
  d.insert(d.begin() + 33, text, text + sizeof text);
  CHECK(code_of(d) == ErrorCode::decode_error);
}

TEST_CASE("corrupt JPEG markers") {
  const auto j = small_jpeg();
  SUBCASE("lossless SOF3 (unsupported process)") {
    auto d = j;
    d.at(find_marker(d, 0xC0) + 1) = 0xC3;
    CHECK(code_of(d) == ErrorCode::decode_error);
  }
  SUBCASE("SOF with 2 components") {
    auto d = j;
    const std::size_t sof = find_marker(d, 0xC0);
    d.at(sof + 9) = 2;
    CHECK(code_of(d) == ErrorCode::decode_error);
  }
  SUBCASE("EOI right after SOI") {
    const std::vector<std::uint8_t> d = {0xFF, 0xD8, 0xFF, 0xD9};
    std::string msg;
    CHECK(code_of(d, {}, &msg) == ErrorCode::decode_error);
    CHECK(msg.rfind("JPEG: ", 0) == 0);
  }
  SUBCASE("quantisation tables removed") {
    auto d = j;
    for (std::size_t dqt; (dqt = find_marker(d, 0xDB)) != 0;) {
      const std::size_t len = (std::size_t{d[dqt + 2]} << 8) | d[dqt + 3];
      d.erase(d.begin() + static_cast<std::ptrdiff_t>(dqt), d.begin() + static_cast<std::ptrdiff_t>(dqt + 2 + len));
    }
    std::string msg;
    CHECK(code_of(d, {}, &msg) == ErrorCode::decode_error);
    CHECK(msg.find("Quantization table") != std::string::npos);
  }
  SUBCASE("bogus marker inside the entropy-coded data") {
    auto d = j;
    const std::size_t at = find_marker(d, 0xDA) + 40;
    d[at] = 0xFF;
    d[at + 1] = 0x01;
    const ErrorCode c = code_of(d);
    CHECK((c == ErrorCode::ok || c == ErrorCode::decode_error));
    if (c == ErrorCode::ok) CHECK(!decode_image(d).warnings.empty());
  }
  SUBCASE("too many progressive scans") {
    const auto pj = small_jpeg(true);
    DecodeOptions o;
    o.max_jpeg_scans = 3;
    std::string msg;
    CHECK(code_of(pj, o, &msg) == ErrorCode::resource_limit);  // a budget, not damage
    CHECK(msg.find("more than 3 scans") != std::string::npos);
    o.fast = true;  // the buffered-image path (fast, scaled progressive) is held to it too
    o.fast_min_side = 40;  // 1/2 scale: needs several scans
    o.max_jpeg_scans = 1;
    CHECK(code_of(pj, o) == ErrorCode::resource_limit);
    o.max_jpeg_scans = 500;
    CHECK(code_of(pj, o) == ErrorCode::ok);
  }
}

TEST_CASE("random garbage and random byte damage never crash") {
  test::Rng rng(2024);
  int ok = 0, errors = 0;
  // Pure garbage, garbage behind each magic.
  for (int i = 0; i < 60; ++i) {
    std::vector<std::uint8_t> g(static_cast<std::size_t>(rng.range(1, 3000)));
    for (auto& b : g) b = static_cast<std::uint8_t>(rng.next());
    if (i % 3 == 1 && g.size() > 3) { g[0] = 0xFF; g[1] = 0xD8; g[2] = 0xFF; }
    if (i % 3 == 2 && g.size() > 8) std::memcpy(g.data(), "\x89PNG\r\n\x1A\n", 8);
    const ErrorCode c = code_of(g);
    CHECK(c != ErrorCode::internal_error);
    (c == ErrorCode::ok ? ok : errors)++;
  }
  // Valid files with a few bytes flipped (PNG CRC catches every flip; JPEG may decode).
  const std::vector<std::uint8_t> files[] = {small_jpeg(false), small_jpeg(true), small_png(false),
                                             small_png(true)};
  for (const auto& f : files) {
    for (int i = 0; i < 60; ++i) {
      auto d = f;
      for (int k = 0; k < 3; ++k) d[static_cast<std::size_t>(rng.range(2, static_cast<int>(d.size()) - 1))] ^= static_cast<std::uint8_t>(1 + rng.next() % 255);
      for (bool fast : {false, true}) {
        DecodeOptions o;
        o.fast = fast;
        o.max_pixels = 4'000'000;
        const ErrorCode c = code_of(d, o);
        CHECK((c == ErrorCode::ok || c == ErrorCode::decode_error || c == ErrorCode::image_too_large ||
               c == ErrorCode::unsupported_format));
        (c == ErrorCode::ok ? ok : errors)++;
      }
    }
  }
  MESSAGE("random inputs: " << ok << " decoded, " << errors << " refused");
  CHECK(errors > 0);
}

TEST_CASE("EXIF orientation reader is bounded and the transforms are right") {
  // "Exif\0\0" + little-endian TIFF header + IFD0 with one entry 0x0112 SHORT.
  std::vector<std::uint8_t> le = {'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0,
                                  1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0};
  CHECK(detail::read_exif_orientation(le.data(), le.size()) == 6);
  std::vector<std::uint8_t> be = {'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8,
                                  0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 8, 0, 0};
  CHECK(detail::read_exif_orientation(be.data(), be.size()) == 8);
  for (std::size_t n = 0; n < le.size(); ++n)  // every truncation: 0, never a read past the end
    CHECK(detail::read_exif_orientation(le.data(), n) == 0);
  auto bad = le;
  bad[10] = 0xF0;  // IFD offset far outside
  CHECK(detail::read_exif_orientation(bad.data(), bad.size()) == 0);
  bad = le;
  bad[14] = 0xFF;  // entry count 255, entries missing, and the one present is another tag
  bad[16] = 0x13;
  CHECK(detail::read_exif_orientation(bad.data(), bad.size()) == 0);
  bad = le;
  bad[24] = 9;  // orientation out of range
  CHECK(detail::read_exif_orientation(bad.data(), bad.size()) == 0);

  // 3x2 gray image   a b c      displayed for each orientation (EXIF spec)
  //                  d e f
  const std::vector<std::uint8_t> src = {'a', 'b', 'c', 'd', 'e', 'f'};
  const std::pair<int, std::string> want[] = {
      {1, "abcdef"}, {2, "cbafed"}, {3, "fedcba"}, {4, "defabc"},
      {5, "adbecf"}, {6, "daebfc"}, {7, "fcebda"}, {8, "cfbead"}};
  for (const auto& [o, s] : want) {
    CAPTURE(o);
    DecodedImage img;
    img.gray = true;
    img.width = 3;
    img.height = 2;
    img.pixels = src;
    detail::apply_orientation(img, o);
    CHECK(std::string(img.pixels.begin(), img.pixels.end()) == s);
    CHECK(img.width == (o >= 5 ? 2 : 3));
  }
}
