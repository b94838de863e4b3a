// GIF through giflib's record API, frame by frame, each frame the canvas as
// Pillow 9.4 shows it after seek(n) (GifImagePlugin, LOADING_STRATEGY
// RGB_AFTER_FIRST), alpha dropped as stored:
// - frame 0: the canvas (the logical screen, grown to hold frame 0 if that lies
//   outside it) starts as the transparent index (or 0 without one) and frame 0
//   is drawn at its offset, every index written; a palette that is the identity
//   gray ramp means mode L (gray route), otherwise the palette is expanded to
//   RGB (indices past its end read Pillow's ramp (i,i,i); a transparent entry
//   keeps its RGB);
// - frame n >= 1: the previous frame's disposal is applied, then (mode P) the
//   canvas becomes RGB through frame 0's palette; the frame's pixels are drawn
//   through its own palette (local, else global), its transparent index leaving
//   the canvas as it was. A gray canvas (mode L) stays gray while the frames
//   have no colour palette, transparent indices skipped;
// - disposal as Pillow: 2 fills the frame's rectangle with the transparent
//   colour (frame 0's transparent index while the canvas is gray, else the
//   frame's own), else the background entry of the screen descriptor; 3
//   restores the rectangle as it was before the frame; a frame without a
//   disposal method keeps the previous frame's (Pillow's rule).
// Known divergences (Pillow itself fails or is inconsistent there): a later
// frame reaching outside the canvas is clipped (Pillow grows its size); a
// colour palette after a gray canvas turns the canvas RGB (gray triples).
// Frame 0 alone (decode_gif) costs one frame: later frames are never read.
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

// A giflib failure: for frame 0 the file is refused, for a later frame it ends
// the animation (GifFrames turns it into a warning).
struct GifFailure {
  std::string message;
};

[[noreturn]] void fail(const char* what, int code) {
  const char* msg = GifErrorString(code);
  throw GifFailure{std::string(what) + ": " + (msg ? msg : "unknown giflib error")};
}

// Pillow's _is_palette_needed: a palette that is exactly i,i,i for every entry
// is dropped (mode L).
bool palette_needed(const ColorMapObject* m) {
  for (int i = 0; i < m->ColorCount; ++i) {
    const GifColorType& c = m->Colors[i];
    if (c.Red != i || c.Green != i || c.Blue != i) return true;
  }
  return false;
}

using Lut = std::array<std::uint8_t, 768>;

// RGB of every index: the palette's entries, Pillow's gray ramp past its end
// (and for no palette at all).
Lut lut_of(const ColorMapObject* pal) {
  Lut lut;
  for (int i = 0; i < 256; ++i) {
    const bool in = pal != nullptr && i < pal->ColorCount;
    lut[3 * i] = in ? pal->Colors[i].Red : static_cast<std::uint8_t>(i);
    lut[3 * i + 1] = in ? pal->Colors[i].Green : static_cast<std::uint8_t>(i);
    lut[3 * i + 2] = in ? pal->Colors[i].Blue : static_cast<std::uint8_t>(i);
  }
  return lut;
}

// Expands n palette indices to RGB through `lut`: one 4-byte store a pixel (the
// 4th byte is overwritten by the next pixel), the last pixel stored exactly.
void expand(const std::uint8_t* idx, std::size_t n, const Lut& lut, std::uint8_t* out) {
  std::array<std::array<std::uint8_t, 4>, 256> quad;
  for (int i = 0; i < 256; ++i) quad[i] = {lut[3 * i], lut[3 * i + 1], lut[3 * i + 2], 0};
  if (n == 0) return;
  for (std::size_t i = 0; i + 1 < n; ++i) std::memcpy(out + 3 * i, quad[idx[i]].data(), 4);
  std::memcpy(out + 3 * (n - 1), lut.data() + 3 * idx[n - 1], 3);
}

// The RGB rows of a canvas of palette indices, expanded a batch of rows at a
// time into `buf` (at most 64 rows, what RowSource asks for): a still GIF is
// hashed without its whole RGB image ever being written and read back.
struct ExpandedRows final : RowSource {
  const std::uint8_t* idx = nullptr;
  int width = 0;
  const Lut* lut = nullptr;
  std::vector<std::uint8_t>* buf = nullptr;
  void rows(int first, int count, const std::uint8_t** out) override {
    const std::size_t row = static_cast<std::size_t>(width) * 3;
    expand(idx + static_cast<std::size_t>(first) * width, static_cast<std::size_t>(count) * width, *lut,
           buf->data());
    for (int k = 0; k < count; ++k) out[k] = buf->data() + static_cast<std::size_t>(k) * row;
  }
};

