// WebP, GIF, TIFF, BMP, HEIC and AVIF decoding (issue 15):
// - every file of ../shared/corpus/formats hashes as its expected.csv says
//   (hash, quality, the 8 dihedral hashes): in the image_formats_corpus CTest
//   entry, skipped (77) when the shared folder is absent;
// - the small files of tests/data/formats (made by make.py with Pillow 9.4)
//   decode to exactly the pixels Pillow gave (the .ppm/.pgm beside each) and
//   hash as tests/data/formats/expected.csv says;
// - hostile headers are refused before allocating.
#include "common/corpus.hpp"

#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>

#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

using namespace pdqguard;

namespace {
ImageFormat format_of_name(const std::string& name) {
  const std::string ext = name.substr(name.rfind('.') + 1);
  if (ext == "webp") return ImageFormat::webp;
  if (ext == "gif") return ImageFormat::gif;
  if (ext == "tiff" || ext == "tif") return ImageFormat::tiff;
  if (ext == "bmp") return ImageFormat::bmp;
  if (ext == "heic") return ImageFormat::heif;
  if (ext == "avif") return ImageFormat::avif;
  return ImageFormat::unknown;
}
}  // namespace

TEST_CASE("formats corpus: every file hashes as expected.csv") {
  if (!test::needs_full_corpus()) return;
  const std::string dir = test::full_corpus_dir() + "/formats";
  const auto rows = test::read_csv(dir + "/expected.csv");
  REQUIRE(rows.size() >= 40);
  Hasher hasher;
  int n = 0;
  for (const auto& row : rows) {
    const std::string rel = row.at("relative_path");
    CAPTURE(rel);
    const DecodedImage img = decode_image_file(dir + "/" + rel);
    CHECK(img.warnings.empty());
    CHECK(img.format == format_of_name(rel));
    CHECK(img.width == std::stoi(row.at("width")));
    CHECK(img.height == std::stoi(row.at("height")));
    CHECK(img.gray == (row.at("decoded_as") == "gray"));
    const DihedralResult all = hasher.hash_dihedral(img.view());
    CHECK(all.hashes[0].to_hex() == row.at("hash"));
    CHECK(all.quality == std::stoi(row.at("quality")));
    for (int d = 0; d < 8; ++d) {
      CAPTURE(d);
      CHECK(all.hashes[static_cast<std::size_t>(d)].to_hex() == row.at(test::kDihedralColumns[d]));
    }
    // The one-pass entry point gives the same.
    DecodedImage info;
    const std::vector<std::uint8_t> bytes = read_file_bytes(dir + "/" + rel, 1u << 30);
    CHECK(hash_image(bytes, hasher, info).hashes[0].to_hex() == row.at("hash"));
    CHECK(std::string(image_format_name(info.format)) != "unknown");
    ++n;
  }
  CHECK(n == static_cast<int>(rows.size()));
}

TEST_CASE("formats corpus: the main corpus's WebP files now decode at their stated size") {
  if (!test::needs_full_corpus()) return;
  const auto rows = test::read_csv(test::corpus_dir() + "/expected.csv");
  int webp = 0;
  for (const auto& row : rows) {
    const std::string rel = row.at("relative_path");
    if (!rel.ends_with(".webp")) continue;
    CAPTURE(rel);
    const DecodedImage img = decode_image_file(test::corpus_dir() + "/images/" + rel);
    CHECK(img.format == ImageFormat::webp);
    CHECK(img.width == std::stoi(row.at("width")));
    CHECK(img.height == std::stoi(row.at("height")));
    ++webp;
  }
  CHECK(webp == 5);
}

TEST_CASE("generated files decode to Pillow's pixels byte for byte") {
  const std::filesystem::path dir = std::filesystem::path(PDQGUARD_SOURCE_DIR) / "tests/data/formats";
  int n = 0;
  std::map<ImageFormat, int> per_format;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const ImageFormat want = format_of_name(name);
    if (want == ImageFormat::unknown) continue;
    CAPTURE(name);
    std::filesystem::path ref = e.path();
    ref += ".ppm";
    if (!std::filesystem::exists(ref)) {
      ref = e.path();
      ref += ".pgm";
    }
    REQUIRE(std::filesystem::exists(ref));
    const DecodedImage got = decode_image_file(e.path().string());
    const DecodedImage pillow = decode_image_file(ref.string());
    CHECK(got.format == want);
    CHECK(got.warnings.empty());
    CHECK(got.width == pillow.width);
    CHECK(got.height == pillow.height);
    CHECK(got.gray == pillow.gray);
    CHECK(got.pixels == pillow.pixels);
    ++per_format[want];
    ++n;
  }
  CHECK(per_format[ImageFormat::webp] >= 4);
  CHECK(per_format[ImageFormat::gif] >= 4);
  CHECK(per_format[ImageFormat::tiff] >= 7);
  CHECK(per_format[ImageFormat::bmp] >= 8);
}

