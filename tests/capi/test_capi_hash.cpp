// The C API's hashing half: versions, status codes, hex, frames (with their
// buffer checks), buffers, files and the hasher handle, against the shared
// corpus's reference values.
#include "common/corpus.hpp"

#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>
#include <pdqguard/pdqguard.h>
#include <pdqguard/pdqguard_testing.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

std::string hex_of(const pdqg_hash& h) {
  char buf[PDQG_HEX_LENGTH + 1];
  REQUIRE(pdqg_hash_to_hex(&h, buf) == PDQG_OK);
  return buf;
}

std::vector<std::uint8_t> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::string kRawDir = pdqguard::test::corpus_dir() + "/raw/";

}  // namespace

TEST_CASE("version macros agree with the library") {
  CHECK(pdqg_version_number() == PDQG_VERSION_NUMBER);
  CHECK(std::string(pdqg_version_string()) == PDQG_VERSION_STRING);
  CHECK(std::string(pdqg_version_string()) == pdqguard::version());
  const std::string isa = pdqg_simd_path();
  CHECK((isa == "scalar" || isa == "avx2" || isa == "avx512"));
  CHECK(isa == pdqguard::isa_name(pdqguard::active_isa()));
  CHECK(pdqg_set_simd_path(nullptr) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_set_simd_path("sse9") == PDQG_UNSUPPORTED_ISA);
  CHECK(std::string(pdqg_last_error()).find("sse9") != std::string::npos);
  CHECK(pdqg_set_simd_path(isa.c_str()) == PDQG_OK);  // re-forcing the active path is harmless
}

TEST_CASE("status codes are the ErrorCode numbers and names") {
  for (int c = 0; c < PDQG_STATUS_COUNT; ++c) {
    CAPTURE(c);
    CHECK(std::string(pdqg_status_name(c)) != "unknown_error");
    CHECK(std::string(pdqg_status_name(c)) ==
          pdqguard::error_code_name(static_cast<pdqguard::ErrorCode>(c)));
  }
  CHECK(std::string(pdqg_status_name(PDQG_OK)) == "ok");
  CHECK(std::string(pdqg_status_name(PDQG_DECODE_ERROR)) == "decode_error");
  CHECK(std::string(pdqg_status_name(PDQG_INDEX_CORRUPT)) == "index_corrupt");
  CHECK(std::string(pdqg_status_name(PDQG_ENCRYPTED)) == "encrypted");
  CHECK(std::string(pdqg_status_name(PDQG_NOT_A_FILE)) == "not_a_file");
  CHECK(std::string(pdqg_status_name(PDQG_NO_VIDEO_STREAM)) == "no_video_stream");
  CHECK(std::string(pdqg_status_name(PDQG_TRUNCATED_INPUT)) == "truncated_input");
  CHECK(std::string(pdqg_status_name(PDQG_RESOURCE_LIMIT)) == "resource_limit");
  // PDQG_STATUS_COUNT is one past the last code: a code appended without it fails here.
  CHECK(PDQG_STATUS_COUNT == PDQG_RESOURCE_LIMIT + 1);
  CHECK(std::string(pdqg_status_name(PDQG_STATUS_COUNT)) == "unknown_error");
  CHECK(std::string(pdqg_status_name(-1)) == "unknown_error");
}

TEST_CASE("pdqg_status_is_transient is the library's is_transient for every code") {
  for (int c = -1; c <= PDQG_RESOURCE_LIMIT + 1; ++c) {
    CAPTURE(c);
    const bool lib = c >= 0 && c <= PDQG_RESOURCE_LIMIT && pdqguard::is_transient(static_cast<pdqguard::ErrorCode>(c));
    CHECK(pdqg_status_is_transient(c) == (lib ? 1 : 0));
  }
  CHECK(pdqg_status_is_transient(PDQG_IO_ERROR) == 1);
  CHECK(pdqg_status_is_transient(PDQG_OUT_OF_MEMORY) == 1);
  CHECK(pdqg_status_is_transient(PDQG_OK) == 0);
  CHECK(pdqg_status_is_transient(PDQG_DECODE_ERROR) == 0);
  CHECK(pdqg_status_is_transient(PDQG_INTERNAL_ERROR) == 0);
  CHECK(pdqg_status_is_transient(-1) == 0);
  CHECK(pdqg_status_is_transient(1 << 20) == 0);
}