// The rectangle of a frame on the canvas, clipped to it.
struct Rect {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  int w() const { return x1 - x0; }
  int h() const { return y1 - y0; }
};

class GifFrames {
 public:
  GifFrames(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, RowConsumer* consumer = nullptr)
      : reader_{bytes, 0}, opts_(opts), deadline_(opts), consumer_(consumer) {
    int err = 0;
    gif_.reset(DGifOpen(&reader_, read_mem, &err));
    if (!gif_) {
      const char* msg = GifErrorString(err);
      throw Error(ErrorCode::decode_error,
                  std::string("GIF header unreadable: ") + (msg ? msg : "unknown giflib error"));
    }
    check_pixel_limit(std::max(gif_->SWidth, 1), std::max(gif_->SHeight, 1), opts);
    if (gif_->SColorMap) {
      background_ = gif_->SBackGroundColor;  // Pillow: info["background"] only with a global table
      if (palette_needed(gif_->SColorMap)) global_ = gif_->SColorMap;
    }
  }

  AnimationInfo run(DecodedImage& img, const FrameCallback& on_frame) {
    AnimationInfo info;
    double timestamp = 0;
    for (int n = 0;; ++n) {
      FrameHeader fh;
      try {
        if (!read_header(fh)) {
          if (n == 0) throw Error(ErrorCode::decode_error, "GIF holds no image (no frame 0)");
          break;
        }
        if (n == 0) {
          start_canvas(fh);
        } else if (animation_limit_reached(n, pixels(), opts_, info) || !later_frame_memory_ok(fh, n, info)) {
          break;
        }
        draw(fh, n);
      } catch (const GifFailure& f) {
        if (n == 0) throw Error(ErrorCode::decode_error, "GIF frame 0: " + f.message);
        info.warnings.push_back("GIF frame " + std::to_string(n) + " is damaged (" + f.message +
                                "): the animation ends at frame " + std::to_string(n - 1));
        break;
      }
      emit(img);
      FrameInfo fi;
      fi.index = n;
      fi.timestamp = timestamp;
      fi.duration = fh.delay_cs * 0.01;
      timestamp += fi.duration;
      info.frames = n + 1;
      info.duration = timestamp;
      const DeadlinePause pause(deadline_);  // the callback's time is not decoding
      if (!on_frame(img, fi)) break;
    }
    return info;
  }

 private:
  enum class Mode { P, L, RGB };
  struct FrameHeader {
    int transparent = -1;
    int delay_cs = 0;
    Rect rect;  // unclipped (frame 0 grows the canvas to hold it)
    bool interlace = false;
    const ColorMapObject* local = nullptr;  // a local table, needed or not
    bool local_present = false;
  };
  // A disposal waiting for the next frame: a fill or the saved rectangle.
  struct Dispose {
    bool active = false;
    Rect rect;
    bool fill = false;
    std::array<std::uint8_t, 3> color{};  // index in [0] (P/L) or RGB
    std::vector<std::uint8_t> saved;
  };

  std::uint64_t pixels() const { return std::uint64_t(w_) * std::uint64_t(h_); }
  int bpp() const { return mode_ == Mode::RGB ? 3 : 1; }
  std::vector<std::uint8_t>& plane() { return mode_ == Mode::RGB ? rgb_ : idx_; }

