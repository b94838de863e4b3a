// Test and benchmark helpers: reproducible photo-like images and in-memory
// JPEG/PNG encoders and reference decoders written with the plain libjpeg and
// libpng APIs (independent of pdqguard's decoders).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include <jpeglib.h>
#include <png.h>

namespace pdqguard::test {

/// A small deterministic PRNG (splitmix64), so generated images never depend on
/// the standard library's implementation.
struct Rng {
  std::uint64_t s;
  explicit Rng(std::uint64_t seed) : s(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  int range(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1)); }
};

inline std::uint8_t clamp8(double v) {
  return static_cast<std::uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
}

/// A photo-like RGB image (w*h*3 bytes): smooth low-frequency colour fields,
/// a few dozen shaded ellipses and rectangles, and per-pixel noise.
inline std::vector<std::uint8_t> photo_like(int w, int h, std::uint64_t seed, double noise = 6.0) {
  Rng rng(seed);
  std::vector<std::uint8_t> px(static_cast<std::size_t>(w) * h * 3);
  double fx[3], fy[3], ph[3], base[3];
  for (int c = 0; c < 3; ++c) {
    fx[c] = 0.5 + rng.uniform() * 2.5;
    fy[c] = 0.5 + rng.uniform() * 2.5;
    ph[c] = rng.uniform() * 6.283;
    base[c] = 60 + rng.uniform() * 120;
  }
  struct Shape { int kind; double cx, cy, rx, ry, col[3], grad; };
  std::vector<Shape> shapes(static_cast<std::size_t>(rng.range(12, 30)));
  for (auto& s : shapes) {
    s.kind = rng.range(0, 1);
    s.cx = rng.uniform() * w;
    s.cy = rng.uniform() * h;
    s.rx = (0.03 + rng.uniform() * 0.25) * w;
    s.ry = (0.03 + rng.uniform() * 0.25) * h;
    for (double& c : s.col) c = rng.uniform() * 255;
    s.grad = (rng.uniform() - 0.5) * 1.2;
  }
  // Background rows/cols factor into separable sinusoid tables (fast at 12 MP).
  std::vector<double> tx(static_cast<std::size_t>(w) * 3), ty(static_cast<std::size_t>(h) * 3);
  for (int x = 0; x < w; ++x)
    for (int c = 0; c < 3; ++c) tx[x * 3 + c] = 50 * std::sin(fx[c] * 6.283 * x / w + ph[c]);
  for (int y = 0; y < h; ++y)
    for (int c = 0; c < 3; ++c) ty[y * 3 + c] = 40 * std::cos(fy[c] * 6.283 * y / h + ph[c]);
  Rng nrng(seed ^ 0xABCDEF);
  for (int y = 0; y < h; ++y) {
    std::uint8_t* row = px.data() + static_cast<std::size_t>(y) * w * 3;
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) row[x * 3 + c] = clamp8(base[c] + tx[x * 3 + c] + ty[y * 3 + c]);
  }
  for (const auto& s : shapes) {
    const int x0 = std::max(0, static_cast<int>(s.cx - s.rx)), x1 = std::min(w - 1, static_cast<int>(s.cx + s.rx));
    const int y0 = std::max(0, static_cast<int>(s.cy - s.ry)), y1 = std::min(h - 1, static_cast<int>(s.cy + s.ry));
    for (int y = y0; y <= y1; ++y) {
      const double dy = (y - s.cy) / s.ry;
      for (int x = x0; x <= x1; ++x) {
        const double dx = (x - s.cx) / s.rx;
        if (s.kind == 0 && dx * dx + dy * dy > 1) continue;
        const double shade = 1 + s.grad * dx;
        std::uint8_t* p = px.data() + (static_cast<std::size_t>(y) * w + x) * 3;
        for (int c = 0; c < 3; ++c) p[c] = clamp8(s.col[c] * shade);
      }
    }
  }
  if (noise > 0) {
    for (std::size_t i = 0; i < px.size(); i += 3) {
      const double n = (nrng.uniform() - 0.5) * 2 * noise;
      for (int c = 0; c < 3; ++c) px[i + c] = clamp8(px[i + c] + n + (nrng.uniform() - 0.5) * noise);
    }
  }
  return px;
}

