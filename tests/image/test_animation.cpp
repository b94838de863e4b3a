// decode_frames (issue 15, animations): every frame of the generated GIF, WebP
// and APNG animations of tests/data/formats/anim (made by make_anim.py with
// Pillow 9.4: disposal modes, transparency, offsets, local palettes, interlace,
// gray; APNG in every mode with blend over/source and a default image)
// is byte for byte the canvas Pillow shows after seek(n), with Pillow's
// timestamps; frame 0 is decode_image's; limits end an animation early.
#include "common/corpus.hpp"

#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/image.hpp>

#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

using namespace pdqguard;

namespace {
const std::string kDir = std::string(PDQGUARD_SOURCE_DIR) + "/tests/data/formats/anim";

struct Expected {
  bool gray = false;
  double timestamp_ms = 0;
  double duration_ms = 0;
};

// frame k of Pillow's stacked frames, as RGB.
std::vector<std::uint8_t> pillow_frame(const DecodedImage& sheet, int width, int height, int k) {
  const std::size_t n = static_cast<std::size_t>(width) * height * 3;
  const auto first = sheet.pixels.begin() + static_cast<std::ptrdiff_t>(n * static_cast<std::size_t>(k));
  return {first, first + static_cast<std::ptrdiff_t>(n)};
}

std::vector<std::uint8_t> as_rgb(const DecodedImage& img) {
  if (!img.gray) return img.pixels;
  std::vector<std::uint8_t> out;
  out.reserve(img.pixels.size() * 3);
  for (std::uint8_t v : img.pixels) out.insert(out.end(), {v, v, v});
  return out;
}
}  // namespace

TEST_CASE("animations: every frame is Pillow's composited canvas, byte for byte") {
  std::map<std::string, std::vector<Expected>> want;
  for (const auto& row : test::read_csv(kDir + "/frames.csv")) {
    auto& v = want[row.at("file")];
    REQUIRE(std::stoi(row.at("frame")) == static_cast<int>(v.size()));
    v.push_back(Expected{row.at("gray") == "1", std::stod(row.at("timestamp_ms")), std::stod(row.at("duration_ms"))});
  }
  REQUIRE(want.size() >= 25);
  int gif = 0, webp = 0, apng = 0, total = 0;
  for (const auto& [name, frames] : want) {
    CAPTURE(name);
    const std::vector<std::uint8_t> bytes = read_file_bytes(kDir + "/" + name, 1u << 20);
    const DecodedImage sheet = decode_image_file(kDir + "/" + name + ".frames.ppm");
    const DecodedImage first = decode_image(bytes);
    int seen = 0;
    const AnimationInfo info = decode_frames(bytes, {}, [&](const DecodedImage& img, const FrameInfo& fi) {
      CAPTURE(fi.index);
      REQUIRE(fi.index == seen);
      REQUIRE(fi.index < static_cast<int>(frames.size()));
      CHECK(img.width == sheet.width);
      CHECK(img.height * static_cast<int>(frames.size()) == sheet.height);
      CHECK(img.gray == frames[static_cast<std::size_t>(fi.index)].gray);
      CHECK(as_rgb(img) == pillow_frame(sheet, img.width, img.height, fi.index));
      CHECK(std::fabs(fi.timestamp * 1000 - frames[static_cast<std::size_t>(fi.index)].timestamp_ms) < 1e-6);
      CHECK(std::fabs(fi.duration * 1000 - frames[static_cast<std::size_t>(fi.index)].duration_ms) < 1e-6);
      if (fi.index == 0) {
        CHECK(img.pixels == first.pixels);
        CHECK(img.gray == first.gray);
      }
      ++seen;
      return true;
    });
    CHECK(info.frames == static_cast<int>(frames.size()));
    CHECK(seen == info.frames);
    CHECK_FALSE(info.truncated);
    CHECK(info.warnings.empty());
    (name.ends_with(".gif") ? gif : name.ends_with(".png") ? apng : webp) += 1;
    total += seen;
  }
  CHECK(gif >= 17);
  CHECK(webp >= 2);
  CHECK(apng >= 6);
  CHECK(total >= 85);
}

TEST_CASE("animations: max_frames and max_animation_pixels end an animation early, frame 0 always") {
  const std::vector<std::uint8_t> bytes = read_file_bytes(kDir + "/dispose_previous.gif", 1u << 20);
  for (const bool by_pixels : {false, true}) {
    CAPTURE(by_pixels);
    DecodeOptions o;
    if (by_pixels)
      o.max_animation_pixels = 20 * 16 * 2;  // two canvases
    else
      o.max_frames = 2;
    int n = 0;
    const AnimationInfo info = decode_frames(bytes, o, [&](const DecodedImage&, const FrameInfo&) { return ++n, true; });
    CHECK(n == 2);
    CHECK(info.frames == 2);
    CHECK(info.truncated);
    REQUIRE(info.warnings.size() == 1);
    CHECK(info.warnings[0].find(by_pixels ? "max_animation_pixels" : "max_frames") != std::string::npos);
  }
  DecodeOptions none;
  none.max_frames = 0;
  int n = 0;
  (void)decode_frames(bytes, none, [&](const DecodedImage&, const FrameInfo&) { return ++n, true; });
  CHECK(n == 1);
  // The callback stops the iteration.
  n = 0;
  const AnimationInfo info = decode_frames(bytes, {}, [&](const DecodedImage&, const FrameInfo&) { return ++n < 3; });
  CHECK(n == 3);
  CHECK(info.frames == 3);
  CHECK_FALSE(info.truncated);
}