  // Reads extensions up to the next image descriptor; false at the trailer.
  bool read_header(FrameHeader& fh) {
    GifFileType* g = gif_.get();
    for (;;) {
      GifRecordType type;
      if (DGifGetRecordType(g, &type) == GIF_ERROR) fail("damaged record", g->Error);
      if (type == TERMINATE_RECORD_TYPE) return false;
      if (type == EXTENSION_RECORD_TYPE) {
        int code = 0;
        GifByteType* ext = nullptr;
        if (DGifGetExtension(g, &code, &ext) == GIF_ERROR) fail("damaged extension", g->Error);
        bool first = true;
        while (ext != nullptr) {
          if (first && code == GRAPHICS_EXT_FUNC_CODE && ext[0] >= 4) {
            const int flags = ext[1];
            if (flags & 1) fh.transparent = ext[4];
            fh.delay_cs = ext[2] | (ext[3] << 8);
            const int dispose = (flags >> 2) & 7;
            if (dispose) disposal_ = dispose;  // Pillow keeps the last one set
          }
          first = false;
          if (DGifGetExtensionNext(g, &ext) == GIF_ERROR) fail("damaged extension", g->Error);
        }
        continue;
      }
      if (type != IMAGE_DESC_RECORD_TYPE) continue;
      if (DGifGetImageDesc(g) == GIF_ERROR) fail("damaged image descriptor", g->Error);
      const GifImageDesc& d = g->Image;
      if (d.Width <= 0 || d.Height <= 0) throw GifFailure{"a zero width or height"};
      // Every frame's own size, not only the canvas, is bounded: a later frame
      // is decoded whole (then clipped), so its pixels are work to bound.
      // (Frame 0's is checked with the canvas it grows, as image_too_large.)
      if (w_ > 0 && static_cast<std::uint64_t>(d.Width) * static_cast<std::uint64_t>(d.Height) > opts_.max_pixels)
        throw GifFailure{"a frame of " + std::to_string(d.Width) + "x" + std::to_string(d.Height) +
                         " pixels exceeds the limit of " + std::to_string(opts_.max_pixels) + " pixels"};
      fh.rect = Rect{d.Left, d.Top, d.Left + d.Width, d.Top + d.Height};
      fh.interlace = d.Interlace;
      fh.local_present = d.ColorMap != nullptr;
      fh.local = d.ColorMap;
      return true;
    }
  }

  void start_canvas(const FrameHeader& fh) {
    const std::uint64_t cw = std::max<std::uint64_t>(gif_->SWidth, std::uint64_t(fh.rect.x1));
    const std::uint64_t ch = std::max<std::uint64_t>(gif_->SHeight, std::uint64_t(fh.rect.y1));
    check_pixel_limit(cw, ch, opts_);
    // Frame 0 needs the canvas indices and one row of the frame (its fill, a
    // disposal of frame 0, is a colour, not a copy); what later frames add is
    // checked when one is reached (later_frame_memory_ok).
    check_decode_memory(cw * ch + std::uint64_t(fh.rect.w()), opts_,
                        "GIF canvas buffers for " + std::to_string(cw) + "x" + std::to_string(ch));
    w_ = static_cast<int>(cw);
    h_ = static_cast<int>(ch);
  }

  // Before frame n >= 1 is drawn: the memory it needs at its peak, within
  // max_decode_memory? If not, the animation ends before it (truncated, with a
  // warning): frame 0 and the frames before stay valid. The peak is the
  // larger of the conversion to RGB (indices and RGB canvas together, when
  // draw converts) and the plane with the copy of the frame's rectangle that
  // disposal 3 saves, plus the row buffer.
  bool later_frame_memory_ok(const FrameHeader& fh, int n, AnimationInfo& info) {
    const std::uint64_t px = pixels();
    const bool converts = mode_ == Mode::P || (mode_ == Mode::L && frame_palette(fh) != nullptr);
    const std::uint64_t plane_bpp = converts || mode_ == Mode::RGB ? 3 : 1;
    const Rect r = clip(fh.rect);
    const std::uint64_t saved =
        disposal_ >= 3 && r.w() > 0 && r.h() > 0 ? std::uint64_t(r.w()) * std::uint64_t(r.h()) * plane_bpp : 0;
    const std::uint64_t row = std::max<std::uint64_t>(row_.capacity(), std::uint64_t(fh.rect.w()));
    const std::uint64_t need = std::max(converts ? px * 4 : 0, px * plane_bpp + saved) + row;
    if (need <= opts_.max_decode_memory) return true;
    info.truncated = true;
    info.warnings.push_back("GIF frame " + std::to_string(n) + " needs " + std::to_string(need) +
                            " bytes of decoder memory, above the limit of " +
                            std::to_string(opts_.max_decode_memory) +
                            " bytes (max_decode_memory): only the first " + std::to_string(n) +
                            " frames were decoded");
    return false;
  }

  // The frame's palette as Pillow picks it: a needed local table, none for a
  // gray local table, else the global one (none when that is gray).
  const ColorMapObject* frame_palette(const FrameHeader& fh) const {
    if (fh.local_present) return palette_needed(fh.local) ? fh.local : nullptr;
    return global_;
  }

