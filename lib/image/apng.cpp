// APNG frames (decode_frames), each the canvas as Pillow 9.4's PngImagePlugin
// shows it after seek(n), then the canonical PNG conversion (gray stays gray,
// palette expanded, alpha dropped):
// - the canvas is in the PNG's own mode (L, LA, RGB, RGBA or palette indices,
//   8 bits a sample; 16-bit samples keep their high byte, 1/2/4-bit gray is
//   scaled as Pillow's L;1/2/4 unpackers do);
// - a default image (IDAT before the first fcTL) is frame 0, and the first
//   animation frame is drawn over it (Pillow keeps its pixels);
// - before frame n is drawn, frame n-1's disposal: background fills its
//   rectangle with zeros, previous restores the rectangle as it was before
//   frame n-1 (the first frame's "previous" is background);
// - blend source replaces the rectangle; blend over, with alpha (LA, RGBA), is
//   Pillow's paste with the frame's alpha as mask: every byte, alpha included,
//   becomes (dst*(255-a) + src*a)/255 rounded as Pillow's DIV255; without an
//   alpha channel over equals source (Pillow's mask is then opaque).
// Each frame's data (IDAT, or fdAT without sequence numbers) is decoded by
// libpng as a small PNG of the frame's size. 16-bit gray (Pillow's mode I)
// gives frame 0 only, with a warning.
#include "image/decoders.hpp"

#include <pdqguard/error.hpp>

#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstring>
#include <string>
#include <vector>

namespace pdqguard::detail {

namespace {

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

struct Chunk {
  const std::uint8_t* type;
  const std::uint8_t* data;
  std::uint32_t len;
};

struct ApngFrame {
  std::uint32_t w = 0, h = 0, x = 0, y = 0;
  double duration_ms = 0;
  int dispose = 0, blend = 0;
  bool has_fctl = false;
  std::vector<std::span<const std::uint8_t>> data;  // zlib stream pieces
};

struct Stream {
  std::vector<std::uint8_t> bytes;
  std::size_t pos = 0;
  std::string message;
};

extern "C" {
[[noreturn]] static void apng_error(png_structp png, png_const_charp msg) {
  auto* st = static_cast<Stream*>(png_get_error_ptr(png));
  try {
    st->message = msg ? msg : "libpng error";
  } catch (...) {
  }
  png_longjmp(png, 1);
}
static void apng_warning(png_structp, png_const_charp) {}
static void apng_read(png_structp png, png_bytep out, size_t n) {
  auto* st = static_cast<Stream*>(png_get_io_ptr(png));
  if (n > st->bytes.size() - st->pos) png_error(png, "frame data ends early");
  std::memcpy(out, st->bytes.data() + st->pos, n);
  st->pos += n;
}
}

void put_chunk(std::vector<std::uint8_t>& out, const char* type, const std::uint8_t* data, std::size_t len) {
  const std::uint8_t l[4] = {std::uint8_t(len >> 24), std::uint8_t(len >> 16), std::uint8_t(len >> 8), std::uint8_t(len)};
  out.insert(out.end(), l, l + 4);
  out.insert(out.end(), type, type + 4);
  if (len) out.insert(out.end(), data, data + len);
  out.insert(out.end(), 4, 0);  // CRC: libpng is told to ignore it
}

// Decodes one frame's zlib data as a PNG of w x h with the file's IHDR
// fields into `px` (channels bytes a pixel). Throws decode_error.
// Checks `deadline` every row (resource_limit).
void decode_frame_data(const std::uint8_t* ihdr, const std::uint8_t* plte, std::uint32_t plte_len, const ApngFrame& f,
                       int channels, std::vector<std::uint8_t>& px, const DecodeDeadline& deadline) {
  Stream st;
  static const std::uint8_t kSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  st.bytes.assign(kSig, kSig + 8);
  std::uint8_t h[13];
  std::memcpy(h, ihdr, 13);
  for (int i = 0; i < 4; ++i) h[i] = std::uint8_t(f.w >> (24 - 8 * i)), h[4 + i] = std::uint8_t(f.h >> (24 - 8 * i));
  put_chunk(st.bytes, "IHDR", h, 13);
  if (plte) put_chunk(st.bytes, "PLTE", plte, plte_len);
  std::size_t total = 0;
  for (const auto& d : f.data) total += d.size();
  std::vector<std::uint8_t> z;
  z.reserve(total);
  for (const auto& d : f.data) z.insert(z.end(), d.begin(), d.end());
  put_chunk(st.bytes, "IDAT", z.data(), z.size());
  put_chunk(st.bytes, "IEND", nullptr, 0);
  px.assign(static_cast<std::size_t>(f.w) * f.h * channels, 0);
  std::vector<png_bytep> rows(f.h);
  for (std::uint32_t y = 0; y < f.h; ++y) rows[y] = px.data() + static_cast<std::size_t>(y) * f.w * channels;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &st, apng_error, apng_warning);
  if (!png) throw std::bad_alloc();
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    throw std::bad_alloc();
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw Error(ErrorCode::decode_error, "APNG frame data damaged: " + st.message);
  }
  png_set_read_fn(png, &st, apng_read);
  png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
  png_set_user_limits(png, 0x7fffffff, 0x7fffffff);
  png_read_info(png, info);
  const int ct = png_get_color_type(png, info);
  if (png_get_bit_depth(png, info) == 16) png_set_strip_16(png);
  if (ct == PNG_COLOR_TYPE_GRAY) png_set_expand_gray_1_2_4_to_8(png);
  if (ct == PNG_COLOR_TYPE_PALETTE) png_set_packing(png);
  const int passes = png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != static_cast<std::size_t>(f.w) * channels)
    png_error(png, "unexpected row size");
  for (int pass = 0; pass < passes; ++pass) {
    for (std::uint32_t y = 0; y < f.h; ++y) {
      png_read_row(png, rows[y], nullptr);
      if (deadline.expired()) {
        png_destroy_read_struct(&png, &info, nullptr);
        throw Error(ErrorCode::resource_limit, deadline.message("APNG"));
      }
    }
  }
  png_destroy_read_struct(&png, &info, nullptr);
}