TEST_CASE("animations: a damaged later frame ends the animation with a warning; frame 0 damage throws") {
  const std::vector<std::uint8_t> bytes = read_file_bytes(kDir + "/dispose_none.gif", 1u << 20);
  // Cut inside the last frame's image data.
  const std::vector<std::uint8_t> cut(bytes.begin(), bytes.end() - 40);
  int n = 0;
  const AnimationInfo info = decode_frames(cut, {}, [&](const DecodedImage&, const FrameInfo&) { return ++n, true; });
  CHECK(n == 2);
  REQUIRE(info.warnings.size() == 1);
  CHECK(info.warnings[0].find("frame 2") != std::string::npos);
  const std::vector<std::uint8_t> head(bytes.begin(), bytes.begin() + 100);
  CHECK_THROWS_AS(decode_frames(head, {}, [](const DecodedImage&, const FrameInfo&) { return true; }), Error);
}

TEST_CASE("animations: a still image is one frame, errors as decode_image") {
  const std::vector<std::uint8_t> png = read_file_bytes(std::string(PDQGUARD_SOURCE_DIR) + "/tests/data/formats/pal8.bmp", 1u << 20);
  int n = 0;
  const AnimationInfo info = decode_frames(png, {}, [&](const DecodedImage& img, const FrameInfo& fi) {
    CHECK(fi.index == 0);
    CHECK(fi.timestamp == 0);
    CHECK(img.format == ImageFormat::bmp);
    return ++n, true;
  });
  CHECK(n == 1);
  CHECK(info.frames == 1);
  const std::vector<std::uint8_t> junk = {'x', 'y', 'z'};
  try {
    (void)decode_frames(junk, {}, [](const DecodedImage&, const FrameInfo&) { return true; });
    FAIL("expected unsupported_format");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::unsupported_format);
  }
  DecodeOptions tiny;
  tiny.max_pixels = 10;
  const std::vector<std::uint8_t> gif = read_file_bytes(kDir + "/dispose_none.gif", 1u << 20);
  try {
    (void)decode_frames(gif, tiny, [](const DecodedImage&, const FrameInfo&) { return true; });
    FAIL("expected image_too_large");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::image_too_large);
  }
}

// EXIF orientation beyond JPEG/PNG (tests/data/formats/orientation, made by
// make_orientation.py with Pillow 9.4).
TEST_CASE("orientation: WebP's EXIF chunk on request; TIFF's Orientation tag always, as Pillow") {
  const std::string dir = std::string(PDQGUARD_SOURCE_DIR) + "/tests/data/formats/orientation";
  DecodeOptions apply;
  apply.apply_exif_orientation = true;
  for (int o = 1; o <= 8; ++o) {
    CAPTURE(o);
    const std::string webp = dir + "/orient" + std::to_string(o) + ".webp";
    const DecodedImage stored = decode_image_file(webp);
    const DecodedImage pillow = decode_image_file(webp + ".pillow.ppm");
    CHECK(stored.exif_orientation == 0);
    CHECK(stored.width == pillow.width);
    CHECK(stored.pixels == pillow.pixels);
    const DecodedImage turned = decode_image_file(webp, apply);
    const DecodedImage upright = decode_image_file(webp + ".upright.ppm");
    CHECK(turned.exif_orientation == o);
    CHECK(turned.width == upright.width);
    CHECK(turned.height == upright.height);
    CHECK(turned.pixels == upright.pixels);
    // Every frame of decode_frames is turned the same way.
    const std::vector<std::uint8_t> bytes = read_file_bytes(webp, 1u << 20);
    int frames = 0;
    (void)decode_frames(bytes, apply, [&](const DecodedImage& f, const FrameInfo&) {
      CHECK(f.pixels == upright.pixels);
      return ++frames, true;
    });
    CHECK(frames == 1);

    const std::string tiff = dir + "/orient" + std::to_string(o) + ".tiff";
    const DecodedImage tpillow = decode_image_file(tiff + ".pillow.ppm");
    for (const bool on : {false, true}) {
      CAPTURE(on);
      DecodeOptions opts;
      opts.apply_exif_orientation = on;
      const DecodedImage t = decode_image_file(tiff, opts);
      CHECK(t.width == tpillow.width);
      CHECK(t.height == tpillow.height);
      CHECK(t.pixels == tpillow.pixels);
      CHECK(t.exif_orientation == (o >= 2 || on ? o : 0));
    }
  }
}

TEST_CASE("animations: a later GIF frame larger than max_pixels ends the animation, nothing allocated for it") {
  // Found by fuzz_gif: frame 1 declares 65535x65535 at (65535, 65535) of a 10x23
  // canvas; its indices used to be read into a frame-sized buffer (4 GiB).
  const std::vector<std::uint8_t> bytes = read_file_bytes(
      std::string(PDQGUARD_SOURCE_DIR) + "/tests/fuzz/regressions/gif/oom-later-frame-65535x65535.gif", 1u << 20);
  int n = 0;
  const AnimationInfo info = decode_frames(bytes, {}, [&](const DecodedImage& f, const FrameInfo&) {
    CHECK(f.width == 10);
    return ++n, true;
  });
  CHECK(n >= 1);
  REQUIRE_FALSE(info.warnings.empty());
  CHECK(info.warnings.back().find("exceeds the limit") != std::string::npos);
}
