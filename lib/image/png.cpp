// PNG decoding through libpng, following the corpus "canonical decode rules".
//
// libpng is asked for the raw samples (no transforms) and the conversion is done
// here, so every rule is explicit: gray without alpha stays gray (1/2/4-bit
// values scaled to 0..255, 16-bit keeps the high byte, a tRNS key is ignored);
// everything else becomes RGB (palette expanded and its alpha ignored, gray+alpha
// as R=G=B, alpha dropped, 16-bit high byte). Adam7 passes are read one row at a
// time and scattered into the output, so memory is the output plus one row.
// APNG: only the default image (IDAT) is decoded here; animation chunks are
// skipped (apng.cpp composites the frames for decode_frames).
// EXIF orientation (only when asked for): read in place from the first eXIf
// chunk of the file, before or after the image data (libpng skips the chunk, so
// it allocates nothing for it), and applied to the pixels as for JPEG.
//
// Error handling: libpng's error callback longjmps back to decode_png(); every
// C++ object that must be destroyed lives on the heap or before setjmp().
#include "image/decoders.hpp"

#include <pdqguard/error.hpp>

#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstring>
#include <memory>
#include <string>

namespace pdqguard::detail {

namespace {

constexpr int kMaxKeptWarnings = 8;

struct PngState {
  DecodedImage* img = nullptr;  // the caller's output
  std::vector<std::uint8_t> row;
  std::string message;
  long warning_count = 0;
  // Input.
  const std::uint8_t* data = nullptr;
  std::size_t size = 0;
  std::size_t pos = 0;
  // libpng objects.
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~PngState() {
    if (png != nullptr) png_destroy_read_struct(&png, info != nullptr ? &info : nullptr, nullptr);
  }
};

extern "C" {

[[noreturn]] static void pdq_png_error(png_structp png, png_const_charp msg) {
  auto* st = static_cast<PngState*>(png_get_error_ptr(png));
  try {
    st->message = msg != nullptr ? msg : "unknown error";
  } catch (...) {
  }
  png_longjmp(png, 1);
}

static void pdq_png_warning(png_structp png, png_const_charp msg) {
  auto* st = static_cast<PngState*>(png_get_error_ptr(png));
  if (++st->warning_count > kMaxKeptWarnings) return;
  try {
    st->img->warnings.push_back(std::string("libpng: ") + (msg != nullptr ? msg : "warning"));
  } catch (...) {
  }
}

static void pdq_png_read(png_structp png, png_bytep out, size_t n) {
  auto* st = static_cast<PngState*>(png_get_io_ptr(png));
  if (n > st->size - st->pos) png_error(png, "unexpected end of file (truncated PNG)");
  std::memcpy(out, st->data + st->pos, n);
  st->pos += n;
}

}  // extern "C"

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

// The EXIF orientation in the first eXIf chunk of a PNG that libpng has read to
// IEND (so every chunk's length and CRC were checked), or 0. Walks the chunk
// list in place: no allocation, never past the end of `b`.
int exif_orientation(std::span<const std::uint8_t> b) {
  std::size_t at = 8;  // after the signature
  while (b.size() >= at + 12) {
    const std::uint32_t len = be32(b.data() + at);
    const std::uint8_t* type = b.data() + at + 4;
    if (len > b.size() - at - 12) return 0;
    if (std::memcmp(type, "eXIf", 4) == 0) return read_tiff_orientation(type + 4, len);
    if (std::memcmp(type, "IEND", 4) == 0) return 0;
    at += 12 + std::size_t{len};
  }
  return 0;
}

// Converts `n` pixels of one raw row to gray8 or rgb8 at `out`, writing pixel i
// at out + i*step*ch (step > 1 for Adam7 passes).
struct RowConverter {
  int color_type;
  int bit_depth;
  const png_color* palette;
  int num_palette;
  bool bad_index = false;