int div255(int v) {
  const int t = v + 128;
  return ((t >> 8) + t) >> 8;
}
}  // namespace

bool is_apng(std::span<const std::uint8_t> b) {
  // An acTL chunk before the first IDAT.
  std::size_t at = 8;
  while (at + 12 <= b.size()) {
    const std::uint32_t len = be32(b.data() + at);
    if (len > b.size() - at - 12) return false;
    const std::uint8_t* type = b.data() + at + 4;
    if (std::memcmp(type, "acTL", 4) == 0) return true;
    if (std::memcmp(type, "IDAT", 4) == 0 || std::memcmp(type, "IEND", 4) == 0) return false;
    at += 12 + std::size_t{len};
  }
  return false;
}

AnimationInfo apng_frames(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& img,
                          const FrameCallback& on_frame) {
  // Decoding time from here on, frame 0 included; never the callback's.
  DecodeDeadline deadline(opts);
  AnimationInfo result;
  // The chunks (decode_png reads them all, CRCs checked, to IEND). The frame
  // table stops one entry past max_frames: that entry only tells that the
  // animation is truncated, so a file of a million fcTL chunks costs no more.
  const std::size_t max_entries = static_cast<std::size_t>(std::max(opts.max_frames, 1)) + 1;
  const std::uint8_t* ihdr = nullptr;
  const std::uint8_t* plte = nullptr;
  std::uint32_t plte_len = 0;
  std::vector<ApngFrame> frames;
  bool default_image = false, in_idat = false;
  for (std::size_t at = 8; at + 12 <= bytes.size();) {
    const std::uint32_t len = be32(bytes.data() + at);
    if (len > bytes.size() - at - 12) break;
    const Chunk c{bytes.data() + at + 4, bytes.data() + at + 8, len};
    at += 12 + std::size_t{len};
    if (std::memcmp(c.type, "IHDR", 4) == 0 && len == 13) ihdr = c.data;
    else if (std::memcmp(c.type, "PLTE", 4) == 0) plte = c.data, plte_len = len;
    else if (std::memcmp(c.type, "fcTL", 4) == 0 && len >= 26) {
      if (frames.size() >= max_entries) break;
      ApngFrame f;
      f.has_fctl = true;
      f.w = be32(c.data + 4), f.h = be32(c.data + 8), f.x = be32(c.data + 12), f.y = be32(c.data + 16);
      const int num = (c.data[20] << 8) | c.data[21];
      int den = (c.data[22] << 8) | c.data[23];
      if (den == 0) den = 100;
      f.duration_ms = static_cast<double>(num) / den * 1000;
      f.dispose = c.data[24], f.blend = c.data[25];
      frames.push_back(std::move(f));
      in_idat = false;
    } else if (std::memcmp(c.type, "IDAT", 4) == 0) {
      if (frames.empty()) {
        if (!in_idat) frames.emplace_back(), default_image = true;
      }
      in_idat = true;
      frames.back().data.emplace_back(c.data, len);
    } else if (std::memcmp(c.type, "fdAT", 4) == 0 && len >= 4 && !frames.empty() && frames.back().has_fctl) {
      frames.back().data.emplace_back(c.data + 4, len - 4);
    } else if (std::memcmp(c.type, "IEND", 4) == 0) {
      break;
    }
  }
  const int bit_depth = ihdr ? ihdr[8] : 8, color_type = ihdr ? ihdr[9] : 0;
  const int channels = color_type == 2 ? 3 : color_type == 6 ? 4 : color_type == 4 ? 2 : 1;
  const std::uint32_t W = ihdr ? be32(ihdr) : 0, H = ihdr ? be32(ihdr + 4) : 0;
  const std::uint64_t canvas_px = std::uint64_t(W) * H;
  const auto rect_ok = [&](const ApngFrame& f) {
    return f.w > 0 && f.h > 0 && f.x <= W && f.y <= H && f.w <= W - f.x && f.h <= H - f.y;
  };
  // Frame 0 as drawn on the canvas: the default image covers it.
  const auto first_frame = [&] {
    ApngFrame f0 = frames[0];
    if (default_image) f0.w = W, f0.h = H, f0.x = f0.y = 0;
    return f0;
  };
  const bool gray16 = bit_depth == 16 && color_type == 0;
  if (ihdr) check_pixel_limit(W, H, opts);  // as decode_png does, before anything below
  AnimationInfo probe;  // which frames animation_limit_reached lets through
  if (ihdr && frames.size() >= 2 && !gray16 && !animation_limit_reached(1, canvas_px, opts, probe)) {
    // Compositing frames 1.. needs, in the PNG's own mode: the canvas; one
    // frame's pixels (the largest frame drawn); the rectangle a
    // dispose-previous frame saves (the largest); and while libpng decodes a
    // frame, its zlib data twice (gathered, then wrapped as a small PNG) and a
    // row pointer a line. Checked before frame 0, as WebP's canvases are.
    std::uint64_t frame_px = 0, saved_px = 0, frame_io = 0;
    const ApngFrame f0 = first_frame();
    for (std::size_t k = 0; k < frames.size(); ++k) {
      if (k > 0 && animation_limit_reached(static_cast<int>(k), canvas_px, opts, probe)) break;
      const ApngFrame& f = k == 0 ? f0 : frames[k];
      if (!rect_ok(f)) break;  // the animation ends there
      const std::uint64_t area = std::uint64_t(f.w) * f.h;
      frame_px = std::max(frame_px, area);
      if (k > 0 && f.dispose == 2) saved_px = std::max(saved_px, area);
      std::uint64_t z = 0;
      for (const auto& d : f.data) z += d.size();
      frame_io = std::max(frame_io, 2 * z + std::uint64_t{plte_len} + 64 + std::uint64_t{f.h} * sizeof(png_bytep));
    }
    check_decode_memory((canvas_px + frame_px + saved_px) * channels + frame_io, opts,
                        "APNG canvas and frame buffers for " + std::to_string(W) + "x" + std::to_string(H));
  }
  // Frame 0 is exactly the still decoder's (the IDAT image).
  decode_png(bytes, opts, img);
  if (!ihdr) {  // decode_png would have refused it
    result.frames = 1;
    const DeadlinePause pause(deadline);
    on_frame(img, FrameInfo{});
    return result;
  }
  const int orientation = img.exif_orientation;  // applied to every frame as to frame 0
  FrameInfo fi;
  fi.duration = default_image || frames.empty() ? 0 : frames[0].duration_ms / 1000;
  result.frames = 1;
  result.duration = fi.duration;
  {
    const DeadlinePause pause(deadline);
    if (!on_frame(img, fi)) return result;
  }
  if (frames.size() < 2) return result;
  if (gray16) {
    result.warnings.push_back("16-bit gray APNG: only frame 0 is decoded");
    return result;
  }
  if (animation_limit_reached(1, canvas_px, opts, result)) return result;
  // The canvas after frame 0, in the PNG's mode (frame 0 again, natively).
  std::vector<std::uint8_t> canvas(static_cast<std::size_t>(canvas_px) * channels, 0), px;
  const auto draw = [&](const ApngFrame& f, bool blend_over) {
    decode_frame_data(ihdr, plte, plte_len, f, channels, px, deadline);
    const bool alpha = channels == 2 || channels == 4;
    for (std::uint32_t y = 0; y < f.h; ++y) {
      std::uint8_t* d = canvas.data() + ((static_cast<std::size_t>(f.y) + y) * W + f.x) * channels;
      const std::uint8_t* s = px.data() + static_cast<std::size_t>(y) * f.w * channels;
      if (!blend_over || !alpha) {
        std::memcpy(d, s, static_cast<std::size_t>(f.w) * channels);
        continue;
      }
      for (std::uint32_t x = 0; x < f.w; ++x, d += channels, s += channels) {
        const int a = s[channels - 1];
        for (int k = 0; k < channels; ++k) d[k] = static_cast<std::uint8_t>(div255(d[k] * (255 - a) + s[k] * a));
      }
    }
  };
  struct Disposal {
    int op = 0;  // 0 none, 1 background, 2 previous
    ApngFrame rect;
    std::vector<std::uint8_t> saved;
  } pending;
  const auto snapshot = [&](const ApngFrame& f, std::vector<std::uint8_t>& out) {
    out.resize(static_cast<std::size_t>(f.w) * f.h * channels);
    for (std::uint32_t y = 0; y < f.h; ++y)
      std::memcpy(out.data() + static_cast<std::size_t>(y) * f.w * channels,
                  canvas.data() + ((static_cast<std::size_t>(f.y) + y) * W + f.x) * channels,
                  static_cast<std::size_t>(f.w) * channels);
  };
  const auto plan = [&](const ApngFrame& f, bool first) {
    // Pillow: an unknown dispose_op (3..255) disposes nothing.
    const int op = f.has_fctl && (f.dispose == 1 || f.dispose == 2) ? f.dispose : 0;
    pending.op = op == 2 && first ? 1 : op;
    pending.rect = ApngFrame{};
    pending.rect.w = f.w, pending.rect.h = f.h, pending.rect.x = f.x, pending.rect.y = f.y;
    if (pending.op == 2) snapshot(f, pending.saved);
  };
  const auto apply_pending = [&] {
    if (pending.op == 0) return;
    const ApngFrame& r = pending.rect;
    for (std::uint32_t y = 0; y < r.h; ++y) {
      std::uint8_t* d = canvas.data() + ((static_cast<std::size_t>(r.y) + y) * W + r.x) * channels;
      if (pending.op == 1)
        std::memset(d, 0, static_cast<std::size_t>(r.w) * channels);
      else
        std::memcpy(d, pending.saved.data() + static_cast<std::size_t>(y) * r.w * channels,
                    static_cast<std::size_t>(r.w) * channels);
    }
    pending.op = 0;
  };
  // One drawing step. A damaged frame (decode_error) ends the animation with a
  // warning (false); any other error (resource_limit of max_decode_cpu_ms)
  // ends the input, as for GIF and WebP.
  const auto step = [&](const auto& fn) {
    try {
      fn();
      return true;
    } catch (const Error& e) {
      if (e.code() != ErrorCode::decode_error) throw;
      result.warnings.push_back(std::string(e.what()) + ": the animation ends at frame " +
                                std::to_string(result.frames - 1));
      return false;
    }
  };
  const bool drew0 = step([&] {
    const ApngFrame f0 = first_frame();
    if (!rect_ok(f0)) throw Error(ErrorCode::decode_error, "APNG frame 0 lies outside the image");
    plan(f0, true);
    draw(f0, false);
  });
  if (!drew0) return result;
  double timestamp = fi.duration;
  for (std::size_t k = 1; k < frames.size(); ++k) {
    const int n = static_cast<int>(k);
    if (animation_limit_reached(n, canvas_px, opts, result)) break;
    const ApngFrame& f = frames[k];
    if (!rect_ok(f)) {
      result.warnings.push_back("APNG frame " + std::to_string(n) +
                                " lies outside the image: the animation ends at frame " + std::to_string(n - 1));
      break;
    }
    if (!step([&] {
          apply_pending();
          plan(f, false);
          draw(f, f.blend == 1);
        }))
      break;
    // The canonical pixels of the native canvas.
    img.pixels.resize(static_cast<std::size_t>(canvas_px) * (channels == 1 && color_type != 3 ? 1 : 3));
    img.gray = channels == 1 && color_type != 3;
    std::uint8_t* o = img.pixels.data();
    for (std::size_t i = 0; i < canvas_px; ++i) {
      const std::uint8_t* c = canvas.data() + i * channels;
      if (img.gray) {
        o[i] = c[0];
      } else if (color_type == 3) {
        const bool in = c[0] < plte_len / 3;
        o[3 * i] = in ? plte[3 * c[0]] : c[0];
        o[3 * i + 1] = in ? plte[3 * c[0] + 1] : c[0];
        o[3 * i + 2] = in ? plte[3 * c[0] + 2] : c[0];
      } else if (channels <= 2) {
        o[3 * i] = o[3 * i + 1] = o[3 * i + 2] = c[0];
      } else {
        std::memcpy(o + 3 * i, c, 3);
      }
    }
    img.width = img.source_width = static_cast<int>(W);
    img.height = img.source_height = static_cast<int>(H);
    if (orientation >= 2) apply_orientation(img, orientation);
    deadline.check("APNG");
    FrameInfo info;
    info.index = n;
    info.timestamp = timestamp;
    info.duration = f.duration_ms / 1000;
    timestamp += info.duration;
    result.frames = n + 1;
    result.duration = timestamp;
    const DeadlinePause pause(deadline);  // the callback's time is not decoding
    if (!on_frame(img, info)) break;
  }
  return result;
}

}  // namespace pdqguard::detail