TEST_CASE("hex conversion and distance") {
  const char* hex = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
  pdqg_hash h;
  REQUIRE(pdqg_hash_from_hex(hex, &h) == PDQG_OK);
  CHECK(hex_of(h) == hex);
  // Same bit layout as the C++ Hash256.
  const pdqguard::Hash256 cpp = pdqguard::Hash256::from_hex(hex);
  CHECK(std::memcmp(h.words, cpp.words.data(), sizeof h.words) == 0);

  pdqg_hash upper;
  std::string up = hex;
  for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  REQUIRE(pdqg_hash_from_hex(up.c_str(), &upper) == PDQG_OK);
  CHECK(pdqg_hash_distance(&h, &upper) == 0);

  pdqg_hash g = h;
  g.words[0] ^= 0x5;        // 2 bits
  g.words[3] ^= 1ull << 63;  // the first hex digit's top bit
  CHECK(pdqg_hash_distance(&h, &g) == 3);
  CHECK(hex_of(g)[0] == '7');
  CHECK(pdqg_hash_distance(&h, nullptr) == -1);

  pdqg_hash out{};
  out.words[0] = 42;
  CHECK(pdqg_hash_from_hex("abc", &out) == PDQG_BAD_HASH);
  CHECK(std::string(pdqg_last_error()).find("64") != std::string::npos);
  CHECK(out.words[0] == 42);  // untouched on failure
  std::string bad = hex;
  bad[10] = 'x';
  CHECK(pdqg_hash_from_hex(bad.c_str(), &out) == PDQG_BAD_HASH);
  CHECK(std::string(pdqg_last_error()).find("11") != std::string::npos);
  CHECK(pdqg_hash_from_hex((std::string(hex) + "0").c_str(), &out) == PDQG_BAD_HASH);
  CHECK(pdqg_hash_from_hex(nullptr, &out) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_hash_from_hex(hex, nullptr) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_hash_to_hex(&h, nullptr) == PDQG_INVALID_ARGUMENT);
}

TEST_CASE("names of formats and dihedral variants") {
  CHECK(std::string(pdqg_format_name(PDQG_FORMAT_BGRA8)) == "bgra8");
  CHECK(std::string(pdqg_format_name(PDQG_FORMAT_NV12)) == "nv12");
  CHECK(std::string(pdqg_format_name(7)) == "unknown");
  for (int f = PDQG_FORMAT_GRAY8; f <= PDQG_FORMAT_NV12; ++f) CHECK(pdqg_format_from_name(pdqg_format_name(f)) == f);
  CHECK(pdqg_format_from_name("yuv420p") == PDQG_FORMAT_I420);
  CHECK(pdqg_format_from_name("rgb24") == PDQG_FORMAT_RGB8);
  CHECK(pdqg_format_from_name("unknown") == -1);
  CHECK(pdqg_format_from_name("") == -1);
  CHECK(pdqg_format_from_name(nullptr) == -1);
  CHECK(std::string(pdqg_dihedral_name(PDQG_DIHEDRAL_ROT90)) == "rot90");
  CHECK(std::string(pdqg_dihedral_name(PDQG_DIHEDRAL_FLIPMINUS1)) == "flipminus1");
  CHECK(std::string(pdqg_dihedral_name(8)) == "unknown");
}

