// hash_image (JPEG rows streamed from the decoder into the hashing pipeline)
// must give bit for bit what decode_image_into + Hasher gives, with the same
// metadata and warnings, on every SIMD path this CPU has, and fail the same way
// on damaged files.
#include "common/corpus.hpp"
#include "common/isa.hpp"
#include "image/synth.hpp"

#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>

#include <optional>
#include <string>
#include <vector>

using namespace pdqguard;

namespace {

// Restores the active path when a test ends.
struct IsaGuard {
  Isa saved = active_isa();
  ~IsaGuard() { force_isa(saved); }
};

struct Outcome {
  std::optional<ErrorCode> error;
  DihedralResult r;
  DecodedImage info;
};

Outcome via_hash_image(const std::vector<std::uint8_t>& bytes, bool dihedral,
                       const DecodeOptions& o = {}) {
  Outcome out;
  Hasher h;
  try {
    out.r = hash_image(bytes, h, out.info, o, dihedral);
  } catch (const Error& e) {
    out.error = e.code();
  }
  return out;
}

Outcome via_decode(const std::vector<std::uint8_t>& bytes, bool dihedral, const DecodeOptions& o = {}) {
  Outcome out;
  Hasher h;
  try {
    decode_image_into(bytes, out.info, o);
    if (out.info.scale_denom > 1) {
      out.r = hash_decoded(out.info, h, dihedral);  // fast mode's scaled geometry
    } else if (dihedral) {
      out.r = h.hash_dihedral(out.info.view());
    } else {
      const HashResult one = h.hash(out.info.view());
      out.r.hashes[0] = one.hash;
      out.r.quality = one.quality;
      out.r.too_small = one.too_small;
    }
  } catch (const Error& e) {
    out.error = e.code();
  }
  return out;
}

void check_same(const std::vector<std::uint8_t>& bytes, const DecodeOptions& o = {}) {
  for (bool dihedral : {false, true}) {
    CAPTURE(dihedral);
    const Outcome a = via_hash_image(bytes, dihedral, o);
    const Outcome b = via_decode(bytes, dihedral, o);
    REQUIRE(a.error == b.error);
    if (a.error) continue;
    CHECK(a.r.quality == b.r.quality);
    CHECK(a.r.too_small == b.r.too_small);
    for (int d = 0; d < (dihedral ? 8 : 1); ++d)
      CHECK(a.r.hashes[static_cast<std::size_t>(d)] == b.r.hashes[static_cast<std::size_t>(d)]);
    CHECK(a.info.format == b.info.format);
    CHECK(a.info.width == b.info.width);
    CHECK(a.info.height == b.info.height);
    CHECK(a.info.gray == b.info.gray);
    CHECK(a.info.source_width == b.info.source_width);
    CHECK(a.info.scale_denom == b.info.scale_denom);
    CHECK(a.info.exif_orientation == b.info.exif_orientation);
    CHECK(a.info.warnings == b.info.warnings);
    if (a.info.format == ImageFormat::jpeg && a.info.exif_orientation == 0)
      CHECK(a.info.pixels.empty());  // streamed, never buffered
  }
}

}  // namespace

TEST_CASE("hash_image matches expected.csv on every corpus image, on every path") {
  const IsaGuard guard;
  const auto rows = test::read_csv(test::corpus_dir() + "/expected.csv");
  for (Isa isa : test::isas_here()) {
    force_isa(isa);
    CAPTURE(isa_name(isa));
    int hashed = 0;
    for (const auto& row : rows) {
      if (row.at("hash").empty()) continue;
      const std::string rel = row.at("relative_path");
      CAPTURE(rel);
      const auto bytes = read_file_bytes(test::corpus_dir() + "/images/" + rel, 1u << 30);
      Hasher h;
      DecodedImage info;
      const DihedralResult one = hash_image(bytes, h, info);
      CHECK(one.hashes[0].to_hex() == row.at("hash"));
      CHECK(one.quality == std::stoi(row.at("quality")));
      CHECK(info.width == std::stoi(row.at("width")));
      const DihedralResult all = hash_image(bytes, h, info, {}, true);
      for (int d = 0; d < 8; ++d)
        CHECK(all.hashes[static_cast<std::size_t>(d)].to_hex() == row.at(test::kDihedralColumns[d]));
      CHECK(info.pixels.empty() == (info.format == ImageFormat::jpeg));
      ++hashed;
    }
    CHECK(hashed == test::hashed_images());
  }
}

