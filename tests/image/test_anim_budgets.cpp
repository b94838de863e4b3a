// Work budgets of animations (SECURITY.md, gaps of session 8): a still GIF is
// charged frame 0's memory only and a later frame's need ends the animation;
// APNG is held to max_decode_memory and max_decode_cpu_ms and its frame table
// to max_frames; the frame callback's exceptions propagate (GIF, WebP, APNG
// alike) and its CPU time is not decoding time. GIF and APNG files are
// generated here (giflib's encoder; PNG chunks by hand with zlib).
#include "alloc_count.hpp"

#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/image.hpp>

#include <gif_lib.h>
#include <zlib.h>

#include <array>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

using namespace pdqguard;

namespace {
const std::string kDir = std::string(PDQGUARD_SOURCE_DIR) + "/tests/data/formats/anim";

// ---- GIF through giflib's encoder ----
struct GifFrame {
  int x = 0, y = 0, w = 0, h = 0;
  std::uint8_t index = 0;  // every pixel
  int disposal = 0;        // 0: no graphics control extension
};

int gif_write(GifFileType* g, const GifByteType* d, int n) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(g->UserData);
  out->insert(out->end(), d, d + n);
  return n;
}

// A GIF of a W x H screen with a 2-entry global palette, one frame each.
std::vector<std::uint8_t> make_gif(int W, int H, std::array<GifColorType, 2> palette,
                                   const std::vector<GifFrame>& frames) {
  std::vector<std::uint8_t> out;
  int err = 0;
  GifFileType* g = EGifOpen(&out, gif_write, &err);
  REQUIRE(g != nullptr);
  EGifSetGifVersion(g, true);
  ColorMapObject* cm = GifMakeMapObject(2, palette.data());
  REQUIRE(EGifPutScreenDesc(g, W, H, 1, 0, cm) == GIF_OK);
  for (const GifFrame& f : frames) {
    if (f.disposal) {
      const GifByteType gce[4] = {static_cast<GifByteType>(f.disposal << 2), 10, 0, 0};
      REQUIRE(EGifPutExtension(g, GRAPHICS_EXT_FUNC_CODE, 4, gce) == GIF_OK);
    }
    REQUIRE(EGifPutImageDesc(g, f.x, f.y, f.w, f.h, false, nullptr) == GIF_OK);
    std::vector<GifPixelType> row(static_cast<std::size_t>(f.w), f.index);
    for (int y = 0; y < f.h; ++y) REQUIRE(EGifPutLine(g, row.data(), f.w) == GIF_OK);
  }
  REQUIRE(EGifCloseFile(g, &err) == GIF_OK);
  GifFreeMapObject(cm);
  return out;
}