TEST_CASE("files, buffers and every frame layout match the raw reference vectors") {
  const auto rows = pdqguard::test::read_csv(kRawDir + "expected.csv");
  REQUIRE(rows.size() >= 30);
  pdqg_hasher* hasher = nullptr;
  REQUIRE(pdqg_hasher_create(&hasher) == PDQG_OK);
  for (const auto& row : rows) {
    const std::string rel = row.at("relative_path");
    CAPTURE(rel);
    const std::string path = kRawDir + rel;
    const std::string want = row.at("hash");
    const int want_q = std::stoi(row.at("quality"));
    const bool small = std::stoi(row.at("width")) < 5 || std::stoi(row.at("height")) < 5;

    // File, dihedral, with and without a hasher.
    pdqg_result r;
    REQUIRE(pdqg_hash_file(hasher, path.c_str(), PDQG_FLAG_DIHEDRAL, &r) == PDQG_OK);
    CHECK(hex_of(r.hash) == want);
    CHECK(r.quality == want_q);
    CHECK(r.width == std::stoi(row.at("width")));
    CHECK(r.height == std::stoi(row.at("height")));
    CHECK(r.too_small == (small ? 1 : 0));
    CHECK(r.has_dihedral == 1);
    for (int d = 0; d < 8; ++d) {
      CAPTURE(d);
      CHECK(hex_of(r.dihedral[d]) == row.at(pdqguard::test::kDihedralColumns[d]));
    }
    pdqg_result plain;
    REQUIRE(pdqg_hash_file(nullptr, path.c_str(), 0, &plain) == PDQG_OK);
    CHECK(hex_of(plain.hash) == want);
    CHECK(plain.has_dihedral == 0);
    CHECK(hex_of(plain.dihedral[3]) == std::string(64, '0'));

    // The same bytes from memory.
    const std::vector<std::uint8_t> bytes = slurp(path);
    REQUIRE(pdqg_hash_buffer(nullptr, bytes.data(), bytes.size(), 0, &r) == PDQG_OK);
    CHECK(hex_of(r.hash) == want);
    CHECK(r.quality == want_q);

    // The decoded pixels as raw frames: the layouts that carry the same luma.
    const pdqguard::DecodedImage img = pdqguard::decode_image(bytes);
    const int w = img.width, h = img.height;
    const std::size_t n = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
    if (img.gray) {
      REQUIRE(pdqg_hash_pixels(hasher, PDQG_FORMAT_GRAY8, img.pixels.data(), img.pixels.size(), w,
                               h, 0, 0, &r) == PDQG_OK);
      CHECK(hex_of(r.hash) == want);
      // Y plane of I420 (with a padded stride) and NV12, chroma given or not.
      const std::size_t stride = static_cast<std::size_t>(w) + 13;
      std::vector<std::uint8_t> y(stride * static_cast<std::size_t>(h), 0xEE);
      for (int i = 0; i < h; ++i)
        std::memcpy(&y[static_cast<std::size_t>(i) * stride],
                    &img.pixels[static_cast<std::size_t>(i) * static_cast<std::size_t>(w)],
                    static_cast<std::size_t>(w));
      const std::size_t cw = static_cast<std::size_t>(w + 1) / 2, ch = static_cast<std::size_t>(h + 1) / 2;
      std::vector<std::uint8_t> u(cw * ch, 1), v(cw * ch, 2), uv(2 * cw * ch, 3);
      pdqg_frame f{};
      f.format = PDQG_FORMAT_I420;
      f.width = w;
      f.height = h;
      f.planes[0] = y.data();
      f.strides[0] = stride;
      f.sizes[0] = stride * static_cast<std::size_t>(h - 1) + static_cast<std::size_t>(w);
      REQUIRE(pdqg_hash_frame(nullptr, &f, 0, &r) == PDQG_OK);
      CHECK(hex_of(r.hash) == want);
      f.planes[1] = u.data();
      f.sizes[1] = u.size();
      f.planes[2] = v.data();
      f.sizes[2] = v.size();
      REQUIRE(pdqg_hash_frame(hasher, &f, PDQG_FLAG_DIHEDRAL, &r) == PDQG_OK);
      CHECK(hex_of(r.dihedral[PDQG_DIHEDRAL_ROT270]) == row.at("dih_rot270"));
      pdqg_frame nv = f;
      nv.format = PDQG_FORMAT_NV12;
      nv.planes[1] = uv.data();
      nv.sizes[1] = uv.size();
      nv.planes[2] = nullptr;
      nv.sizes[2] = 0;
      REQUIRE(pdqg_hash_frame(nullptr, &nv, 0, &r) == PDQG_OK);
      CHECK(hex_of(r.hash) == want);
      CHECK(r.quality == want_q);
    } else {
      REQUIRE(pdqg_hash_pixels(nullptr, PDQG_FORMAT_RGB8, img.pixels.data(), img.pixels.size(), w,
                               h, 0, 0, &r) == PDQG_OK);
      CHECK(hex_of(r.hash) == want);
      // BGR, RGBA (padded rows) and BGRA carry the same colours.
      std::vector<std::uint8_t> bgr(img.pixels.size());
      const std::size_t stride4 = 4 * static_cast<std::size_t>(w) + 8;
      std::vector<std::uint8_t> rgba(stride4 * static_cast<std::size_t>(h), 0x77);
      std::vector<std::uint8_t> bgra(4 * n);
      for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t* p = &img.pixels[3 * i];
        bgr[3 * i] = p[2], bgr[3 * i + 1] = p[1], bgr[3 * i + 2] = p[0];
        const std::size_t row_i = i / static_cast<std::size_t>(w), col = i % static_cast<std::size_t>(w);
        std::uint8_t* q = &rgba[row_i * stride4 + 4 * col];
        q[0] = p[0], q[1] = p[1], q[2] = p[2], q[3] = static_cast<std::uint8_t>(i);
        bgra[4 * i] = p[2], bgra[4 * i + 1] = p[1], bgra[4 * i + 2] = p[0], bgra[4 * i + 3] = 0;
      }
      REQUIRE(pdqg_hash_pixels(nullptr, PDQG_FORMAT_BGR8, bgr.data(), bgr.size(), w, h, 0, 0, &r) ==
              PDQG_OK);
      CHECK(hex_of(r.hash) == want);
      REQUIRE(pdqg_hash_pixels(hasher, PDQG_FORMAT_RGBA8, rgba.data(), rgba.size(), w, h, stride4,
                               PDQG_FLAG_DIHEDRAL, &r) == PDQG_OK);
      CHECK(hex_of(r.hash) == want);
      CHECK(hex_of(r.dihedral[PDQG_DIHEDRAL_FLIPY]) == row.at("dih_flipy"));
      REQUIRE(pdqg_hash_pixels(nullptr, PDQG_FORMAT_BGRA8, bgra.data(), bgra.size(), w, h, 0, 0,
                               &r) == PDQG_OK);
      CHECK(hex_of(r.hash) == want);
      CHECK(r.quality == want_q);
    }
  }
  pdqg_hasher_free(hasher);
}