  void convert(const std::uint8_t* in, std::size_t n, std::uint8_t* out, std::size_t step) {
    switch (color_type) {
      case PNG_COLOR_TYPE_GRAY:
        if (bit_depth == 8) {
          for (std::size_t i = 0; i < n; ++i) out[i * step] = in[i];
        } else if (bit_depth == 16) {
          for (std::size_t i = 0; i < n; ++i) out[i * step] = in[2 * i];
        } else {
          const int scale = bit_depth == 1 ? 255 : bit_depth == 2 ? 85 : 17;
          for (std::size_t i = 0; i < n; ++i)
            out[i * step] = static_cast<std::uint8_t>(sample(in, i) * scale);
        }
        break;
      case PNG_COLOR_TYPE_PALETTE:
        for (std::size_t i = 0; i < n; ++i) {
          const unsigned idx = bit_depth == 8 ? in[i] : sample(in, i);
          std::uint8_t* o = out + i * step * 3;
          if (static_cast<int>(idx) < num_palette) {
            o[0] = palette[idx].red;
            o[1] = palette[idx].green;
            o[2] = palette[idx].blue;
          } else {
            // Pillow's palette starts as a gray ramp: out-of-range indices read it.
            o[0] = o[1] = o[2] = static_cast<std::uint8_t>(idx);
            bad_index = true;
          }
        }
        break;
      case PNG_COLOR_TYPE_GRAY_ALPHA: {
        const std::size_t bpp = bit_depth == 16 ? 4 : 2;
        for (std::size_t i = 0; i < n; ++i) {
          std::uint8_t* o = out + i * step * 3;
          o[0] = o[1] = o[2] = in[i * bpp];
        }
        break;
      }
      case PNG_COLOR_TYPE_RGB:
      case PNG_COLOR_TYPE_RGB_ALPHA: {
        const std::size_t bps = bit_depth == 16 ? 2 : 1;
        const std::size_t bpp = bps * (color_type == PNG_COLOR_TYPE_RGB ? 3 : 4);
        if (bpp == 3 && step == 1) {
          std::memcpy(out, in, n * 3);
          break;
        }
        for (std::size_t i = 0; i < n; ++i) {
          const std::uint8_t* p = in + i * bpp;
          std::uint8_t* o = out + i * step * 3;
          o[0] = p[0];
          o[1] = p[bps];
          o[2] = p[2 * bps];
        }
        break;
      }
      default: break;
    }
  }

  // Sample i of a row packed at 1, 2 or 4 bits, most significant bits first.
  unsigned sample(const std::uint8_t* in, std::size_t i) const {
    const std::size_t bit = i * static_cast<std::size_t>(bit_depth);
    const unsigned shift = 8u - static_cast<unsigned>(bit_depth) - static_cast<unsigned>(bit & 7);
    return (in[bit >> 3] >> shift) & ((1u << bit_depth) - 1u);
  }
};

}  // namespace

void decode_png(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& out) {
  // Pixel limit straight from IHDR (always the first chunk), before libpng runs.
  if (bytes.size() >= 33 && std::memcmp(bytes.data() + 12, "IHDR", 4) == 0)
    check_pixel_limit(be32(bytes.data() + 16), be32(bytes.data() + 20), opts);

  const auto st = std::make_unique<PngState>();
  st->data = bytes.data();
  st->size = bytes.size();
  st->img = &out;
  out.format = ImageFormat::png;
  st->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, st.get(), pdq_png_error, pdq_png_warning);
  if (st->png == nullptr) throw Error(ErrorCode::out_of_memory, "PNG: cannot create the decoder");
  st->info = png_create_info_struct(st->png);
  if (st->info == nullptr) throw Error(ErrorCode::out_of_memory, "PNG: cannot create the decoder");
  png_structp const png = st->png;
  png_infop const info = st->info;

  if (setjmp(png_jmpbuf(png))) {
    // st's destructor destroys the libpng structs.
    throw Error(ErrorCode::decode_error, "PNG: " + st->message);
  }

