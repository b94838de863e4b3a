// Every raw pixel file of the shared corpus must hash exactly as the PDQ C++
// reference did: hash, quality and all dihedral hashes. The suite is run once per
// SIMD path (see tests/CMakeLists.txt).
#include "common/corpus.hpp"

#include <doctest/doctest.h>

#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>

using namespace pdqguard;

TEST_CASE("raw reference vectors match bit for bit") {
  const auto rows = test::read_csv(test::corpus_dir() + "/raw/expected.csv");
  REQUIRE(rows.size() >= 30);
  int checked = 0;
  Hasher hasher;
  for (const auto& row : rows) {
    const std::string rel = row.at("relative_path");
    CAPTURE(rel);
    const DecodedImage img = decode_image_file(test::corpus_dir() + "/raw/" + rel);
    REQUIRE(img.width == std::stoi(row.at("width")));
    REQUIRE(img.height == std::stoi(row.at("height")));
    CHECK(img.gray == (row.at("decoded_as") == "gray"));

    const HashResult single = hasher.hash(img.view());
    CHECK(single.hash.to_hex() == row.at("hash"));
    CHECK(single.quality == std::stoi(row.at("quality")));

    const DihedralResult all = hasher.hash_dihedral(img.view());
    CHECK(all.quality == std::stoi(row.at("quality")));
    for (int d = 0; d < 8; ++d) {
      CAPTURE(d);
      CHECK(all.hashes[static_cast<std::size_t>(d)].to_hex() == row.at(test::kDihedralColumns[d]));
    }
    const bool small = img.width < 5 || img.height < 5;
    CHECK(single.too_small == small);
    CHECK(all.too_small == small);
    ++checked;
  }
  CHECK(checked == static_cast<int>(rows.size()));
}