TEST_CASE("inconsistent frames are refused before any pixel is read") {
  std::vector<std::uint8_t> px(10 * 8 * 3, 100);
  for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<std::uint8_t>(i * 7);
  pdqg_result r;
  auto status = [&](int format, const void* p, std::size_t size, int w, int h, std::size_t stride) {
    return pdqg_hash_pixels(nullptr, format, p, size, w, h, stride, 0, &r);
  };
  CHECK(status(PDQG_FORMAT_RGB8, px.data(), px.size(), 10, 8, 0) == PDQG_OK);
  CHECK(status(PDQG_FORMAT_RGB8, px.data(), px.size(), 10, 8, 30) == PDQG_OK);
  // One byte short of the last row.
  CHECK(status(PDQG_FORMAT_RGB8, px.data(), px.size() - 1, 10, 8, 0) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_last_error()).find("too small") != std::string::npos);
  // The buffer fits packed rows but not the stride's padding.
  CHECK(status(PDQG_FORMAT_RGB8, px.data(), px.size(), 10, 8, 31) == PDQG_INVALID_ARGUMENT);
  // Exactly stride*(h-1)+row is enough: the last row needs no padding (the buffer
  // has exactly that size, so ASan proves nothing past it is read).
  std::vector<std::uint8_t> strided(31 * 7 + 30, 50);
  CHECK(status(PDQG_FORMAT_RGB8, strided.data(), strided.size(), 10, 8, 31) == PDQG_OK);
  CHECK(status(PDQG_FORMAT_RGB8, px.data(), px.size(), 10, 8, 29) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_last_error()).find("stride") != std::string::npos);
  CHECK(status(PDQG_FORMAT_RGB8, px.data(), px.size(), 0, 8, 0) == PDQG_INVALID_ARGUMENT);
  CHECK(status(PDQG_FORMAT_RGB8, px.data(), px.size(), 10, -1, 0) == PDQG_INVALID_ARGUMENT);
  CHECK(status(PDQG_FORMAT_RGB8, nullptr, 0, 10, 8, 0) == PDQG_INVALID_ARGUMENT);
  CHECK(status(PDQG_FORMAT_RGBA8, px.data(), px.size(), 10, 8, 0) == PDQG_INVALID_ARGUMENT);
  CHECK(status(9, px.data(), px.size(), 10, 8, 0) == PDQG_INVALID_ARGUMENT);
  CHECK(status(-1, px.data(), px.size(), 10, 8, 0) == PDQG_INVALID_ARGUMENT);
  CHECK(status(PDQG_FORMAT_I420, px.data(), px.size(), 10, 8, 0) == PDQG_INVALID_ARGUMENT);
  // Overflowing geometry: a huge stride times the rows wraps around size_t.
  CHECK(status(PDQG_FORMAT_GRAY8, px.data(), px.size(), 10, 8, SIZE_MAX / 4) ==
        PDQG_INVALID_ARGUMENT);
  CHECK(status(PDQG_FORMAT_GRAY8, px.data(), SIZE_MAX, 1 << 30, 1 << 30, 0) ==
        PDQG_INVALID_ARGUMENT);
  // Unknown flag bits.
  CHECK(pdqg_hash_pixels(nullptr, PDQG_FORMAT_RGB8, px.data(), px.size(), 10, 8, 0, 0x80, &r) ==
        PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_hash_pixels(nullptr, PDQG_FORMAT_RGB8, px.data(), px.size(), 10, 8, 0, 0, nullptr) ==
        PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_hash_frame(nullptr, nullptr, 0, &r) == PDQG_INVALID_ARGUMENT);

  // Planes: unused slots must be empty; chroma planes, when given, are checked.
  pdqg_frame f{};
  f.format = PDQG_FORMAT_GRAY8;
  f.width = 10;
  f.height = 8;
  f.planes[0] = px.data();
  f.sizes[0] = 80;
  CHECK(pdqg_hash_frame(nullptr, &f, 0, &r) == PDQG_OK);
  f.planes[1] = px.data();
  f.sizes[1] = 10;
  CHECK(pdqg_hash_frame(nullptr, &f, 0, &r) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_last_error()).find("plane 1") != std::string::npos);
  f.format = PDQG_FORMAT_I420;  // U of 5x4 needs 20 bytes
  CHECK(pdqg_hash_frame(nullptr, &f, 0, &r) == PDQG_INVALID_ARGUMENT);
  f.sizes[1] = 20;
  CHECK(pdqg_hash_frame(nullptr, &f, 0, &r) == PDQG_OK);
  f.planes[1] = nullptr;  // a size without a plane
  CHECK(pdqg_hash_frame(nullptr, &f, 0, &r) == PDQG_INVALID_ARGUMENT);
  f.sizes[1] = 0;
  f.strides[2] = 4;  // V: a stride shorter than its 5-byte row
  f.planes[2] = px.data();
  f.sizes[2] = 100;
  CHECK(pdqg_hash_frame(nullptr, &f, 0, &r) == PDQG_INVALID_ARGUMENT);
  f.strides[2] = 0;
  CHECK(pdqg_hash_frame(nullptr, &f, 0, &r) == PDQG_OK);
  f.format = PDQG_FORMAT_NV12;  // a third plane NV12 does not have
  CHECK(pdqg_hash_frame(nullptr, &f, 0, &r) == PDQG_INVALID_ARGUMENT);
  f.planes[2] = nullptr;
  f.sizes[2] = 0;
  f.planes[1] = px.data();
  f.sizes[1] = 39;  // UV of 10x8: 4 rows of 10 bytes
  CHECK(pdqg_hash_frame(nullptr, &f, 0, &r) == PDQG_INVALID_ARGUMENT);
  f.sizes[1] = 40;
  CHECK(pdqg_hash_frame(nullptr, &f, 0, &r) == PDQG_OK);
}

