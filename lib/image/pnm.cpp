// Binary PPM (P6) and PGM (P5), maxval 255: PGM takes the gray route, PPM RGB.
#include "image/decoders.hpp"

#include <pdqguard/error.hpp>

#include <cctype>

namespace pdqguard::detail {

namespace {
struct Reader {
  std::span<const std::uint8_t> b;
  std::size_t pos = 0;

  void skip_space_and_comments() {
    for (;;) {
      while (pos < b.size() && std::isspace(b[pos])) ++pos;
      if (pos < b.size() && b[pos] == '#') {
        while (pos < b.size() && b[pos] != '\n' && b[pos] != '\r') ++pos;
        continue;
      }
      return;
    }
  }
  std::uint64_t number(const char* what) {
    skip_space_and_comments();
    if (pos >= b.size() || !std::isdigit(b[pos]))
      throw Error(ErrorCode::decode_error, std::string("PNM header: missing ") + what);
    std::uint64_t v = 0;
    while (pos < b.size() && std::isdigit(b[pos])) {
      v = v * 10 + (b[pos++] - '0');
      if (v > 0xFFFFFFFFull)
        throw Error(ErrorCode::decode_error, std::string("PNM header: ") + what + " is too large");
    }
    return v;
  }
};
}  // namespace

void decode_pnm(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& img,
                RowConsumer* consumer) {
  Reader r{bytes, 2};
  const bool gray = bytes[1] == '5';
  const std::uint64_t w = r.number("width");
  const std::uint64_t h = r.number("height");
  const std::uint64_t maxval = r.number("maxval");
  if (maxval != 255)
    throw Error(ErrorCode::decode_error,
                "PNM maxval " + std::to_string(maxval) + " is not supported (only 255)");
  if (r.pos >= bytes.size() || !std::isspace(bytes[r.pos]))
    throw Error(ErrorCode::decode_error, "PNM header: no whitespace after maxval");
  ++r.pos;
  check_pixel_limit(w, h, opts);
  const std::uint64_t need = w * h * (gray ? 1u : 3u);
  if (bytes.size() - r.pos < need)
    throw Error(ErrorCode::decode_error, "PNM truncated: " + std::to_string(bytes.size() - r.pos) +
                                             " of " + std::to_string(need) + " pixel bytes present");
  img.format = ImageFormat::pnm;
  img.width = static_cast<int>(w);
  img.height = static_cast<int>(h);
  img.gray = gray;
  img.source_width = img.width;
  img.source_height = img.height;
  if (bytes.size() - r.pos > need)
    img.warnings.push_back("trailing data after the pixels (only the first image is used)");
  if (consumer != nullptr) {
    // The file's pixels are already packed gray8/rgb8 rows: hash them where they are.
    consumer->consume_view(FrameView::packed(gray ? PixelFormat::gray8 : PixelFormat::rgb8,
                                             bytes.data() + r.pos, img.width, img.height));
    return;
  }
  img.pixels.assign(bytes.begin() + static_cast<std::ptrdiff_t>(r.pos),
                    bytes.begin() + static_cast<std::ptrdiff_t>(r.pos + need));
}

}  // namespace pdqguard::detail