// ---- APNG by hand ----
void put_be32(std::vector<std::uint8_t>& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

void put_chunk(std::vector<std::uint8_t>& out, const char* type, const std::vector<std::uint8_t>& data) {
  put_be32(out, static_cast<std::uint32_t>(data.size()));
  const std::size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  put_be32(out, static_cast<std::uint32_t>(crc32(0, out.data() + start, static_cast<uInt>(out.size() - start))));
}

struct ApngFrame {
  std::uint32_t x = 0, y = 0, w = 0, h = 0;
  std::uint8_t dispose = 0, blend = 0;
  std::array<std::uint8_t, 4> rgba{};
};

// The zlib data of a w x h RGBA image of one colour (filter 0 on every row).
std::vector<std::uint8_t> rgba_zlib(const ApngFrame& f) {
  std::vector<std::uint8_t> raw;
  for (std::uint32_t y = 0; y < f.h; ++y) {
    raw.push_back(0);
    for (std::uint32_t x = 0; x < f.w; ++x) raw.insert(raw.end(), f.rgba.begin(), f.rgba.end());
  }
  uLongf n = compressBound(static_cast<uLong>(raw.size()));
  std::vector<std::uint8_t> z(n);
  REQUIRE(compress2(z.data(), &n, raw.data(), static_cast<uLong>(raw.size()), 9) == Z_OK);
  z.resize(n);
  return z;
}

std::vector<std::uint8_t> fctl(std::uint32_t seq, const ApngFrame& f) {
  std::vector<std::uint8_t> d;
  for (std::uint32_t v : {seq, f.w, f.h, f.x, f.y}) put_be32(d, v);
  d.insert(d.end(), {0, 1, 0, 10, f.dispose, f.blend});  // 1/10 s
  return d;
}

// An RGBA APNG of W x H: frames[0] is the IDAT image (covering the canvas),
// then fdAT frames, then `empty_fctl` more fcTL chunks without data.
std::vector<std::uint8_t> make_apng(std::uint32_t W, std::uint32_t H, const std::vector<ApngFrame>& frames,
                                    std::uint32_t empty_fctl = 0) {
  std::vector<std::uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<std::uint8_t> ihdr;
  put_be32(ihdr, W);
  put_be32(ihdr, H);
  ihdr.insert(ihdr.end(), {8, 6, 0, 0, 0});
  put_chunk(out, "IHDR", ihdr);
  std::vector<std::uint8_t> actl;
  put_be32(actl, static_cast<std::uint32_t>(frames.size()) + empty_fctl);
  put_be32(actl, 0);
  put_chunk(out, "acTL", actl);
  std::uint32_t seq = 0;
  for (std::size_t k = 0; k < frames.size(); ++k) {
    put_chunk(out, "fcTL", fctl(seq++, frames[k]));
    if (k == 0) {
      put_chunk(out, "IDAT", rgba_zlib(frames[k]));
    } else {
      std::vector<std::uint8_t> d;
      put_be32(d, seq++);
      const std::vector<std::uint8_t> z = rgba_zlib(frames[k]);
      d.insert(d.end(), z.begin(), z.end());
      put_chunk(out, "fdAT", d);
    }
  }
  ApngFrame tiny;
  tiny.w = tiny.h = 1;
  for (std::uint32_t i = 0; i < empty_fctl; ++i) put_chunk(out, "fcTL", fctl(seq++, tiny));
  put_chunk(out, "IEND", {});
  return out;
}

std::vector<std::uint8_t> two_frame_apng(std::uint32_t W, std::uint32_t H) {
  ApngFrame f0, f1;
  f0.w = W, f0.h = H, f0.rgba = {200, 10, 10, 255};
  f1.w = W / 2, f1.h = H / 2, f1.rgba = {10, 200, 10, 255};
  return make_apng(W, H, {f0, f1});
}

std::uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

ErrorCode code_of(const std::vector<std::uint8_t>& bytes, const DecodeOptions& o) {
  try {
    (void)decode_frames(bytes, o, [](const DecodedImage&, const FrameInfo&) { return true; });
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::ok;
}
}  // namespace

TEST_CASE("GIF: a still image is charged frame 0's memory only (a 40 MP GIF decodes at the default limits)") {
  // 8000 x 5000 gray indices: 40 MB of canvas, below 256 MiB; the 7 bytes a
  // pixel once charged to every GIF (280 MB) were above it.
  const std::vector<std::uint8_t> bytes =
      make_gif(8000, 5000, {GifColorType{0, 0, 0}, GifColorType{1, 1, 1}}, {GifFrame{0, 0, 8000, 5000, 1, 0}});
  CHECK(bytes.size() < 200'000);
  const DecodeOptions defaults;
  const DecodedImage img = decode_image(bytes, defaults);
  CHECK(img.width == 8000);
  CHECK(img.height == 5000);
  CHECK(img.gray);
  CHECK(img.pixels.size() == 40'000'000u);
  CHECK(img.pixels.front() == 1);
  CHECK(img.pixels.back() == 1);
  // Frame 0 needs the canvas indices and one row, no more.
  DecodeOptions o;
  o.max_decode_memory = 40'000'000 + 8000;
  CHECK(code_of(bytes, o) == ErrorCode::ok);
  o.max_decode_memory -= 1;
  CHECK(code_of(bytes, o) == ErrorCode::resource_limit);
}

TEST_CASE("GIF: a later frame above max_decode_memory ends the animation there, frame 0 kept") {
  // 100 x 100 with a colour palette: frame 0 needs 10,100 bytes; frame 1 turns
  // the canvas RGB (indices and RGB together: 40,000) and saves its rectangle
  // for disposal 3.
  const std::vector<std::uint8_t> bytes =
      make_gif(100, 100, {GifColorType{255, 0, 0}, GifColorType{0, 0, 255}},
               {GifFrame{0, 0, 100, 100, 0, 1}, GifFrame{10, 10, 50, 50, 1, 3}, GifFrame{0, 0, 10, 10, 0, 1}});
  DecodeOptions o;
  o.max_decode_memory = 20'000;
  int n = 0;
  const AnimationInfo info = decode_frames(bytes, o, [&](const DecodedImage& f, const FrameInfo& fi) {
    CHECK(fi.index == n);
    CHECK(f.width == 100);
    CHECK(f.pixels[0] == 255);  // red: index 0 through the palette
    return ++n, true;
  });
  CHECK(n == 1);
  CHECK(info.frames == 1);
  CHECK(info.truncated);
  REQUIRE(info.warnings.size() == 1);
  CHECK(info.warnings[0].find("GIF frame 1") != std::string::npos);
  CHECK(info.warnings[0].find("max_decode_memory") != std::string::npos);
  // The exact need of frame 1: the conversion to RGB (indices and RGB canvas,
  // 4 bytes a pixel) is above the RGB canvas with the saved 50x50 rectangle
  // (30,000 + 7,500); plus the row buffer of 100. Frame 2 (RGB already, a
  // 10x10 rectangle saved) needs 30,400.
  o.max_decode_memory = 40'000 + 100 - 1;
  n = 0;
  const AnimationInfo one = decode_frames(bytes, o, [&](const DecodedImage&, const FrameInfo&) { return ++n, true; });
  CHECK(n == 1);
  CHECK(one.truncated);
  o.max_decode_memory = 40'000 + 100;
  n = 0;
  const AnimationInfo all = decode_frames(bytes, o, [&](const DecodedImage&, const FrameInfo&) { return ++n, true; });
  CHECK(n == 3);
  CHECK_FALSE(all.truncated);
  CHECK(all.warnings.empty());
}

TEST_CASE("APNG: compositing is held to max_decode_memory (resource_limit before frame 0)") {
  const std::vector<std::uint8_t> bytes = two_frame_apng(100, 100);
  int n = 0;
  const AnimationInfo info = decode_frames(bytes, {}, [&](const DecodedImage&, const FrameInfo&) { return ++n, true; });
  CHECK(n == 2);
  CHECK(info.warnings.empty());
  // Canvas 40,000 + frame 0's pixels 40,000 (the largest frame), RGBA.
  DecodeOptions o;
  o.max_decode_memory = 80'000;
  n = 0;
  try {
    (void)decode_frames(bytes, o, [&](const DecodedImage&, const FrameInfo&) { return ++n, true; });
    FAIL("no resource_limit");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::resource_limit);
    CHECK(std::string(e.what()).find("max_decode_memory") != std::string::npos);
  }
  CHECK(n == 0);
  // decode_image gives frame 0 alone, which needs no canvas.
  CHECK(decode_image(bytes, o).width == 100);
  // A frame that cannot be decoded (max_frames) needs no canvas either.
  o.max_frames = 1;
  CHECK(code_of(bytes, o) == ErrorCode::ok);
}

TEST_CASE("APNG: the frame table stops at max_frames") {
  // 100,000 fcTL chunks after two real frames: with max_frames 2 the table
  // holds 3 entries, not 100,002 (each an ApngFrame of ~80 bytes).
  ApngFrame f0, f1;
  f0.w = f0.h = 8, f0.rgba = {1, 2, 3, 255};
  f1.w = f1.h = 4, f1.rgba = {4, 5, 6, 255};
  const std::vector<std::uint8_t> bytes = make_apng(8, 8, {f0, f1}, 100'000);
  DecodeOptions o;
  o.max_frames = 2;
  int n = 0;
  test::alloc_count_start();
  AnimationInfo info;
  try {
    info = decode_frames(bytes, o, [&](const DecodedImage&, const FrameInfo&) { return ++n, true; });
  } catch (...) {
    (void)test::alloc_count_stop();
    throw;
  }
  const std::uint64_t allocated = test::alloc_count_stop();
  CHECK(n == 2);
  CHECK(info.truncated);
  REQUIRE(info.warnings.size() == 1);
  CHECK(info.warnings[0].find("max_frames") != std::string::npos);
  CHECK(allocated < 1'000'000);
}

TEST_CASE("APNG: an unknown dispose_op (3..255) disposes nothing, as Pillow") {
  // Frame 1 (dispose_op 3) used to be restored from a copy never taken.
  ApngFrame f0, f1, f2;
  f0.w = f0.h = 8, f0.rgba = {200, 0, 0, 255};
  f1.w = f1.h = 8, f1.dispose = 3, f1.rgba = {0, 200, 0, 255};
  f2.w = f2.h = 2, f2.rgba = {0, 0, 200, 255};
  const std::vector<std::uint8_t> bytes = make_apng(8, 8, {f0, f1, f2});
  std::vector<DecodedImage> got;
  (void)decode_frames(bytes, {}, [&](const DecodedImage& f, const FrameInfo&) { return got.push_back(f), true; });
  REQUIRE(got.size() == 3);
  const std::vector<std::uint8_t>& p = got[2].pixels;
  CHECK(p[0] == 0);
  CHECK(p[2] == 200);                     // frame 2 at (0,0)
  CHECK(p[3 * 63 + 1] == 200);            // frame 1 stays outside it
}

TEST_CASE("animations: an exception of the frame callback propagates (GIF, WebP, APNG)") {
  for (const char* name : {"dispose_none.gif", "lossy.webp", "apng_rgb.png"}) {
    const std::string file = name;
    CAPTURE(file);
    const std::vector<std::uint8_t> bytes = read_file_bytes(kDir + "/" + name, 1u << 20);
    int n = 0;
    try {
      (void)decode_frames(bytes, {}, [&](const DecodedImage&, const FrameInfo& fi) {
        ++n;
        if (fi.index == 1) throw Error(ErrorCode::invalid_argument, "from the callback");
        return true;
      });
      FAIL("the callback's exception was swallowed");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::invalid_argument);
      CHECK(std::string(e.what()) == "from the callback");
    }
    CHECK(n == 2);
  }
}

TEST_CASE("animations: CPU time spent in the frame callback is not decoding time (GIF, WebP, APNG)") {
  // Each callback burns 3x the deadline of CPU time; decoding these small
  // files takes well under it.
  DecodeOptions o;
  o.max_decode_cpu_ms = 30;
  for (const char* name : {"dispose_previous.gif", "alpha.webp", "apng_rgba_over.png"}) {
    const std::string file = name;
    CAPTURE(file);
    const std::vector<std::uint8_t> bytes = read_file_bytes(kDir + "/" + name, 1u << 20);
    int n = 0;
    const AnimationInfo info = decode_frames(bytes, o, [&](const DecodedImage&, const FrameInfo&) {
      const std::uint64_t until = thread_cpu_ns() + 90'000'000u;
      volatile std::uint64_t sink = 0;
      while (thread_cpu_ns() < until) sink = sink + 1;
      return ++n < 2;
    });
    CHECK(n == 2);
    CHECK(info.frames == n);
  }
}
