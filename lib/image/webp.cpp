// WebP (lossy, lossless, alpha, animated) through libwebp's demux API, decoded
// as Pillow 9.4 does: WebPAnimDecoder into an RGBA canvas, frame 0, RGB kept as
// stored (alpha dropped, not composited); frame n as Pillow's seek(n): the
// decoder's canvas after n more GetNext calls (libwebp blends and disposes),
// timestamps as Pillow's (a frame's start, from libwebp's end times). The
// EXIF chunk's orientation is applied to every frame only with
// apply_exif_orientation.
#include "image/decoders.hpp"

#include <pdqguard/error.hpp>

#include <webp/decode.h>
#include <webp/demux.h>

#include <cstring>
#include <memory>

namespace pdqguard::detail {

namespace {
struct AnimDecoderDeleter {
  void operator()(WebPAnimDecoder* d) const noexcept { WebPAnimDecoderDelete(d); }
};

// The orientation in the EXIF chunk of a VP8X file (a TIFF structure; some
// writers put "Exif\0\0" before it), or 0.
int exif_orientation(const WebPDemuxer* demux) {
  WebPChunkIterator it;
  if (demux == nullptr || !WebPDemuxGetChunk(demux, "EXIF", 1, &it)) return 0;
  const std::uint8_t* p = it.chunk.bytes;
  const std::size_t size = it.chunk.size;
  const int o = size >= 6 && std::memcmp(p, "Exif\0\0", 6) == 0 ? read_exif_orientation(p, size)
                                                                   : read_tiff_orientation(p, size);
  WebPDemuxReleaseChunkIterator(&it);
  return o;
}
}  // namespace

AnimationInfo webp_frames(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& img,
                          const FrameCallback& on_frame) {
  WebPBitstreamFeatures features;
  const VP8StatusCode st = WebPGetFeatures(bytes.data(), bytes.size(), &features);
  if (st != VP8_STATUS_OK)
    throw Error(ErrorCode::decode_error,
                "WebP header unreadable (libwebp status " + std::to_string(static_cast<int>(st)) + ")");
  // For an animation these are the canvas sides (VP8X): the decoder allocates
  // the canvas when it is created, so check before that.
  check_pixel_limit(static_cast<std::uint64_t>(features.width),
                    static_cast<std::uint64_t>(features.height), opts);
  DecodeDeadline deadline(opts);
  if (!features.has_animation && !opts.apply_exif_orientation) {
    // A still image: libwebp's anim decoder would give exactly this image's
    // RGBA (a key frame is decoded straight into the cleared canvas), so decode
    // its RGB in place, without the RGBA canvas and the copy out of it. libwebp
    // may still need a whole-image ARGB buffer (lossless): 4 bytes a pixel.
    check_decode_memory(std::uint64_t(features.width) * std::uint64_t(features.height) * 4, opts,
                        "WebP decoder buffers for " + std::to_string(features.width) + "x" +
                            std::to_string(features.height));
    const std::size_t n = static_cast<std::size_t>(features.width) * features.height;
    img.format = ImageFormat::webp;
    img.width = img.source_width = features.width;
    img.height = img.source_height = features.height;
    img.gray = false;
    img.pixels.resize(n * 3);
    if (!WebPDecodeRGBInto(bytes.data(), bytes.size(), img.pixels.data(), img.pixels.size(), features.width * 3))
      throw Error(ErrorCode::decode_error, "WebP frame 0 could not be decoded (damaged bitstream)");
    AnimationInfo result;
    result.frames = 1;
    deadline.check("WebP");
    on_frame(img, FrameInfo{});
    return result;
  }
  // WebPAnimDecoder keeps two RGBA canvases (the frame and the disposed previous one).
  check_decode_memory(std::uint64_t(features.width) * std::uint64_t(features.height) * 8, opts,
                      "WebP canvases for " + std::to_string(features.width) + "x" +
                          std::to_string(features.height));
  WebPAnimDecoderOptions dopts;
  if (!WebPAnimDecoderOptionsInit(&dopts))
    throw Error(ErrorCode::internal_error, "libwebp version mismatch");
  dopts.color_mode = MODE_RGBA;
  dopts.use_threads = 0;
  WebPData data{bytes.data(), bytes.size()};
  std::unique_ptr<WebPAnimDecoder, AnimDecoderDeleter> dec(WebPAnimDecoderNew(&data, &dopts));
  if (!dec) throw Error(ErrorCode::decode_error, "WebP container is damaged (demux failed)");
  WebPAnimInfo info;
  if (!WebPAnimDecoderGetInfo(dec.get(), &info))
    throw Error(ErrorCode::decode_error, "WebP container is damaged (no canvas info)");
  check_pixel_limit(info.canvas_width, info.canvas_height, opts);
  const std::size_t n = static_cast<std::size_t>(info.canvas_width) * info.canvas_height;
  const int orientation = opts.apply_exif_orientation ? exif_orientation(WebPAnimDecoderGetDemuxer(dec.get())) : 0;
  AnimationInfo result;
  int previous_end = 0;  // ms: libwebp gives each frame's end time
  for (int k = 0;; ++k) {
    if (k > 0 && !WebPAnimDecoderHasMoreFrames(dec.get())) break;
    if (k > 0 && animation_limit_reached(k, n, opts, result)) break;
    std::uint8_t* rgba = nullptr;
    int end = 0;
    if (!WebPAnimDecoderGetNext(dec.get(), &rgba, &end) || rgba == nullptr) {
      if (k == 0) throw Error(ErrorCode::decode_error, "WebP frame 0 could not be decoded (damaged bitstream)");
      result.warnings.push_back("WebP frame " + std::to_string(k) +
                                " could not be decoded (damaged bitstream): the animation ends at frame " +
                                std::to_string(k - 1));
      break;
    }
    deadline.check("WebP");
    img.format = ImageFormat::webp;
    img.width = img.source_width = static_cast<int>(info.canvas_width);
    img.height = img.source_height = static_cast<int>(info.canvas_height);
    img.gray = false;
    img.pixels.resize(n * 3);
    std::uint8_t* out = img.pixels.data();
    for (std::size_t i = 0; i < n; ++i) {
      out[3 * i] = rgba[4 * i];
      out[3 * i + 1] = rgba[4 * i + 1];
      out[3 * i + 2] = rgba[4 * i + 2];
    }
    if (orientation != 0) {
      img.exif_orientation = orientation;
      apply_orientation(img, orientation);
    }
    FrameInfo fi;
    fi.index = k;
    fi.timestamp = previous_end * 0.001;  // Pillow: the frame's start
    fi.duration = (end - previous_end) * 0.001;
    previous_end = end;
    result.frames = k + 1;
    result.duration = end * 0.001;
    const DeadlinePause pause(deadline);  // the callback's time is not decoding
    if (!on_frame(img, fi)) break;
  }
  return result;
}

void decode_webp(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& img) {
  webp_frames(bytes, opts, img, [](const DecodedImage&, const FrameInfo&) { return false; });
}

}  // namespace pdqguard::detail
