// TIFF through libtiff, first directory only, read as stored (no TIFFRGBA
// conversion, which would premultiply unassociated alpha): 8-bit gray (with or
// without alpha) stays gray; bilevel reads 0/255 as Pillow's mode "1"; 8-bit
// RGB/RGBA keeps RGB; 8-bit (and 4/2/1-bit) palettes are expanded to RGB from
// the colormap's high bytes; JPEG-in-TIFF YCbCr is converted to RGB by libjpeg.
// Strips or tiles, chunky or planar. Other layouts (CMYK, Lab, 16-bit, float)
// are refused with unsupported_format naming what they are. The Orientation
// tag is always applied, as Pillow 9.4 does when it loads a TIFF.
#include "image/decoders.hpp"

#include <pdqguard/error.hpp>

#include <tiffio.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace pdqguard::detail {

namespace {
struct MemFile {
  std::span<const std::uint8_t> b;
  std::uint64_t pos = 0;
  std::string error;
};

tmsize_t mem_read(thandle_t h, void* buf, tmsize_t n) {
  auto* f = static_cast<MemFile*>(h);
  if (n <= 0 || f->pos >= f->b.size()) return 0;
  const std::size_t k = std::min<std::uint64_t>(static_cast<std::uint64_t>(n), f->b.size() - f->pos);
  std::memcpy(buf, f->b.data() + f->pos, k);
  f->pos += k;
  return static_cast<tmsize_t>(k);
}
tmsize_t mem_write(thandle_t, void*, tmsize_t) { return -1; }
toff_t mem_seek(thandle_t h, toff_t off, int whence) {
  auto* f = static_cast<MemFile*>(h);
  std::uint64_t base = 0;
  if (whence == SEEK_CUR) base = f->pos;
  else if (whence == SEEK_END) base = f->b.size();
  f->pos = base + off;
  return f->pos;
}
int mem_close(thandle_t) { return 0; }
toff_t mem_size(thandle_t h) { return static_cast<MemFile*>(h)->b.size(); }
int mem_map(thandle_t, void**, toff_t*) { return 0; }
void mem_unmap(thandle_t, void*, toff_t) {}

int on_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  auto* f = static_cast<MemFile*>(user);
  if (f->error.empty()) {
    char buf[256];
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    f->error = std::string(module ? module : "libtiff") + ": " + buf;
  }
  return 1;
}
int on_warning(TIFF*, void*, const char*, const char*, va_list) { return 1; }

struct TiffCloser {
  void operator()(TIFF* t) const noexcept { TIFFClose(t); }
};
struct OptionsFree {
  void operator()(TIFFOpenOptions* o) const noexcept { TIFFOpenOptionsFree(o); }
};

[[noreturn]] void damaged(const MemFile& f, const char* what) {
  throw Error(ErrorCode::decode_error,
              std::string("TIFF ") + what + (f.error.empty() ? "" : " (" + f.error + ")"));
}
}  // namespace