TEST_CASE("frames below 5 pixels on a side hash to zero with too_small") {
  const std::uint8_t px[4 * 20] = {1, 2, 3};
  pdqg_result r;
  REQUIRE(pdqg_hash_pixels(nullptr, PDQG_FORMAT_GRAY8, px, sizeof px, 20, 4, 0, PDQG_FLAG_DIHEDRAL,
                           &r) == PDQG_OK);
  CHECK(r.too_small == 1);
  CHECK(r.quality == 0);
  CHECK(hex_of(r.hash) == std::string(64, '0'));
}

TEST_CASE("encoded input errors carry stable codes and messages") {
  pdqg_hasher* hasher = nullptr;
  REQUIRE(pdqg_hasher_create(&hasher) == PDQG_OK);
  CHECK(std::string(pdqg_hasher_error(hasher)).empty());
  pdqg_result r;

  CHECK(pdqg_hash_buffer(hasher, nullptr, 0, 0, &r) == PDQG_DECODE_ERROR);
  CHECK(pdqg_hash_buffer(hasher, nullptr, 5, 0, &r) == PDQG_INVALID_ARGUMENT);
  const char garbage[] = "this is not an image at all";
  CHECK(pdqg_hash_buffer(hasher, garbage, sizeof garbage, 0, &r) == PDQG_UNSUPPORTED_FORMAT);
  CHECK(std::string(pdqg_hasher_error(hasher)).find("not a supported image") != std::string::npos);
  CHECK(std::string(pdqg_last_error()) == pdqg_hasher_error(hasher));
  const unsigned char psd[] = "8BPS\x00\x01\x00\x00\x00\x00\x00\x00";
  CHECK(pdqg_hash_buffer(nullptr, psd, sizeof psd, 0, &r) == PDQG_UNSUPPORTED_FORMAT);
  CHECK(std::string(pdqg_last_error()).find("psd") != std::string::npos);
  // A GIF (decoded since issue 15) cut after its header is a named decode error.
  const unsigned char gif[] = "GIF89a\x01\x00\x01\x00\x00\x00\x00;";
  CHECK(pdqg_hash_buffer(nullptr, gif, sizeof gif, 0, &r) == PDQG_DECODE_ERROR);
  CHECK(std::string(pdqg_last_error()).find("GIF") != std::string::npos);

  const std::string path = kRawDir + "decoded/bridge-mods__shrink-a-lot.ppm";
  std::vector<std::uint8_t> bytes = slurp(path);
  std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(bytes.size() / 2));
  CHECK(pdqg_hash_buffer(hasher, cut.data(), cut.size(), 0, &r) == PDQG_DECODE_ERROR);

  CHECK(pdqg_hash_file(hasher, "/nonexistent/dir/x.jpg", 0, &r) == PDQG_IO_ERROR);
  CHECK(std::string(pdqg_hasher_error(hasher)).rfind("/nonexistent/dir/x.jpg: ", 0) == 0);
  CHECK(pdqg_hash_file(hasher, kRawDir.c_str(), 0, &r) == PDQG_IO_ERROR);
  CHECK(pdqg_hash_file(hasher, nullptr, 0, &r) == PDQG_INVALID_ARGUMENT);

  // Limits through parameters.
  std::int64_t v = 0;
  REQUIRE(pdqg_hasher_get(hasher, PDQG_HASHER_MAX_PIXELS, &v) == PDQG_OK);
  CHECK(v == 100'000'000);
  REQUIRE(pdqg_hasher_get(hasher, PDQG_HASHER_MAX_BYTES, &v) == PDQG_OK);
  CHECK(v == 512ll << 20);
  REQUIRE(pdqg_hasher_set(hasher, PDQG_HASHER_MAX_PIXELS, 160 * 100 - 1) == PDQG_OK);
  CHECK(pdqg_hash_file(hasher, path.c_str(), 0, &r) == PDQG_IMAGE_TOO_LARGE);
  CHECK(pdqg_hash_buffer(hasher, bytes.data(), bytes.size(), 0, &r) == PDQG_IMAGE_TOO_LARGE);
  REQUIRE(pdqg_hasher_set(hasher, PDQG_HASHER_MAX_PIXELS, 160 * 100) == PDQG_OK);
  CHECK(pdqg_hash_file(hasher, path.c_str(), 0, &r) == PDQG_OK);
  REQUIRE(pdqg_hasher_set(hasher, PDQG_HASHER_MAX_BYTES, 1000) == PDQG_OK);
  CHECK(pdqg_hash_file(hasher, path.c_str(), 0, &r) == PDQG_FILE_TOO_LARGE);
  CHECK(pdqg_hash_buffer(hasher, bytes.data(), bytes.size(), 0, &r) == PDQG_FILE_TOO_LARGE);
  REQUIRE(pdqg_hasher_get(hasher, PDQG_HASHER_MAX_BYTES, &v) == PDQG_OK);
  CHECK(v == 1000);

  CHECK(pdqg_hasher_set(hasher, PDQG_HASHER_MAX_BYTES, 0) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_hasher_set(hasher, PDQG_HASHER_FAST_JPEG, 2) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_hasher_set(hasher, PDQG_HASHER_FAST_JPEG, 1) == PDQG_OK);
  CHECK(pdqg_hasher_set(hasher, PDQG_HASHER_EXIF_ORIENTATION, 1) == PDQG_OK);
  REQUIRE(pdqg_hasher_get(hasher, PDQG_HASHER_EXIF_ORIENTATION, &v) == PDQG_OK);
  CHECK(v == 1);
  CHECK(pdqg_hasher_set(hasher, 99, 1) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_hasher_error(hasher)).find("99") != std::string::npos);
  CHECK(pdqg_hasher_get(hasher, 99, &v) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_hasher_set(nullptr, PDQG_HASHER_FAST_JPEG, 1) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_hasher_create(nullptr) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_hasher_error(nullptr)).empty());
  pdqg_hasher_free(hasher);
  pdqg_hasher_free(nullptr);  // a no-op
}
