// The C API on encoded images: every JPEG and PNG of the shared corpus hashes
// as the reference did (expected.csv); the rows without a hash are WebP (which
// decodes since issue 15) and a Lab TIFF (unsupported_format).
#include "common/corpus.hpp"

#include <doctest/doctest.h>

#include <pdqguard/pdqguard.h>

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
}  // namespace

TEST_CASE("corpus images (JPEG, PNG) match expected.csv through pdqg_hash_file/buffer") {
  const std::string dir = pdqguard::test::corpus_dir() + "/images/";
  const auto rows = pdqguard::test::read_csv(pdqguard::test::corpus_dir() + "/expected.csv");
  REQUIRE(rows.size() >= (pdqguard::test::full_corpus() ? 40u : 14u));
  int hashed = 0, refused = 0;
  for (const auto& row : rows) {
    const std::string rel = row.at("relative_path");
    CAPTURE(rel);
    const std::string path = dir + rel;
    pdqg_result r;
    const int st = pdqg_hash_file(nullptr, path.c_str(), PDQG_FLAG_DIHEDRAL, &r);
    if (row.at("hash").empty()) {
      // WebP decodes since issue 15 (its pixels are checked in tests/image); the
      // Lab TIFF is still refused.
      CHECK(st == (rel.ends_with(".webp") ? PDQG_OK : PDQG_UNSUPPORTED_FORMAT));
      ++refused;
      continue;
    }
    REQUIRE_MESSAGE(st == PDQG_OK, pdqg_last_error());
    CHECK(hex_of(r.hash) == row.at("hash"));
    CHECK(r.quality == std::stoi(row.at("quality")));
    for (int d = 0; d < 8; ++d) {
      CAPTURE(d);
      CHECK(hex_of(r.dihedral[d]) == row.at(pdqguard::test::kDihedralColumns[d]));
    }
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    REQUIRE(pdqg_hash_buffer(nullptr, bytes.data(), bytes.size(), 0, &r) == PDQG_OK);
    CHECK(hex_of(r.hash) == row.at("hash"));
    ++hashed;
  }
  CHECK(hashed >= (pdqguard::test::full_corpus() ? 40 : 14));
  CHECK(refused >= (pdqguard::test::full_corpus() ? 6 : 0));
}

TEST_CASE("pdqg_result.image_format names the format each file decoded as") {
  const std::string dir = std::string(PDQGUARD_SOURCE_DIR) + "/tests/data/formats/";
  const struct {
    const char* file;
    int format;
    const char* name;
  } cases[] = {
      {"lossy.webp", PDQG_IMAGE_WEBP, "webp"},     {"palette.gif", PDQG_IMAGE_GIF, "gif"},
      {"lzw.tiff", PDQG_IMAGE_TIFF, "tiff"},       {"rgb24.bmp", PDQG_IMAGE_BMP, "bmp"},
      {"lossy.webp.ppm", PDQG_IMAGE_PNM, "pnm"},   {"anim/random1.gif", PDQG_IMAGE_GIF, "gif"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.file);
    pdqg_result r;
    const std::string path = dir + c.file;
    REQUIRE_MESSAGE(pdqg_hash_file(nullptr, path.c_str(), 0, &r) == PDQG_OK, pdqg_last_error());
    CHECK(r.image_format == c.format);
    CHECK(std::string(pdqg_image_format_name(r.image_format)) == c.name);
    std::ifstream in(path, std::ios::binary);
    const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    REQUIRE(pdqg_hash_buffer(nullptr, bytes.data(), bytes.size(), PDQG_FLAG_DIHEDRAL, &r) == PDQG_OK);
    CHECK(r.image_format == c.format);
  }
  // JPEG and PNG from the small corpus.
  const std::string images = pdqguard::test::corpus_dir() + "/images/";
  int jpeg = 0, png = 0;
  for (const auto& row : pdqguard::test::read_csv(pdqguard::test::corpus_dir() + "/expected.csv")) {
    const std::string rel = row.at("relative_path");
    pdqg_result r;
    if (row.at("hash").empty() || pdqg_hash_file(nullptr, (images + rel).c_str(), 0, &r) != PDQG_OK) continue;
    if (rel.ends_with(".jpg") || rel.ends_with(".jpeg")) {
      CHECK(r.image_format == PDQG_IMAGE_JPEG);
      ++jpeg;
    }
    if (rel.ends_with(".png")) {
      CHECK(r.image_format == PDQG_IMAGE_PNG);
      ++png;
    }
  }
  CHECK(jpeg > 0);
  CHECK(png > 0);
  // A raw frame has no file format.
  const std::vector<std::uint8_t> gray(64 * 64, 128);
  pdqg_result r;
  REQUIRE(pdqg_hash_pixels(nullptr, PDQG_FORMAT_GRAY8, gray.data(), gray.size(), 64, 64, 0, 0, &r) == PDQG_OK);
  CHECK(r.image_format == PDQG_IMAGE_UNKNOWN);
  CHECK(std::string(pdqg_image_format_name(PDQG_IMAGE_UNKNOWN)) == "unknown");
  CHECK(std::string(pdqg_image_format_name(10)) == "unknown");
  CHECK(std::string(pdqg_image_format_name(-1)) == "unknown");
  CHECK(std::string(pdqg_image_format_name(PDQG_IMAGE_HEIF)) == "heif");
  CHECK(std::string(pdqg_image_format_name(PDQG_IMAGE_AVIF)) == "avif");
}
