// Format detection by magic bytes.
#include <pdqguard/image.hpp>

#include <algorithm>
#include <cstring>

namespace pdqguard {

const char* image_format_name(ImageFormat f) noexcept {
  switch (f) {
    case ImageFormat::unknown: return "unknown";
    case ImageFormat::jpeg: return "jpeg";
    case ImageFormat::png: return "png";
    case ImageFormat::pnm: return "pnm";
    case ImageFormat::gif: return "gif";
    case ImageFormat::webp: return "webp";
    case ImageFormat::tiff: return "tiff";
    case ImageFormat::bmp: return "bmp";
    case ImageFormat::heif: return "heif";
    case ImageFormat::avif: return "avif";
    case ImageFormat::jxl: return "jxl";
    case ImageFormat::ico: return "ico";
    case ImageFormat::psd: return "psd";
    case ImageFormat::pdf: return "pdf";
    case ImageFormat::svg: return "svg";
  }
  return "unknown";
}

ImageFormat sniff_format(std::span<const std::uint8_t> h) noexcept {
  auto starts = [&](const char* magic, std::size_t n, std::size_t at = 0) {
    return h.size() >= at + n && std::memcmp(h.data() + at, magic, n) == 0;
  };
  if (starts("\xFF\xD8\xFF", 3)) return ImageFormat::jpeg;
  if (starts("\x89PNG\r\n\x1A\n", 8)) return ImageFormat::png;
  if (h.size() >= 3 && h[0] == 'P' && (h[1] == '5' || h[1] == '6') &&
      (h[2] == ' ' || h[2] == '\n' || h[2] == '\r' || h[2] == '\t' || h[2] == '#'))
    return ImageFormat::pnm;
  if (starts("GIF87a", 6) || starts("GIF89a", 6)) return ImageFormat::gif;
  if (starts("RIFF", 4) && starts("WEBP", 4, 8)) return ImageFormat::webp;
  if (starts("II*\0", 4) || starts("MM\0*", 4)) return ImageFormat::tiff;
  if (starts("BM", 2)) return ImageFormat::bmp;
  if (starts("ftypavif", 8, 4) || starts("ftypavis", 8, 4)) return ImageFormat::avif;
  if (starts("ftyp", 4, 4) && (starts("heic", 4, 8) || starts("heix", 4, 8) ||
                               starts("heim", 4, 8) || starts("heis", 4, 8) ||
                               starts("hevx", 4, 8) || starts("hevc", 4, 8)))
    return ImageFormat::heif;
  if (starts("ftyp", 4, 4) && (starts("mif1", 4, 8) || starts("msf1", 4, 8))) {
    // A generic HEIF major brand: the compatible brands (after the minor
    // version, up to the ftyp box's end) say whether the codec is AV1.
    const std::size_t box = std::min<std::size_t>(
        h.size(), (std::size_t{h[0]} << 24) | (std::size_t{h[1]} << 16) | (std::size_t{h[2]} << 8) | h[3]);
    for (std::size_t at = 16; at + 4 <= box; at += 4)
      if (starts("avif", 4, at) || starts("avis", 4, at)) return ImageFormat::avif;
    return ImageFormat::heif;
  }
  if (starts("\xFF\x0A", 2) || starts("\0\0\0\x0CJXL \r\n\x87\n", 12)) return ImageFormat::jxl;
  if (starts("\0\0\1\0", 4)) return ImageFormat::ico;
  if (starts("8BPS", 4)) return ImageFormat::psd;
  if (starts("%PDF", 4)) return ImageFormat::pdf;
  if (starts("<svg", 4) || starts("<?xml", 5)) return ImageFormat::svg;
  return ImageFormat::unknown;
}

}  // namespace pdqguard
