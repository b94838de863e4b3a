// GIF through giflib's record API, frame 0 only, as Pillow 9.4 shows it: the
// canvas (the logical screen, grown to hold frame 0 if that lies outside it)
// starts as the transparent index (or 0 without one), frame 0 is drawn at its
// offset; a palette that is the identity gray ramp means mode L (gray route),
// otherwise the palette is expanded to RGB (indices past its end read Pillow's
// ramp (i,i,i); a transparent entry keeps its RGB). Later frames are never
// decoded, so an animation costs one frame.
#include "image/decoders.hpp"

#include <pdqguard/error.hpp>

#include <gif_lib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

namespace pdqguard::detail {

namespace {
struct MemReader {
  std::span<const std::uint8_t> b;
  std::size_t pos = 0;
};

int read_mem(GifFileType* gif, GifByteType* buf, int len) {
  auto* r = static_cast<MemReader*>(gif->UserData);
  const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(len), r->b.size() - r->pos);
  std::memcpy(buf, r->b.data() + r->pos, n);
  r->pos += n;
  return static_cast<int>(n);
}

struct GifCloser {
  void operator()(GifFileType* g) const noexcept {
    int err = 0;
    DGifCloseFile(g, &err);
  }
};

[[noreturn]] void fail(const char* what, int code) {
  const char* msg = GifErrorString(code);
  throw Error(ErrorCode::decode_error,
              std::string("GIF ") + what + ": " + (msg ? msg : "unknown giflib error"));
}

// Pillow's _is_palette_needed: a palette that is exactly i,i,i for every entry
// is dropped and the image is mode L.
bool palette_needed(const ColorMapObject* m) {
  for (int i = 0; i < m->ColorCount; ++i) {
    const GifColorType& c = m->Colors[i];
    if (c.Red != i || c.Green != i || c.Blue != i) return true;
  }
  return false;
}
}  // namespace

void decode_gif(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& img) {
  MemReader reader{bytes, 0};
  int err = 0;
  std::unique_ptr<GifFileType, GifCloser> gif(DGifOpen(&reader, read_mem, &err));
  if (!gif) fail("header unreadable", err);
  check_pixel_limit(std::max(gif->SWidth, 1), std::max(gif->SHeight, 1), opts);
  const ColorMapObject* global =
      gif->SColorMap && palette_needed(gif->SColorMap) ? gif->SColorMap : nullptr;
  int transparent = -1;
  for (;;) {
    GifRecordType type;
    if (DGifGetRecordType(gif.get(), &type) == GIF_ERROR) fail("damaged before frame 0", gif->Error);
    if (type == TERMINATE_RECORD_TYPE)
      throw Error(ErrorCode::decode_error, "GIF holds no image (no frame 0)");
    if (type == EXTENSION_RECORD_TYPE) {
      int code = 0;
      GifByteType* ext = nullptr;
      if (DGifGetExtension(gif.get(), &code, &ext) == GIF_ERROR) fail("damaged extension", gif->Error);
      bool first = true;
      while (ext != nullptr) {
        if (first && code == GRAPHICS_EXT_FUNC_CODE && ext[0] >= 4) {
          GraphicsControlBlock gcb;
          if (DGifExtensionToGCB(ext[0], ext + 1, &gcb) == GIF_OK)
            transparent = gcb.TransparentColor;
        }
        first = false;
        if (DGifGetExtensionNext(gif.get(), &ext) == GIF_ERROR) fail("damaged extension", gif->Error);
      }
      continue;
    }
    if (type != IMAGE_DESC_RECORD_TYPE) continue;
    if (DGifGetImageDesc(gif.get()) == GIF_ERROR) fail("damaged image descriptor", gif->Error);
    const GifImageDesc& d = gif->Image;
    if (d.Width <= 0 || d.Height <= 0)
      throw Error(ErrorCode::decode_error, "GIF frame 0 has a zero width or height");
    const std::uint64_t cw = std::max<std::uint64_t>(gif->SWidth, std::uint64_t(d.Left) + d.Width);
    const std::uint64_t ch = std::max<std::uint64_t>(gif->SHeight, std::uint64_t(d.Top) + d.Height);
    check_pixel_limit(cw, ch, opts);
    check_decode_memory(cw * ch + std::uint64_t(d.Width) * std::uint64_t(d.Height), opts,
                        "GIF canvas and frame 0 indices for " + std::to_string(cw) + "x" + std::to_string(ch));
    const DecodeDeadline deadline(opts);
    const ColorMapObject* local = d.ColorMap && palette_needed(d.ColorMap) ? d.ColorMap : nullptr;
    const ColorMapObject* pal = local ? local : global;
    // Frame 0's indices on the canvas.
    std::vector<std::uint8_t> idx(cw * ch, static_cast<std::uint8_t>(transparent >= 0 ? transparent : 0));
    std::vector<std::uint8_t> rows(static_cast<std::size_t>(d.Width) * d.Height);
    if (d.Interlace) {
      static constexpr int kStart[4] = {0, 4, 2, 1}, kStep[4] = {8, 8, 4, 2};
      for (int pass = 0; pass < 4; ++pass)
        for (int y = kStart[pass]; y < d.Height; y += kStep[pass]) {
          if (DGifGetLine(gif.get(), rows.data() + static_cast<std::size_t>(y) * d.Width, d.Width) ==
              GIF_ERROR)
            fail("frame 0 is truncated or damaged", gif->Error);
          deadline.check("GIF");
        }
    } else {
      for (int y = 0; y < d.Height; ++y) {
        if (DGifGetLine(gif.get(), rows.data() + static_cast<std::size_t>(y) * d.Width, d.Width) ==
            GIF_ERROR)
          fail("frame 0 is truncated or damaged", gif->Error);
        deadline.check("GIF");
      }
    }
    for (int y = 0; y < d.Height; ++y)
      std::memcpy(idx.data() + (static_cast<std::size_t>(d.Top) + y) * cw + d.Left,
                  rows.data() + static_cast<std::size_t>(y) * d.Width, static_cast<std::size_t>(d.Width));
    img.format = ImageFormat::gif;
    img.width = img.source_width = static_cast<int>(cw);
    img.height = img.source_height = static_cast<int>(ch);
    if (!pal) {
      img.gray = true;
      img.pixels = std::move(idx);
      return;
    }
    std::array<std::uint8_t, 768> lut;
    for (int i = 0; i < 256; ++i) {
      const bool in = i < pal->ColorCount;
      lut[3 * i] = in ? pal->Colors[i].Red : static_cast<std::uint8_t>(i);
      lut[3 * i + 1] = in ? pal->Colors[i].Green : static_cast<std::uint8_t>(i);
      lut[3 * i + 2] = in ? pal->Colors[i].Blue : static_cast<std::uint8_t>(i);
    }
    img.gray = false;
    img.pixels.resize(idx.size() * 3);
    for (std::size_t i = 0; i < idx.size(); ++i)
      std::memcpy(img.pixels.data() + 3 * i, lut.data() + 3 * idx[i], 3);
    return;
  }
}

}  // namespace pdqguard::detail