TEST_CASE("hash_image equals decode + hash for generated JPEGs of awkward sizes and modes") {
  const IsaGuard guard;
  struct Case {
    int w, h, comps;
    test::JpegSpec spec;
  };
  std::vector<Case> cases;
  const int sizes[][2] = {{4, 4}, {5, 5}, {64, 64}, {65, 63}, {1001, 37}, {37, 1001}, {640, 480}, {1500, 1100}};
  for (const auto& s : sizes) {
    test::JpegSpec base;
    cases.push_back({s[0], s[1], 3, base});
    test::JpegSpec prog;
    prog.progressive = true;
    cases.push_back({s[0], s[1], 3, prog});
    cases.push_back({s[0], s[1], 1, base});
    test::JpegSpec k;
    k.h_samp = k.v_samp = 1;
    cases.push_back({s[0], s[1], 4, k});
  }
  test::JpegSpec s422;
  s422.h_samp = 2;
  s422.v_samp = 1;
  s422.restart_interval = 3;
  cases.push_back({777, 333, 3, s422});
  std::uint64_t seed = 11;
  std::vector<std::vector<std::uint8_t>> files;
  for (const Case& c : cases) {
    auto px = test::photo_like(c.w, c.h, ++seed);
    if (c.comps == 1) px = test::to_gray(px);
    if (c.comps == 4) px = test::to_cmyk(px);
    files.push_back(test::encode_jpeg(px.data(), c.w, c.h, c.comps, c.spec));
  }
  for (Isa isa : test::isas_here()) {
    force_isa(isa);
    CAPTURE(isa_name(isa));
    for (std::size_t i = 0; i < files.size(); ++i) {
      CAPTURE(cases[i].w);
      CAPTURE(cases[i].h);
      CAPTURE(cases[i].comps);
      CAPTURE(cases[i].spec.progressive);
      check_same(files[i]);
    }
  }
  // Fast mode streams too (scaled rows).
  DecodeOptions fast;
  fast.fast = true;
  for (std::size_t i = 0; i < files.size(); ++i) check_same(files[i], fast);
}

TEST_CASE("hash_image: truncated and damaged JPEGs give the same warnings, hashes or errors") {
  auto px = test::photo_like(900, 700, 99);
  test::JpegSpec prog;
  prog.progressive = true;
  test::Rng rng(77);
  int errors = 0, warned = 0;
  for (const auto& f : {test::encode_jpeg(px.data(), 900, 700, 3), test::encode_jpeg(px.data(), 900, 700, 3, prog)}) {
    for (std::size_t cut : {f.size() / 3, f.size() / 2, f.size() - 2}) {
      CAPTURE(cut);
      const std::vector<std::uint8_t> t(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(cut));
      check_same(t);
      if (!via_hash_image(t, false).info.warnings.empty()) ++warned;
    }
    for (int i = 0; i < 40; ++i) {
      auto d = f;
      for (int k = 0; k < 4; ++k)
        d[static_cast<std::size_t>(rng.range(2, static_cast<int>(d.size()) - 1))] ^=
            static_cast<std::uint8_t>(1 + rng.next() % 255);
      CAPTURE(i);
      check_same(d);
      if (via_hash_image(d, false).error) ++errors;
    }
  }
  MESSAGE(warned << " truncated files decoded with warnings, " << errors << " damaged files refused");
  CHECK(warned > 0);
  CHECK(errors > 0);
}

TEST_CASE("hash_image: strict mode, limits and EXIF orientation behave as decode_image") {
  auto px = test::photo_like(300, 200, 5);
  const auto f = test::encode_jpeg(px.data(), 300, 200, 3);
  const std::vector<std::uint8_t> cut(f.begin(), f.begin() + static_cast<std::ptrdiff_t>(f.size() / 2));
  DecodeOptions strict;
  strict.strict = true;
  CHECK(via_hash_image(cut, false, strict).error == ErrorCode::decode_error);
  DecodeOptions small;
  small.max_pixels = 1000;
  CHECK(via_hash_image(f, false, small).error == ErrorCode::image_too_large);
  DecodeOptions apply;
  apply.apply_exif_orientation = true;
  const auto rot = read_file_bytes(test::corpus_dir() + "/images/" + test::exif_image(6), 1u << 30);
  check_same(rot, apply);
  CHECK(via_hash_image(rot, false, apply).info.exif_orientation == 6);
  check_same(read_file_bytes(test::corpus_dir() + "/images/misc-images/modes/P.png", 1u << 30));
}

TEST_CASE("hash_image: PPM and PGM are hashed in place, as decode + hash_decoded") {
  const int w = 131, h = 97;
  const auto rgb = test::photo_like(w, h, 5);
  const auto gray = test::to_gray(rgb);
  for (bool is_gray : {false, true}) {
    CAPTURE(is_gray);
    const std::string head = std::string(is_gray ? "P5" : "P6") + "\n# c\n" + std::to_string(w) + " " +
                             std::to_string(h) + "\n255\n";
    std::vector<std::uint8_t> f(head.begin(), head.end());
    const auto& px = is_gray ? gray : rgb;
    f.insert(f.end(), px.begin(), px.end());
    check_same(f);
    f.push_back(0);  // trailing data: the same warning either way
    check_same(f);
    CHECK(via_hash_image(f, false).info.pixels.empty());  // no copy of the pixels was made
    f.resize(f.size() - 100);  // truncated: the same error either way
    check_same(f);
    CHECK(via_hash_image(f, false).error.has_value());
  }
}
