// Internal: one decoder per format, called by decode_image after sniffing.
#pragma once

#include <pdqguard/image.hpp>

#include <span>

namespace pdqguard::detail {

/// Throws Error(resource_limit) when a decoder would need `bytes` of working
/// memory (beyond the output pixels) above opts.max_decode_memory; `what` names
/// the buffer in the message ("WebP canvases for 9000x9000"). Call it from the
/// header, before allocating.
void check_decode_memory(std::uint64_t bytes, const DecodeOptions& opts, const std::string& what);

/// The CPU-time deadline of one decode (DecodeOptions::max_decode_cpu_ms),
/// measured on the calling thread's CPU clock from construction, minus the
/// time spent paused (pause/resume: the frame callback of an animation is not
/// decoding). No limit: every call is a no-op that reads no clock. Not
/// thread-safe: one decoding thread owns it.
class DecodeDeadline {
 public:
  explicit DecodeDeadline(const DecodeOptions& opts) noexcept;
  /// True once the thread has spent more than the limit since construction
  /// (paused time excluded).
  bool expired() const noexcept;
  /// Stops counting until resume(); a second pause() before resume() is a
  /// no-op.
  void pause() noexcept;
  /// Counts again, from now: the time since pause() is not counted.
  void resume() noexcept;
  /// The resource_limit message for `format` ("JPEG"), naming the limit.
  std::string message(const char* format) const;
  /// The same into buf (always terminated), without allocating: for a libjpeg
  /// callback that longjmps.
  void format_message(char* buf, std::size_t size, const char* format) const noexcept;
  /// Throws Error(resource_limit) when expired().
  void check(const char* format) const;

 private:
  std::uint64_t limit_ns_ = 0;
  std::uint64_t start_ns_ = 0;
  std::uint64_t paused_at_ns_ = 0;
  bool paused_ = false;
};

/// Pauses a DecodeDeadline for its own lifetime: around an animation's frame
/// callback, so only decoding counts toward max_decode_cpu_ms.
class DeadlinePause {
 public:
  explicit DeadlinePause(DecodeDeadline& d) noexcept : d_(d) { d_.pause(); }
  ~DeadlinePause() { d_.resume(); }
  DeadlinePause(const DeadlinePause&) = delete;
  DeadlinePause& operator=(const DeadlinePause&) = delete;

 private:
  DecodeDeadline& d_;
};

/// The EXIF orientation (1..8) from the payload of an APP1 marker (starting
/// with "Exif\0\0"), or 0 when absent or malformed. Reads only inside
/// [data, data+size); never throws.
int read_exif_orientation(const std::uint8_t* data, std::size_t size) noexcept;
/// The same from a bare TIFF structure ("II"/"MM", 42, IFD0), as a PNG eXIf
/// chunk holds it. Same bounds and result.
int read_tiff_orientation(const std::uint8_t* data, std::size_t size) noexcept;
/// Rotates/flips img.pixels in place (new buffer) so that the image displays
/// upright for EXIF `orientation` 2..8; 1 and anything else leave it unchanged.
void apply_orientation(DecodedImage& img, int orientation);

/// Takes a decoder's rows as they are decoded instead of a pixel buffer.
struct RowConsumer {
  /// Called once, after the header, with the output format (gray8 or rgb8)
  /// and size; must pull every row from `src` before returning.
  virtual void consume(PixelFormat format, int width, int height, RowSource& src) = 0;
  /// Called instead, once, by a decoder whose pixels already lie in memory in
  /// the output layout (PNM: the file's own bytes), so they are hashed in place
  /// without a copy; `view` is valid only during the call.
  virtual void consume_view(const FrameView& view) = 0;

 protected:
  ~RowConsumer() = default;
};

/// decode_image_into, with rows going to `consumer` where the format allows it
/// (JPEG rows, PNM pixels in place, GIF frame 0; the other decoders fill
/// out.pixels and ignore it).
void decode_dispatch(std::span<const std::uint8_t> bytes, DecodedImage& out,
                     const DecodeOptions& opts, RowConsumer* consumer);

/// Decoders: fill `out`, which decode_image_into has reset (pixels keeps its
/// capacity so a caller decoding many files does not fault in new pages).
/// decode_pnm with a consumer hands it a view of the pixels inside `bytes`
/// (consume_view) and leaves out.pixels empty.
void decode_pnm(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& out,
                RowConsumer* consumer = nullptr);
/// decode_jpeg with a consumer streams rows to it and leaves out.pixels empty
/// (except when an EXIF orientation must be applied: then the pixels are
/// decoded as usual and the consumer is not called).
void decode_jpeg(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& out,
                 RowConsumer* consumer = nullptr);
void decode_png(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& out);
/// WebP (libwebp demux/anim decoder), GIF (giflib), TIFF (libtiff) and BMP (our
/// own reader): frame 0 as Pillow 9.4 decodes it (README "Decoding").
void decode_webp(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& out);
/// decode_gif with a consumer hands it frame 0 (a gray canvas in place, a colour
/// one as RGB rows expanded a batch at a time) and leaves out.pixels empty.
void decode_gif(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& out,
                RowConsumer* consumer = nullptr);
void decode_tiff(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& out);
/// The animation limits, checked once frame n (n >= 1) is known to exist on a
/// canvas of `canvas_pixels`: true when it must not be decoded (max_frames, or
/// max_animation_pixels for n+1 canvases), with info.truncated set and a warning.
bool animation_limit_reached(int n, std::uint64_t canvas_pixels, const DecodeOptions& opts, AnimationInfo& info);
/// Every frame of a GIF / WebP into `img` (reset per frame), as decode_frames.
AnimationInfo gif_frames(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& img,
                         const FrameCallback& on_frame);
AnimationInfo webp_frames(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& img,
                          const FrameCallback& on_frame);
/// True when a PNG has an acTL chunk before its image data (an APNG).
bool is_apng(std::span<const std::uint8_t> bytes);
/// Every frame of an APNG, as decode_frames (frame 0: decode_png's image).
AnimationInfo apng_frames(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& img,
                          const FrameCallback& on_frame);
void decode_bmp(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& out);
/// HEIC/HEIF or AVIF (libheif, default options, interleaved 8-bit RGB); `format`
/// (heif or avif, as sniffed) names the record and the errors.
void decode_heif(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& out,
                 ImageFormat format);

}  // namespace pdqguard::detail
