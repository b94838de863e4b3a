// BMP, a small reader of our own, giving the pixels Pillow 9.4's BmpImagePlugin
// gives: 1/4/8-bit palettes (uncompressed, RLE8, RLE4), 16-bit (5-5-5 or the
// 5-6-5 bitfields), 24-bit BGR, 32-bit BGRX or byte-aligned bitfields (alpha
// dropped). A palette whose entries are the gray ramp (or black/white for two
// colours) is mode L / "1" in Pillow, so it takes the gray route.
#include "image/decoders.hpp"

#include <pdqguard/error.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <vector>

namespace pdqguard::detail {

namespace {
std::uint32_t u32(const std::uint8_t* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
std::uint16_t u16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }

[[noreturn]] void bad(const std::string& what) { throw Error(ErrorCode::decode_error, "BMP " + what); }

int mask_shift(std::uint32_t m) {
  int s = 0;
  while (s < 32 && !((m >> s) & 1)) ++s;
  return s;
}
}  // namespace

void decode_bmp(std::span<const std::uint8_t> b, const DecodeOptions& opts, DecodedImage& img) {
  if (b.size() < 26) bad("header truncated");
  const std::uint32_t data_off = u32(&b[10]);
  const std::uint32_t hsize = u32(&b[14]);
  if (hsize != 12 && hsize < 40) bad("header size " + std::to_string(hsize) + " is not supported");
  if (b.size() < 14ull + std::min<std::uint32_t>(hsize, 56)) bad("header truncated");
  std::int64_t width, height;
  int bits;
  std::uint32_t compression = 0, colors = 0;
  std::uint32_t masks[4] = {0, 0, 0, 0};
  const std::uint8_t* ih = &b[14];
  if (hsize == 12) {
    width = u16(ih + 4);
    height = static_cast<std::int16_t>(u16(ih + 6));
    bits = u16(ih + 10);
  } else {
    width = static_cast<std::int32_t>(u32(ih + 4));
    height = static_cast<std::int32_t>(u32(ih + 8));
    bits = u16(ih + 14);
    compression = u32(ih + 16);
    colors = u32(ih + 32);
    if (compression == 3 || compression == 6) {  // BI_BITFIELDS / BI_ALPHABITFIELDS
      const std::size_t at = hsize >= 52 ? 14 + 40 : 14 + hsize;
      if (b.size() < at + 16) bad("bitfield masks truncated");
      for (int k = 0; k < 4; ++k) masks[k] = u32(&b[at + 4 * k]);
      if (hsize < 56 && compression == 3) masks[3] = 0;
    }
  }
  const bool top_down = height < 0;
  if (top_down) height = -height;
  if (width <= 0 || height <= 0) bad("has a zero or negative width");
  check_pixel_limit(static_cast<std::uint64_t>(width), static_cast<std::uint64_t>(height), opts);
  const std::size_t W = static_cast<std::size_t>(width), H = static_cast<std::size_t>(height);

  // Palette.
  const bool paletted = bits == 1 || bits == 4 || bits == 8;
  if (!paletted && bits != 16 && bits != 24 && bits != 32) bad(std::to_string(bits) + "-bit pixels are not supported");
  if (paletted && compression != 0 && !(compression == 1 && bits == 8) && !(compression == 2 && bits == 4))
    bad("compression " + std::to_string(compression) + " with " + std::to_string(bits) + "-bit pixels is not supported");
  if (!paletted && compression != 0 && compression != 3 && compression != 6)
    bad("compression " + std::to_string(compression) + " is not supported");
  std::array<std::uint8_t, 768> lut{};
  for (int i = 0; i < 256; ++i) lut[3 * i] = lut[3 * i + 1] = lut[3 * i + 2] = static_cast<std::uint8_t>(i);
  bool gray = false;
  if (paletted) {
    if (colors == 0 || colors > (1u << bits)) colors = 1u << bits;
    const std::size_t entry = hsize == 12 ? 3 : 4;
    const std::size_t pal_at = 14 + hsize;
    if (b.size() < pal_at + entry * colors) bad("palette truncated");
    gray = true;
    for (std::uint32_t i = 0; i < colors; ++i) {
      const std::uint8_t* e = &b[pal_at + entry * i];
      lut[3 * i] = e[2];
      lut[3 * i + 1] = e[1];
      lut[3 * i + 2] = e[0];
      const std::uint8_t want = colors == 2 ? (i ? 255 : 0) : static_cast<std::uint8_t>(i);
      if (e[0] != want || e[1] != want || e[2] != want) gray = false;
    }
  }
  if (data_off >= b.size()) bad("pixel data offset is past the end of the file");
  const std::uint8_t* px = b.data() + data_off;
  const std::size_t avail = b.size() - data_off;

  // Indices (paletted) or RGB, top row first.
  std::vector<std::uint8_t> idx;
  img.format = ImageFormat::bmp;
  img.width = img.source_width = static_cast<int>(W);
  img.height = img.source_height = static_cast<int>(H);
  auto out_row = [&](std::size_t r) { return top_down ? r : H - 1 - r; };
  if (paletted) {
    // Indices, and for RLE the decoded index stream too: a few bytes of RLE can
    // claim every pixel.
    check_decode_memory(std::uint64_t(W) * H * (compression == 0 ? 1 : 2), opts,
                        "BMP palette indices for " + std::to_string(W) + "x" + std::to_string(H));
    idx.assign(W * H, 0);
    if (compression == 0) {
      const std::size_t stride = ((W * bits + 31) / 32) * 4;
      if (avail / stride < H) bad("pixel data truncated");
      for (std::size_t r = 0; r < H; ++r) {
        const std::uint8_t* s = px + r * stride;
        std::uint8_t* d = &idx[out_row(r) * W];
        for (std::size_t x = 0; x < W; ++x) {
          const std::size_t bit = x * bits;
          d[x] = bits == 8 ? s[x] : static_cast<std::uint8_t>((s[bit / 8] >> (8 - bits - bit % 8)) & ((1u << bits) - 1));
        }
      }
    } else {
      // RLE8 / RLE4 as Pillow 9.4's BmpRleDecoder reads them (quirks included:
      // a delta skips two bytes and reads the next two; an RLE4 literal run of
      // n pixels gives 2*(n/2); runs are clipped at the row's end): a stream
      // of indices in file row order that must reach W*H pixels.
      const bool rle4 = compression == 2;
      std::vector<std::uint8_t> data;
      data.reserve(W * H);
      std::size_t x = 0, p = 0;
      while (data.size() < W * H) {
        if (p + 2 > avail) break;
        std::size_t n = px[p];
        const std::uint8_t c = px[p + 1];
        p += 2;
        if (n > 0) {
          if (x + n > W) n = x < W ? W - x : 0;
          for (std::size_t k = 0; k < n; ++k)
            data.push_back(rle4 ? static_cast<std::uint8_t>(k % 2 ? c & 15 : c >> 4) : c);
          x += n;
        } else if (c == 0) {
          while (data.size() % W) data.push_back(0);
          x = 0;
        } else if (c == 1) {
          break;
        } else if (c == 2) {
          if (p + 2 > avail) break;
          p += 2;
          if (p + 2 > avail) bad("RLE delta truncated");
          const std::size_t right = px[p], up = px[p + 1];
          p += 2;
          data.resize(data.size() + right + up * W, 0);
          if (data.size() > W * H + W * 256) bad("RLE delta runs past the image");
          x = data.size() % W;
        } else {
          const std::size_t count = rle4 ? c / 2u : c;
          const std::size_t got = std::min(count, avail - p);
          for (std::size_t k = 0; k < got; ++k) {
            if (rle4) {
              data.push_back(px[p + k] >> 4);
              data.push_back(px[p + k] & 15);
            } else {
              data.push_back(px[p + k]);
            }
          }
          p += got;
          if (got < count) break;
          x += c;
          if ((data_off + p) % 2) ++p;
        }
      }
      if (data.size() < W * H) bad("RLE data ends before the image is complete");
      for (std::size_t r = 0; r < H; ++r)
        std::memcpy(&idx[out_row(r) * W], &data[r * W], W);
    }
    if (gray) {
      img.gray = true;
      for (auto& v : idx) v = lut[3 * v];
      img.pixels = std::move(idx);
      return;
    }
    img.gray = false;
    img.pixels.resize(W * H * 3);
    for (std::size_t i = 0; i < W * H; ++i) std::memcpy(&img.pixels[3 * i], &lut[3 * idx[i]], 3);
    return;
  }

  const std::size_t bpp = static_cast<std::size_t>(bits) / 8;
  const std::size_t stride = ((W * bits + 31) / 32) * 4;
  if (avail / stride < H) bad("pixel data truncated");
  img.gray = false;
  img.pixels.resize(W * H * 3);
  if (compression == 0) {
    if (bits == 16) masks[0] = 0x7C00, masks[1] = 0x03E0, masks[2] = 0x001F;
    else masks[0] = 0xFF0000, masks[1] = 0xFF00, masks[2] = 0xFF;
  }
  int shift[3], width_bits[3];
  for (int k = 0; k < 3; ++k) {
    shift[k] = mask_shift(masks[k]);
    width_bits[k] = shift[k] < 32 ? std::popcount(masks[k] >> shift[k]) : 0;
  }
  if (bits == 32)
    for (int k = 0; k < 3; ++k)
      if (width_bits[k] != 8 || shift[k] % 8)
        bad("32-bit bitfield masks other than whole bytes are not supported");
  if (bits == 16) {
    const bool m555 = masks[0] == 0x7C00 && masks[1] == 0x03E0 && masks[2] == 0x1F;
    const bool m565 = masks[0] == 0xF800 && masks[1] == 0x07E0 && masks[2] == 0x1F;
    if (!m555 && !m565) bad("16-bit bitfield masks other than 5-5-5 and 5-6-5 are not supported");
  }
  for (std::size_t r = 0; r < H; ++r) {
    const std::uint8_t* s = px + r * stride;
    std::uint8_t* d = &img.pixels[out_row(r) * W * 3];
    for (std::size_t x = 0; x < W; ++x, s += bpp, d += 3) {
      if (bits == 24) {
        d[0] = s[2], d[1] = s[1], d[2] = s[0];
        continue;
      }
      const std::uint32_t v = bits == 32 ? u32(s) : u16(s);
      for (int k = 0; k < 3; ++k) {
        const std::uint32_t c = (v & masks[k]) >> shift[k];
        const std::uint32_t maxv = (1u << width_bits[k]) - 1;
        // Pillow's BGR;15 / BGR;16 unpackers: c * 255 / max, truncating.
        d[k] = static_cast<std::uint8_t>(bits == 32 ? c : c * 255 / maxv);
      }
    }
  }
}

}  // namespace pdqguard::detail