  // Reads the frame's rows one at a time (in interlace order when the frame is
  // interlaced), handing each with its row number inside the frame: no
  // frame-sized buffer, so a later frame far larger than the canvas costs one
  // row of memory (its size is bounded by max_pixels in read_header).
  template <class F>
  void for_each_row(const FrameHeader& fh, F&& on_row) {
    GifFileType* g = gif_.get();
    const int fw = fh.rect.w(), fhh = fh.rect.h();
    row_.resize(static_cast<std::size_t>(fw));
    const auto line = [&](int y) {
      if (DGifGetLine(g, row_.data(), fw) == GIF_ERROR) fail("truncated or damaged", g->Error);
      deadline_.check("GIF");
      on_row(y, row_.data());
    };
    if (fh.interlace) {
      static constexpr int kStart[4] = {0, 4, 2, 1}, kStep[4] = {8, 8, 4, 2};
      for (int pass = 0; pass < 4; ++pass)
        for (int y = kStart[pass]; y < fhh; y += kStep[pass]) line(y);
    } else {
      for (int y = 0; y < fhh; ++y) line(y);
    }
  }

  Rect clip(const Rect& r) const {
    return Rect{std::min(r.x0, w_), std::min(r.y0, h_), std::min(r.x1, w_), std::min(r.y1, h_)};
  }

  void paste_dispose() {
    if (!dispose_.active) return;
    const Rect r = dispose_.rect;
    const int b = bpp();
    std::vector<std::uint8_t>& p = plane();
    for (int y = r.y0; y < r.y1; ++y) {
      std::uint8_t* row = p.data() + (static_cast<std::size_t>(y) * w_ + r.x0) * b;
      if (dispose_.fill) {
        for (int x = 0; x < r.w(); ++x) std::memcpy(row + std::size_t(x) * b, dispose_.color.data(), b);
      } else {
        std::memcpy(row, dispose_.saved.data() + static_cast<std::size_t>(y - r.y0) * r.w() * b,
                    static_cast<std::size_t>(r.w()) * b);
      }
    }
    dispose_.active = false;
    std::vector<std::uint8_t>().swap(dispose_.saved);  // not held through a conversion
  }

  void to_rgb(const Lut& lut) {
    rgb_.resize(idx_.size() * 3);
    expand(idx_.data(), idx_.size(), lut, rgb_.data());
    mode_ = Mode::RGB;
    std::vector<std::uint8_t>().swap(idx_);
  }

  // The disposal of the frame about to be drawn (Pillow computes it in
  // _seek, before the frame's pixels are read).
  void plan_dispose(const FrameHeader& fh, const Rect& r, const Lut& frame_lut, bool first) {
    dispose_ = Dispose{};
    if (disposal_ < 2 || r.w() <= 0 || r.h() <= 0) return;
    dispose_.rect = r;
    const auto set_color = [&](int c) {
      if (mode_ == Mode::RGB)
        std::memcpy(dispose_.color.data(), frame_lut.data() + 3 * c, 3);
      else
        dispose_.color[0] = static_cast<std::uint8_t>(c);
    };
    if (disposal_ == 2) {
      const int t = info_transparent_ >= 0 ? info_transparent_ : fh.transparent;
      set_color(t >= 0 ? t : background_);
      dispose_.fill = dispose_.active = true;
      return;
    }
    if (first) {  // Pillow: no previous image yet, the transparent index if any
      if (fh.transparent < 0) return;
      set_color(fh.transparent);
      dispose_.fill = dispose_.active = true;
      return;
    }
    const int b = bpp();
    const std::vector<std::uint8_t>& p = plane();
    dispose_.saved.resize(static_cast<std::size_t>(r.w()) * r.h() * b);
    for (int y = r.y0; y < r.y1; ++y)
      std::memcpy(dispose_.saved.data() + static_cast<std::size_t>(y - r.y0) * r.w() * b,
                  p.data() + (static_cast<std::size_t>(y) * w_ + r.x0) * b, static_cast<std::size_t>(r.w()) * b);
    dispose_.active = true;
  }