  png_set_read_fn(png, st.get(), pdq_png_read);
  // A CRC error in any chunk fails the decode (as Pillow does).
  png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
  const std::uint64_t side_limit = std::min<std::uint64_t>(opts.max_pixels, 0x7fffffffu);
  png_set_user_limits(png, static_cast<png_uint_32>(side_limit), static_cast<png_uint_32>(side_limit));
  png_set_chunk_cache_max(png, 1000);
  png_set_chunk_malloc_max(png, 8u << 20);
  // No ancillary chunk changes the pixels we hash (tRNS, gAMA, iCCP... are all
  // ignored by the rules): skip them unparsed, CRC still checked.
  static const png_byte kIgnored[] =
      "bKGD\0cHRM\0eXIf\0gAMA\0hIST\0iCCP\0iTXt\0oFFs\0pCAL\0pHYs\0sBIT\0sCAL\0sPLT\0sRGB\0"
      "tEXt\0tIME\0tRNS\0zTXt\0";
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, nullptr, 0);
  png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, kIgnored,
                              static_cast<int>((sizeof kIgnored - 1) / 5));

  png_read_info(png, info);
  png_uint_32 w = 0, h = 0;
  int bit_depth = 0, color_type = 0, interlace = 0;
  png_get_IHDR(png, info, &w, &h, &bit_depth, &color_type, &interlace, nullptr, nullptr);
  check_pixel_limit(w, h, opts);

  RowConverter conv{color_type, bit_depth, nullptr, 0};
  if (color_type == PNG_COLOR_TYPE_PALETTE) {
    png_colorp pal = nullptr;
    int num = 0;
    if (png_get_PLTE(png, info, &pal, &num) == 0 || pal == nullptr)
      png_error(png, "palette image without a PLTE chunk");
    conv.palette = pal;
    conv.num_palette = num;
  }

  DecodedImage& img = out;
  img.gray = color_type == PNG_COLOR_TYPE_GRAY;
  img.width = static_cast<int>(w);
  img.height = static_cast<int>(h);
  img.source_width = img.width;
  img.source_height = img.height;
  const std::size_t ch = img.gray ? 1 : 3;
  const std::size_t W = w;

  const int passes = interlace == PNG_INTERLACE_ADAM7 ? 7 : 1;
  png_read_update_info(png, info);
  st->row.resize(png_get_rowbytes(png, info));
  img.pixels.resize(W * h * ch);

  // Polled between rows, in our own frame (never inside a libpng callback).
  const DecodeDeadline deadline(opts);
  if (passes == 1) {
    for (png_uint_32 y = 0; y < h; ++y) {
      deadline.check("PNG");
      png_read_row(png, st->row.data(), nullptr);
      conv.convert(st->row.data(), W, img.pixels.data() + y * W * ch, 1);
    }
  } else {
    for (int p = 0; p < 7; ++p) {
      const png_uint_32 pw = PNG_PASS_COLS(w, p);
      const png_uint_32 ph = PNG_PASS_ROWS(h, p);
      if (pw == 0 || ph == 0) continue;  // libpng skips empty passes too
      const std::size_t x0 = PNG_PASS_START_COL(p), dx = std::size_t{1} << PNG_PASS_COL_SHIFT(p);
      const std::size_t y0 = PNG_PASS_START_ROW(p), dy = std::size_t{1} << PNG_PASS_ROW_SHIFT(p);
      for (png_uint_32 r = 0; r < ph; ++r) {
        deadline.check("PNG");
        png_read_row(png, st->row.data(), nullptr);
        conv.convert(st->row.data(), pw, img.pixels.data() + ((y0 + r * dy) * W + x0) * ch, dx);
      }
    }
  }
  // Read to IEND so a truncated or CRC-damaged tail is an error too (APNG frame
  // chunks there are skipped as unknown chunks).
  png_read_end(png, nullptr);
  const int orientation = opts.apply_exif_orientation ? exif_orientation(bytes) : 0;

  if (conv.bad_index)
    img.warnings.push_back(
        "PNG: palette index beyond the PLTE entries; those pixels use Pillow's gray ramp (i,i,i)");
  if (st->warning_count > kMaxKeptWarnings)
    img.warnings.push_back("libpng: " + std::to_string(st->warning_count - kMaxKeptWarnings) +
                           " more warnings not shown");
  if (opts.strict && !img.warnings.empty())
    throw Error(ErrorCode::decode_error, "PNG (strict): " + img.warnings.front());
  if (orientation != 0) {
    img.exif_orientation = orientation;
    apply_orientation(img, orientation);
  }
}

}  // namespace pdqguard::detail