/// RGB to gray by the JPEG luma weights (for gray test images).
inline std::vector<std::uint8_t> to_gray(const std::vector<std::uint8_t>& rgb) {
  std::vector<std::uint8_t> g(rgb.size() / 3);
  for (std::size_t i = 0; i < g.size(); ++i)
    g[i] = clamp8(0.299 * rgb[3 * i] + 0.587 * rgb[3 * i + 1] + 0.114 * rgb[3 * i + 2]);
  return g;
}

/// RGB to an invertible CMYK (c=255-r... with k=min), 4 bytes per pixel.
inline std::vector<std::uint8_t> to_cmyk(const std::vector<std::uint8_t>& rgb) {
  std::vector<std::uint8_t> o(rgb.size() / 3 * 4);
  for (std::size_t i = 0; i < rgb.size() / 3; ++i) {
    const int c = 255 - rgb[3 * i], m = 255 - rgb[3 * i + 1], y = 255 - rgb[3 * i + 2];
    const int k = std::min(c, std::min(m, y));
    o[4 * i] = static_cast<std::uint8_t>(c - k);
    o[4 * i + 1] = static_cast<std::uint8_t>(m - k);
    o[4 * i + 2] = static_cast<std::uint8_t>(y - k);
    o[4 * i + 3] = static_cast<std::uint8_t>(k);
  }
  return o;
}

/// How to encode a test JPEG.
struct JpegSpec {
  int quality = 85;
  int h_samp = 2, v_samp = 2;  ///< luma sampling factors (chroma 1x1); 1x1 = 4:4:4
  bool progressive = false;
  bool arithmetic = false;
  int restart_interval = 0;    ///< in MCUs; 0 = none
  J_COLOR_SPACE jpeg_space = JCS_UNKNOWN;  ///< e.g. JCS_YCCK or JCS_RGB; default per input
};

/// Encodes `px` (components 1 = gray, 3 = RGB, 4 = CMYK) to an in-memory JPEG.
inline std::vector<std::uint8_t> encode_jpeg(const std::uint8_t* px, int w, int h, int components,
                                             const JpegSpec& spec = {}) {
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buf, &size);
  c.image_width = static_cast<JDIMENSION>(w);
  c.image_height = static_cast<JDIMENSION>(h);
  c.input_components = components;
  c.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 3 ? JCS_RGB : JCS_CMYK;
  jpeg_set_defaults(&c);
  if (spec.jpeg_space != JCS_UNKNOWN) jpeg_set_colorspace(&c, spec.jpeg_space);
  jpeg_set_quality(&c, spec.quality, TRUE);
  if (components >= 3) {
    c.comp_info[0].h_samp_factor = spec.h_samp;
    c.comp_info[0].v_samp_factor = spec.v_samp;
  }
  if (spec.progressive) jpeg_simple_progression(&c);
  c.arith_code = spec.arithmetic ? TRUE : FALSE;
  c.restart_interval = static_cast<unsigned>(spec.restart_interval);
  jpeg_start_compress(&c, TRUE);
  const std::size_t stride = static_cast<std::size_t>(w) * components;
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(px + c.next_scanline * stride);
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::vector<std::uint8_t> out(buf, buf + size);
  std::free(buf);
  return out;
}

/// The plain libjpeg decode with library defaults: gray, RGB or CMYK samples.
struct PlainJpeg {
  int width = 0, height = 0, components = 0;
  std::vector<std::uint8_t> px;
};
/// Decodes into `r`, reusing the capacity of r.px.
inline void plain_decode_jpeg_into(const std::vector<std::uint8_t>& data, PlainJpeg& r,
                                   int scale_denom = 1, bool gray_out = false) {
  jpeg_decompress_struct d{};
  jpeg_error_mgr err{};
  d.err = jpeg_std_error(&err);
  jpeg_create_decompress(&d);
  jpeg_mem_src(&d, data.data(), static_cast<unsigned long>(data.size()));
  jpeg_read_header(&d, TRUE);
  if (d.num_components == 3) d.out_color_space = gray_out ? JCS_GRAYSCALE : JCS_RGB;
  d.scale_num = 1;
  d.scale_denom = static_cast<unsigned>(scale_denom);
  jpeg_start_decompress(&d);
  r.width = static_cast<int>(d.output_width);
  r.height = static_cast<int>(d.output_height);
  r.components = d.output_components;
  r.px.resize(static_cast<std::size_t>(r.width) * r.height * r.components);
  while (d.output_scanline < d.output_height) {
    JSAMPROW row = r.px.data() + static_cast<std::size_t>(d.output_scanline) * r.width * r.components;
    jpeg_read_scanlines(&d, &row, 1);
  }
  jpeg_finish_decompress(&d);
  jpeg_destroy_decompress(&d);
}
inline PlainJpeg plain_decode_jpeg(const std::vector<std::uint8_t>& data, int scale_denom = 1,
                                   bool gray_out = false) {
  PlainJpeg r;
  plain_decode_jpeg_into(data, r, scale_denom, gray_out);
  return r;
}