  void draw(const FrameHeader& fh, int n) {
    const ColorMapObject* pal = frame_palette(fh);
    const Lut lut = lut_of(pal);
    if (n == 0) {
      mode_ = pal ? Mode::P : Mode::L;
      lut0_ = lut;
      info_transparent_ = fh.transparent;
      idx_.assign(static_cast<std::size_t>(pixels()),
                  static_cast<std::uint8_t>(fh.transparent >= 0 ? fh.transparent : 0));
      plan_dispose(fh, fh.rect, lut, true);
      for_each_row(fh, [&](int y, const std::uint8_t* src) {
        std::memcpy(idx_.data() + (static_cast<std::size_t>(fh.rect.y0) + y) * w_ + fh.rect.x0, src,
                    static_cast<std::size_t>(fh.rect.w()));
      });
      return;
    }
    paste_dispose();
    if (mode_ == Mode::P) {
      to_rgb(lut0_);
      info_transparent_ = -1;  // Pillow deletes info["transparency"] on the conversion
    } else if (mode_ == Mode::L && pal) {
      to_rgb(lut_of(nullptr));  // a divergence: see the file comment
    }
    const Rect r = clip(fh.rect);
    plan_dispose(fh, r, lut, false);
    const int t = fh.transparent;
    for_each_row(fh, [&](int fy, const std::uint8_t* src) {
      const int y = fh.rect.y0 + fy;
      if (y < r.y0 || y >= r.y1) return;  // clipped
      if (mode_ == Mode::L) {
        std::uint8_t* dst = idx_.data() + static_cast<std::size_t>(y) * w_;
        for (int x = r.x0; x < r.x1; ++x)
          if (src[x - fh.rect.x0] != t) dst[x] = src[x - fh.rect.x0];
      } else {
        std::uint8_t* dst = rgb_.data() + static_cast<std::size_t>(y) * w_ * 3;
        for (int x = r.x0; x < r.x1; ++x) {
          const std::uint8_t c = src[x - fh.rect.x0];
          if (c != t) std::memcpy(dst + 3 * x, lut.data() + 3 * c, 3);
        }
      }
    });
  }

  void emit(DecodedImage& img) {
    img.format = ImageFormat::gif;
    img.width = img.source_width = w_;
    img.height = img.source_height = h_;
    img.gray = mode_ == Mode::L;
    if (consumer_ != nullptr) {
      // Frame 0 to a consumer: a gray (or already RGB) canvas in place, a
      // palette one expanded a batch of rows at a time into img.pixels (its
      // capacity kept between files), left empty as for every consumed image.
      if (mode_ != Mode::P) {
        const bool gray = mode_ == Mode::L;
        consumer_->consume_view(FrameView::packed(gray ? PixelFormat::gray8 : PixelFormat::rgb8,
                                                  gray ? idx_.data() : rgb_.data(), w_, h_));
        return;
      }
      img.pixels.resize(static_cast<std::size_t>(w_) * 3 * static_cast<std::size_t>(std::min(h_, 64)));
      ExpandedRows rows;
      rows.idx = idx_.data();
      rows.width = w_;
      rows.lut = &lut0_;
      rows.buf = &img.pixels;
      consumer_->consume(PixelFormat::rgb8, w_, h_, rows);
      img.pixels.clear();
      return;
    }
    if (mode_ == Mode::L) {
      img.pixels.assign(idx_.begin(), idx_.end());
    } else if (mode_ == Mode::RGB) {
      img.pixels.assign(rgb_.begin(), rgb_.end());
    } else {
      img.pixels.resize(idx_.size() * 3);
      expand(idx_.data(), idx_.size(), lut0_, img.pixels.data());
    }
  }

  MemReader reader_;
  const DecodeOptions& opts_;
  DecodeDeadline deadline_;
  RowConsumer* consumer_;  // frame 0 only (decode_gif): hashed as it is emitted
  std::unique_ptr<GifFileType, GifCloser> gif_;
  const ColorMapObject* global_ = nullptr;
  int background_ = 0;
  int disposal_ = 0;
  int info_transparent_ = -1;
  int w_ = 0, h_ = 0;
  Mode mode_ = Mode::L;
  Lut lut0_{};
  std::vector<std::uint8_t> idx_, rgb_, row_;
  Dispose dispose_;
};
}  // namespace

AnimationInfo gif_frames(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& img,
                         const FrameCallback& on_frame) {
  GifFrames frames(bytes, opts);
  return frames.run(img, on_frame);
}

void decode_gif(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& img,
                RowConsumer* consumer) {
  GifFrames frames(bytes, opts, consumer);
  frames.run(img, [](const DecodedImage&, const FrameInfo&) { return false; });
}

}  // namespace pdqguard::detail