void decode_tiff(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& img) {
  MemFile mf{bytes, 0, {}};
  std::unique_ptr<TIFFOpenOptions, OptionsFree> o(TIFFOpenOptionsAlloc());
  if (!o) throw std::bad_alloc();
  TIFFOpenOptionsSetErrorHandlerExtR(o.get(), on_error, &mf);
  TIFFOpenOptionsSetWarningHandlerExtR(o.get(), on_warning, &mf);
  // No single libtiff allocation above the pixel budget (4 bytes a pixel) + 1 MiB.
  const std::uint64_t cap = std::min<std::uint64_t>(opts.max_pixels * 4 + (1u << 20), 1ull << 40);
  TIFFOpenOptionsSetMaxSingleMemAlloc(o.get(), static_cast<tmsize_t>(cap));
  std::unique_ptr<TIFF, TiffCloser> t(TIFFClientOpenExt("memory", "rm", &mf, mem_read, mem_write,
                                                        mem_seek, mem_close, mem_size, mem_map,
                                                        mem_unmap, o.get()));
  if (!t) damaged(mf, "header unreadable");
  TIFF* tif = t.get();
  std::uint32_t w = 0, h = 0;
  if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h))
    damaged(mf, "has no image width/length");
  check_pixel_limit(w, h, opts);
  std::uint16_t bps = 1, spp = 1, photometric = 0, planar = PLANARCONFIG_CONTIG, sfmt = SAMPLEFORMAT_UINT;
  std::uint16_t compression = COMPRESSION_NONE;
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &sfmt);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
  if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric)) damaged(mf, "has no photometric tag");
  if (photometric == PHOTOMETRIC_YCBCR && compression == COMPRESSION_JPEG) {
    TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
    photometric = PHOTOMETRIC_RGB;
  }
  const bool gray = photometric == PHOTOMETRIC_MINISBLACK || photometric == PHOTOMETRIC_MINISWHITE;
  const bool rgb = photometric == PHOTOMETRIC_RGB;
  const bool palette = photometric == PHOTOMETRIC_PALETTE;
  auto unsupported = [&](const std::string& what) {
    throw Error(ErrorCode::unsupported_format,
                "unsupported tiff layout (TIFF): " + what + " (supported: 8-bit gray/RGB/RGBA, bilevel, palette)");
  };
  if (sfmt != SAMPLEFORMAT_UINT) unsupported("sample format " + std::to_string(sfmt));
  if (!gray && !rgb && !palette) unsupported("photometric " + std::to_string(photometric));
  if (rgb && (bps != 8 || spp < 3)) unsupported(std::to_string(bps) + "-bit RGB");
  if (gray && !(bps == 8 || (bps == 1 && spp == 1))) unsupported(std::to_string(bps) + "-bit gray");
  if (palette && (spp != 1 || !(bps == 8 || bps == 4 || bps == 2 || bps == 1)))
    unsupported(std::to_string(bps) + "-bit palette");
  if (spp == 0 || spp > 8) unsupported(std::to_string(spp) + " samples per pixel");
  std::uint16_t *cr = nullptr, *cg = nullptr, *cb = nullptr;
  if (palette && !TIFFGetField(tif, TIFFTAG_COLORMAP, &cr, &cg, &cb)) damaged(mf, "palette image has no colormap");

  // Unpack every sample plane to one byte a sample: plane p of a planar file,
  // or all samples interleaved (nplanes == 1, ns == spp) for a chunky one.
  const bool separate = planar == PLANARCONFIG_SEPARATE && spp > 1;
  const int ns = separate ? 1 : spp;
  const std::size_t W = w, H = h;
  // A tiled file's tile buffer is sized by the declared tile, which may be far
  // larger than the image: it counts in the budget with the samples, before
  // either is allocated.
  const bool tiled = TIFFIsTiled(tif) != 0;
  std::uint32_t tw = 0, th = 0;
  std::uint64_t tile_bytes = 0;
  if (tiled) {
    TIFFGetField(tif, TIFFTAG_TILEWIDTH, &tw);
    TIFFGetField(tif, TIFFTAG_TILELENGTH, &th);
    // 0 when the tile is zero or its size overflows: refused as damaged below.
    if (tw != 0 && th != 0) tile_bytes = std::min<std::uint64_t>(TIFFTileSize64(tif), 1ull << 62);
  }
  check_decode_memory(std::uint64_t(W) * H * spp + tile_bytes, opts,
                      "TIFF samples for " + std::to_string(w) + "x" + std::to_string(h) + "x" + std::to_string(spp) +
                          (tiled ? " and a " + std::to_string(tw) + "x" + std::to_string(th) + " tile of " +
                                       std::to_string(tile_bytes) + " bytes"
                                 : std::string()));
  const DecodeDeadline deadline(opts);
  // Interleaved, 1 byte each; in the output buffer's memory (capacity kept
  // from earlier files) when that layout is already the output's.
  const bool in_place = (rgb && spp == 3) || (gray && spp == 1 && bps == 8 && photometric == PHOTOMETRIC_MINISBLACK);
  std::vector<std::uint8_t> samples = in_place ? std::move(img.pixels) : std::vector<std::uint8_t>();
  samples.resize(W * H * spp);
  auto put_row = [&](const std::uint8_t* src, std::size_t x0, std::size_t y, std::size_t count, int plane) {
    // src: `count` pixels of `ns` samples at `bps` bits.
    if (bps == 8 && !separate) {  // chunky bytes: already the layout of `samples`
      std::memcpy(&samples[(y * W + x0) * spp], src, count * spp);
      return;
    }
    for (std::size_t i = 0; i < count; ++i)
      for (int s = 0; s < ns; ++s) {
        const std::size_t k = i * ns + s;
        std::uint8_t v;
        if (bps == 8) v = src[k];
        else {
          const std::size_t bit = k * bps;
          v = static_cast<std::uint8_t>((src[bit / 8] >> (8 - bps - bit % 8)) & ((1u << bps) - 1));
        }
        samples[(y * W + x0 + i) * spp + (separate ? plane : s)] = v;
      }
  };
  const int nplanes = separate ? spp : 1;
  if (tiled) {
    if (tw == 0 || th == 0) damaged(mf, "tile size is zero");
    const tmsize_t tsize = TIFFTileSize(tif);
    const tmsize_t trow = TIFFTileRowSize(tif);
    if (tsize <= 0 || trow <= 0) damaged(mf, "tile size is invalid");
    std::vector<std::uint8_t> tile(static_cast<std::size_t>(tsize));
    for (int p = 0; p < nplanes; ++p)
      for (std::uint32_t ty = 0; ty < h; ty += th)
        for (std::uint32_t tx = 0; tx < w; tx += tw) {
          if (TIFFReadTile(tif, tile.data(), tx, ty, 0, static_cast<std::uint16_t>(p)) < 0)
            damaged(mf, "tile is damaged or truncated");
          deadline.check("TIFF");
          const std::size_t cols = std::min<std::uint32_t>(tw, w - tx);
          for (std::uint32_t r = 0; r < th && ty + r < h; ++r)
            put_row(tile.data() + static_cast<std::size_t>(r) * trow, tx, ty + r, cols, p);
        }
  } else {
    const tmsize_t ssize = TIFFScanlineSize(tif);
    if (ssize <= 0) damaged(mf, "scanline size is invalid");
    std::vector<std::uint8_t> line(static_cast<std::size_t>(ssize));
    for (int p = 0; p < nplanes; ++p)
      for (std::uint32_t y = 0; y < h; ++y) {
        if (TIFFReadScanline(tif, line.data(), y, static_cast<std::uint16_t>(p)) < 0)
          damaged(mf, "strip is damaged or truncated");
        deadline.check("TIFF");
        put_row(line.data(), 0, y, W, p);
      }
  }

  img.format = ImageFormat::tiff;
  img.width = img.source_width = static_cast<int>(w);
  img.height = img.source_height = static_cast<int>(h);
  const std::size_t n = W * H;
  if (in_place) {
    img.gray = gray;  // the samples are the output pixels already
    img.pixels = std::move(samples);
  } else if (gray) {
    img.gray = true;
    img.pixels.resize(n);
    const bool invert = photometric == PHOTOMETRIC_MINISWHITE;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint8_t v = samples[i * spp];
      if (bps == 1) v = v ? 255 : 0;
      img.pixels[i] = invert ? static_cast<std::uint8_t>(255 - v) : v;
    }
  } else if (rgb) {
    img.gray = false;
    img.pixels.resize(n * 3);
    for (std::size_t i = 0; i < n; ++i) std::memcpy(&img.pixels[3 * i], &samples[i * spp], 3);
  } else {
    img.gray = false;
    img.pixels.resize(n * 3);
    const std::size_t entries = std::size_t{1} << bps;
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t k = samples[i];
      const bool in = k < entries;
      img.pixels[3 * i] = in ? static_cast<std::uint8_t>(cr[k] >> 8) : static_cast<std::uint8_t>(k);
      img.pixels[3 * i + 1] = in ? static_cast<std::uint8_t>(cg[k] >> 8) : static_cast<std::uint8_t>(k);
      img.pixels[3 * i + 2] = in ? static_cast<std::uint8_t>(cb[k] >> 8) : static_cast<std::uint8_t>(k);
    }
  }
  // The Orientation tag (274, the one EXIF uses): Pillow 9.4 applies it when
  // it loads a TIFF (TiffImagePlugin.load_end), so it is part of the
  // canonical pixels, with or without apply_exif_orientation.
  std::uint16_t orientation = 0;
  if (TIFFGetField(tif, TIFFTAG_ORIENTATION, &orientation) && orientation >= 1 && orientation <= 8 &&
      (orientation >= 2 || opts.apply_exif_orientation)) {
    img.exif_orientation = orientation;
    apply_orientation(img, orientation);
  }
}

}  // namespace pdqguard::detail
