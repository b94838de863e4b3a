// EXIF orientation: a bounded reader for the tag and the eight pixel transforms.
#include "image/decoders.hpp"

#include <cstring>

namespace pdqguard::detail {

int read_exif_orientation(const std::uint8_t* data, std::size_t size) noexcept {
  // "Exif\0\0", then the TIFF structure.
  if (data == nullptr || size < 6 || std::memcmp(data, "Exif\0\0", 6) != 0) return 0;
  return read_tiff_orientation(data + 6, size - 6);
}

int read_tiff_orientation(const std::uint8_t* t, std::size_t n) noexcept {
  // A TIFF header: byte order, 42, offset of IFD0.
  if (t == nullptr || n < 8) return 0;
  bool le;
  if (t[0] == 'I' && t[1] == 'I') le = true;
  else if (t[0] == 'M' && t[1] == 'M') le = false;
  else return 0;
  auto u16 = [&](std::size_t at) -> unsigned {
    return le ? (t[at] | (t[at + 1] << 8)) : ((t[at] << 8) | t[at + 1]);
  };
  auto u32 = [&](std::size_t at) -> std::uint32_t {
    return le ? (std::uint32_t{t[at]} | (std::uint32_t{t[at + 1]} << 8) |
                 (std::uint32_t{t[at + 2]} << 16) | (std::uint32_t{t[at + 3]} << 24))
              : ((std::uint32_t{t[at]} << 24) | (std::uint32_t{t[at + 1]} << 16) |
                 (std::uint32_t{t[at + 2]} << 8) | std::uint32_t{t[at + 3]});
  };
  if (u16(2) != 42) return 0;
  const std::uint32_t ifd = u32(4);
  if (ifd < 8 || ifd > n || n - ifd < 2) return 0;
  const unsigned count = u16(ifd);
  for (unsigned i = 0; i < count; ++i) {
    const std::size_t e = ifd + 2 + std::size_t{i} * 12;
    if (e + 12 > n) return 0;
    if (u16(e) != 0x0112) continue;
    const unsigned type = u16(e + 2);
    unsigned v;
    if (type == 3) v = u16(e + 8);        // SHORT, value inline
    else if (type == 4) v = u32(e + 8);   // LONG (seen in the wild)
    else return 0;
    return (v >= 1 && v <= 8) ? static_cast<int>(v) : 0;
  }
  return 0;
}

void apply_orientation(DecodedImage& img, int orientation) {
  if (orientation < 2 || orientation > 8) return;
  const std::size_t W = static_cast<std::size_t>(img.width);
  const std::size_t H = static_cast<std::size_t>(img.height);
  const std::size_t ch = img.gray ? 1 : 3;
  const bool swap = orientation >= 5;
  const std::size_t ow = swap ? H : W;
  const std::size_t oh = swap ? W : H;
  std::vector<std::uint8_t> out(img.pixels.size());
  for (std::size_t oy = 0; oy < oh; ++oy) {
    for (std::size_t ox = 0; ox < ow; ++ox) {
      std::size_t sx = 0, sy = 0;
      switch (orientation) {
        case 2: sx = W - 1 - ox; sy = oy; break;            // mirror left-right
        case 3: sx = W - 1 - ox; sy = H - 1 - oy; break;    // rotate 180
        case 4: sx = ox; sy = H - 1 - oy; break;            // mirror top-bottom
        case 5: sx = oy; sy = ox; break;                    // transpose
        case 6: sx = oy; sy = H - 1 - ox; break;            // rotate 90 clockwise
        case 7: sx = W - 1 - oy; sy = H - 1 - ox; break;    // transverse
        case 8: sx = W - 1 - oy; sy = ox; break;            // rotate 90 counter-clockwise
        default: break;
      }
      std::memcpy(&out[(oy * ow + ox) * ch], &img.pixels[(sy * W + sx) * ch], ch);
    }
  }
  img.pixels = std::move(out);
  img.width = static_cast<int>(ow);
  img.height = static_cast<int>(oh);
}

}  // namespace pdqguard::detail
