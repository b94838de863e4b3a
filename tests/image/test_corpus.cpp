// Every image of the shared corpus decodes to exactly the pixels the reference
// pipeline saw: hash, quality and all seven dihedral hashes match expected.csv
// bit for bit; the row with no hash that is not WebP (a Lab TIFF) is refused as
// unsupported.
#include "common/corpus.hpp"

#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>

#include <fstream>
#include <map>
#include <sstream>

using namespace pdqguard;

TEST_CASE("corpus images hash exactly as expected.csv") {
  const auto rows = test::read_csv(test::corpus_dir() + "/expected.csv");
  REQUIRE(rows.size() >= (test::full_corpus() ? 50u : 14u));
  Hasher hasher;
  int hashed = 0, refused = 0;
  for (const auto& row : rows) {
    const std::string rel = row.at("relative_path");
    const std::string path = test::corpus_dir() + "/images/" + rel;
    CAPTURE(rel);
    if (row.at("hash").empty()) {
      // WebP decodes since issue 15 (test_formats.cpp checks these files); the
      // rows left without a hash must still be refused, naming the format.
      if (rel.ends_with(".webp")) continue;
      try {
        (void)decode_image_file(path);
        FAIL("expected unsupported_format");
      } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::unsupported_format);
        const std::string want = row.at("note").substr(row.at("note").find(':') + 1, 4);
        CHECK(std::string(e.what()).find(want) != std::string::npos);  // names the format
      }
      ++refused;
      continue;
    }
    const DecodedImage img = decode_image_file(path);
    CHECK(img.warnings.empty());
    REQUIRE(img.width == std::stoi(row.at("width")));
    REQUIRE(img.height == std::stoi(row.at("height")));
    CHECK(img.gray == (row.at("decoded_as") == "gray"));
    CHECK(img.format == (rel.ends_with(".png") ? ImageFormat::png : ImageFormat::jpeg));
    const HashResult single = hasher.hash(img.view());
    CHECK(single.hash.to_hex() == row.at("hash"));
    CHECK(single.quality == std::stoi(row.at("quality")));
    const DihedralResult all = hasher.hash_dihedral(img.view());
    CHECK(all.quality == std::stoi(row.at("quality")));
    for (int d = 0; d < 8; ++d) {
      CAPTURE(d);
      CHECK(all.hashes[static_cast<std::size_t>(d)].to_hex() == row.at(test::kDihedralColumns[d]));
    }
    ++hashed;
  }
  CHECK(hashed == test::hashed_images());
  // On the full corpus: LAB.tiff (a Lab-colour TIFF is not a decodable layout).
  CHECK(refused == (test::full_corpus() ? 1 : 0));
}

TEST_CASE("memory, stream and file entry points give the same pixels") {
  for (const char* rel : {"misc-images/wee.jpg", "misc-images/modes/P.png", "misc-images/modes/CMYK.jpg"}) {
    CAPTURE(rel);
    const std::string path = test::corpus_dir() + "/images/" + rel;
    const DecodedImage a = decode_image_file(path);
    const std::vector<std::uint8_t> bytes = read_file_bytes(path, 1u << 30);
    const DecodedImage b = decode_image(bytes);
    std::ifstream in(path, std::ios::binary);
    const DecodedImage c = decode_image_stream(in);
    CHECK(a.pixels == b.pixels);
    CHECK(a.pixels == c.pixels);
    CHECK(a.width == c.width);
    CHECK(a.source_width == a.width);
    CHECK(a.scale_denom == 1);
  }
}

TEST_CASE("decode_image_into resets every field and reuses the buffer") {
  if (!test::needs_full_corpus()) return;
  DecodedImage out;
  DecodeOptions apply;
  apply.apply_exif_orientation = true;
  const std::string dir = test::corpus_dir() + "/images/";
  decode_image_into(read_file_bytes(dir + "reg-test-input/exif-rotn/exif-rotn-6.jpg", 1u << 30), out, apply);
  CHECK(out.exif_orientation == 6);
  const std::size_t cap = out.pixels.capacity();
  for (const char* rel : {"misc-images/modes/L.png", "misc-images/small.jpg", "misc-images/modes/CMYK.jpg"}) {
    CAPTURE(rel);
    const auto bytes = read_file_bytes(dir + rel, 1u << 30);
    decode_image_into(bytes, out);
    const DecodedImage fresh = decode_image(bytes);
    CHECK(out.pixels == fresh.pixels);
    CHECK(out.width == fresh.width);
    CHECK(out.height == fresh.height);
    CHECK(out.gray == fresh.gray);
    CHECK(out.format == fresh.format);
    CHECK(out.exif_orientation == 0);
    CHECK(out.warnings == fresh.warnings);
    CHECK(out.pixels.capacity() == cap);
  }
  CHECK_THROWS_AS(decode_image_into(std::vector<std::uint8_t>{'G', 'I', 'F', '8', '9', 'a'}, out), Error);
}

TEST_CASE("EXIF orientation is ignored by default and applied on request") {
  // Applying orientation o must give (nearly) the dihedral hash the reference
  // computes for that transform of the stored pixels.
  const std::string dir = test::corpus_dir() + "/images/";
  Hasher hasher;
  DecodeOptions apply;
  apply.apply_exif_orientation = true;
  std::map<std::string, test::Row> rows;
  for (auto& r : test::read_csv(test::corpus_dir() + "/expected.csv")) rows[r.at("relative_path")] = r;
  const std::pair<int, Dihedral> cases[] = {
      {3, Dihedral::rot180}, {6, Dihedral::rot270}, {8, Dihedral::rot90}};
  for (const auto& [o, dih] : cases) {
    CAPTURE(o);
    const std::string path = dir + test::exif_image(o);
    // The stored pixels' hashes are in expected.csv (checked by the test above).
    const test::Row& row = rows.at(test::exif_image(o));
    const DecodedImage turned = decode_image_file(path, apply);
    CHECK(turned.exif_orientation == o);
    const int sw = std::stoi(row.at("width")), sh = std::stoi(row.at("height"));
    CHECK(turned.width == (o == 3 ? sw : sh));
    CHECK(turned.source_width == sw);
    const Hash256 th = hasher.hash(turned.view()).hash;
    // On the 160x100 picture of tests/data the DCT-domain dihedral is farther from the
    // really turned picture (26-28 bits) than on the 4032x3024 photos: still far below
    // the > 64 bits to the unturned hash.
    const int near = test::full_corpus() ? 16 : 32;
    CHECK(distance(th, Hash256::from_hex(row.at(test::kDihedralColumns[static_cast<int>(dih)]))) <= near);
    CHECK(distance(th, Hash256::from_hex(row.at("hash"))) > 64);
  }
  const DecodedImage one = decode_image_file(dir + test::exif_image(1), apply);
  CHECK(one.exif_orientation == 1);
  CHECK(hasher.hash(one.view()).hash.to_hex() == rows.at(test::exif_image(1)).at("hash"));
}