/// A PNG to encode: samples (one uint16 per channel, already in range for the
/// bit depth), or palette indices for colour type 3.
struct PngSpec {
  int color_type = PNG_COLOR_TYPE_RGB;
  int bit_depth = 8;
  bool interlace = false;
  std::vector<png_color> palette;       ///< colour type 3
  std::vector<png_byte> trns_alpha;     ///< palette tRNS
  bool trns_key = false;                ///< gray/RGB tRNS colour key
  png_color_16 key{};
  std::vector<png_byte> exif;           ///< eXIf chunk payload (TIFF structure)
  bool exif_after_idat = false;         ///< write eXIf after the image data
};

inline int png_channels(int color_type) {
  switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return 1;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    default: return 1;  // palette
  }
}

/// Encodes `samples` (w*h*channels values) with libpng's plain write API.
inline std::vector<std::uint8_t> encode_png(const std::vector<std::uint16_t>& samples, int w, int h,
                                            const PngSpec& spec) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  std::vector<std::uint8_t> out;
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw std::runtime_error("libpng write failed");
  }
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep d, size_t n) {
        auto* v = static_cast<std::vector<std::uint8_t>*>(png_get_io_ptr(p));
        v->insert(v->end(), d, d + n);
      },
      nullptr);
  png_set_check_for_invalid_index(png, 0);  // tests write out-of-range indices on purpose
  png_set_IHDR(png, info, static_cast<png_uint_32>(w), static_cast<png_uint_32>(h), spec.bit_depth,
               spec.color_type, spec.interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (spec.color_type == PNG_COLOR_TYPE_PALETTE)
    png_set_PLTE(png, info, spec.palette.data(), static_cast<int>(spec.palette.size()));
  if (!spec.trns_alpha.empty())
    png_set_tRNS(png, info, spec.trns_alpha.data(), static_cast<int>(spec.trns_alpha.size()), nullptr);
  if (spec.trns_key) png_set_tRNS(png, info, nullptr, 0, &spec.key);
  auto set_exif = [&] {
    png_set_eXIf_1(png, info, static_cast<png_uint_32>(spec.exif.size()),
                   const_cast<png_bytep>(spec.exif.data()));
  };
  if (!spec.exif.empty() && !spec.exif_after_idat) set_exif();
  png_write_info(png, info);
  // libpng 1.6.39's png_write_end writes eXIf again unless it is dropped here.
  if (!spec.exif.empty() && !spec.exif_after_idat) png_set_invalid(png, info, PNG_INFO_eXIf);
  if (!spec.exif.empty() && spec.exif_after_idat) set_exif();  // png_write_end writes it
  const int ch = png_channels(spec.color_type);
  const std::size_t rowbytes = (static_cast<std::size_t>(w) * ch * spec.bit_depth + 7) / 8;
  std::vector<png_bytep> rows(static_cast<std::size_t>(h));
  std::vector<std::uint8_t> packed(rowbytes * h, 0);
  for (int y = 0; y < h; ++y) {
    std::uint8_t* r = packed.data() + rowbytes * y;
    rows[y] = r;
    for (int i = 0; i < w * ch; ++i) {
      const unsigned v = samples[static_cast<std::size_t>(y) * w * ch + i];
      if (spec.bit_depth == 16) {
        r[2 * i] = static_cast<std::uint8_t>(v >> 8);
        r[2 * i + 1] = static_cast<std::uint8_t>(v);
      } else if (spec.bit_depth == 8) {
        r[i] = static_cast<std::uint8_t>(v);
      } else {
        const int bit = i * spec.bit_depth;
        r[bit >> 3] = static_cast<std::uint8_t>(r[bit >> 3] | (v << (8 - spec.bit_depth - (bit & 7))));
      }
    }
  }
  png_write_image(png, rows.data());
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return out;
}

}  // namespace pdqguard::test
