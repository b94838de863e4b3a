// WebP (lossy, lossless, alpha, animated) through libwebp's demux API, decoded
// as Pillow 9.4 does: WebPAnimDecoder into an RGBA canvas, frame 0, RGB kept as
// stored (alpha dropped, not composited).
#include "image/decoders.hpp"

#include <pdqguard/error.hpp>

#include <webp/decode.h>
#include <webp/demux.h>

#include <memory>

namespace pdqguard::detail {

namespace {
struct AnimDecoderDeleter {
  void operator()(WebPAnimDecoder* d) const noexcept { WebPAnimDecoderDelete(d); }
};
}  // namespace

void decode_webp(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& img) {
  WebPBitstreamFeatures features;
  const VP8StatusCode st = WebPGetFeatures(bytes.data(), bytes.size(), &features);
  if (st != VP8_STATUS_OK)
    throw Error(ErrorCode::decode_error,
                "WebP header unreadable (libwebp status " + std::to_string(static_cast<int>(st)) + ")");
  // For an animation these are the canvas sides (VP8X): the decoder allocates
  // the canvas when it is created, so check before that.
  check_pixel_limit(static_cast<std::uint64_t>(features.width),
                    static_cast<std::uint64_t>(features.height), opts);
  // WebPAnimDecoder keeps two RGBA canvases (the frame and the disposed previous one).
  const DecodeDeadline deadline(opts);
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
  std::uint8_t* rgba = nullptr;
  int timestamp = 0;
  if (!WebPAnimDecoderGetNext(dec.get(), &rgba, &timestamp) || rgba == nullptr)
    throw Error(ErrorCode::decode_error, "WebP frame 0 could not be decoded (damaged bitstream)");
  deadline.check("WebP");
  const std::size_t n = static_cast<std::size_t>(info.canvas_width) * info.canvas_height;
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
}

}  // namespace pdqguard::detail