TEST_CASE("generated files hash as tests/data/formats/expected.csv") {
  const std::string dir = std::string(PDQGUARD_SOURCE_DIR) + "/tests/data/formats";
  const auto rows = test::read_csv(dir + "/expected.csv");
  REQUIRE(rows.size() >= 20);
  Hasher hasher;
  for (const auto& row : rows) {
    const std::string rel = row.at("relative_path");
    CAPTURE(rel);
    const std::vector<std::uint8_t> bytes = read_file_bytes(dir + "/" + rel, 1u << 20);
    DecodedImage info;
    const DihedralResult r = hash_image(bytes, hasher, info);
    CHECK(r.hashes[0].to_hex() == row.at("hash"));
    CHECK(r.quality == std::stoi(row.at("quality")));
    CHECK(std::string(image_format_name(info.format)) == row.at("format"));
    // Streamed decoders (a GIF's frame 0 goes to the hasher row batch by row
    // batch) give what decoding the whole image and hashing it gives, all 8 ways.
    const DecodedImage img = decode_image(bytes);
    const DihedralResult want = hasher.hash_dihedral(img.view());
    DecodedImage info8;
    const DihedralResult got = hash_image(bytes, hasher, info8, DecodeOptions{}, true);
    CHECK(got.quality == want.quality);
    for (int d = 0; d < 8; ++d) {
      CAPTURE(d);
      CHECK(got.hashes[static_cast<std::size_t>(d)] == want.hashes[static_cast<std::size_t>(d)]);
    }
    CHECK(info8.width == img.width);
    CHECK(info8.height == img.height);
    CHECK(info8.gray == img.gray);
  }
}

TEST_CASE("new formats: limits are checked from the header, damage is a decode_error") {
  DecodeOptions small;
  small.max_pixels = 50;  // every file below is larger
  const std::filesystem::path dir = std::filesystem::path(PDQGUARD_SOURCE_DIR) / "tests/data/formats";
  for (const char* name : {"lossy.webp", "anim.webp", "palette.gif", "raw.tiff", "lzw.tiff", "rgb24.bmp",
                           "rle8.bmp"}) {
    const std::string file = name;
    CAPTURE(file);
    const std::vector<std::uint8_t> bytes = read_file_bytes((dir / name).string(), 1u << 20);
    try {
      (void)decode_image(bytes, small);
      FAIL("expected image_too_large");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::image_too_large);
    }
    // Truncated to half: a named decode_error, never a crash.
    const std::vector<std::uint8_t> half(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(bytes.size() / 2));
    try {
      (void)decode_image(half);
      FAIL("expected decode_error");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::decode_error);
      CHECK(std::string(e.what()).size() > 5);
    }
  }
  // A BMP header claiming 60000 x 60000 pixels is refused before any allocation.
  std::vector<std::uint8_t> bmp(54, 0);
  bmp[0] = 'B', bmp[1] = 'M', bmp[10] = 54, bmp[14] = 40;
  bmp[18] = 0x60, bmp[19] = 0xEA, bmp[22] = 0x60, bmp[23] = 0xEA, bmp[28] = 24;
  try {
    (void)decode_image(bmp);
    FAIL("expected image_too_large");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::image_too_large);
  }
  // A GIF screen of 65535 x 65535.
  const std::uint8_t gif[] = {'G', 'I', 'F', '8', '9', 'a', 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, ';'};
  try {
    (void)decode_image(gif);
    FAIL("expected image_too_large");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::image_too_large);
  }
}

TEST_CASE("sniffing names HEIC and AVIF by their brands") {
  auto ftyp = [](const char* major, const char* compat) {
    std::vector<std::uint8_t> b = {0, 0, 0, 24, 'f', 't', 'y', 'p'};
    b.insert(b.end(), major, major + 4);
    b.insert(b.end(), {0, 0, 0, 0});
    b.insert(b.end(), major, major + 4);
    b.insert(b.end(), compat, compat + 4);
    return b;
  };
  CHECK(sniff_format(ftyp("heic", "mif1")) == ImageFormat::heif);
  CHECK(sniff_format(ftyp("avif", "mif1")) == ImageFormat::avif);
  CHECK(sniff_format(ftyp("mif1", "avif")) == ImageFormat::avif);
  CHECK(sniff_format(ftyp("mif1", "heic")) == ImageFormat::heif);
}
