// Fuzz target: video from memory (libavformat probing and demuxing behind our
// AVIOContext, libavcodec decoding, swscale conversion, vPDQ sampling, hashing),
// in both modes, and the vPDQ hash-file parsers on the same bytes. Limits are
// small so the fuzzer cannot ask for huge or long videos. Every failure must be
// a pdqguard::Error with a real code, never a crash, a hang or internal_error.
#include <pdqguard/error.hpp>
#include <pdqguard/image.hpp>
#include <pdqguard/video.hpp>
#include <pdqguard/vpdq.hpp>

#include <cstdlib>
#include <cstring>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::uint8_t last = size > 0 ? data[size - 1] : 0;
  pdqguard::VideoOptions o;
  o.max_pixels = 1u << 16;
  o.max_bytes = 4u << 20;
  o.max_frames = 300;
  o.max_duration_seconds = 600;
  o.seconds_per_hash = (last & 1) ? 0.0 : 0.5;
  o.mode = (last & 2) ? pdqguard::VideoMode::luma : pdqguard::VideoMode::compatible;
  o.downsample = (last & 4) ? 16 : 0;
  o.key_frames_only = (last & 8) != 0;
  static pdqguard::VideoHasher hasher;  // reused, as a worker does
  // The scan's video sniff on the same bytes: a name from the fixed set or null,
  // and never for bytes the image sniffer claims.
  if (const char* c = pdqguard::sniff_video_container({data, size})) {
    if (pdqguard::sniff_format({data, size}) != pdqguard::ImageFormat::unknown) std::abort();
    if (std::strlen(c) == 0) std::abort();
  }
  try {
    const pdqguard::VideoHashes v = hasher.hash_memory(data, size, o);
    if (v.info.frames_hashed != static_cast<std::int64_t>(v.frames.size())) std::abort();
    if (v.info.frames_decoded <= 0 || v.info.frame_mod < 1) std::abort();
    for (const auto& f : v.frames)
      if (f.quality < 0 || f.quality > 100 || f.frame_number < 0) std::abort();
    if (!o.key_frames_only)  // key frames are numbered by position, not sampled by frame_mod
      for (const auto& f : v.frames)
        if (f.frame_number % v.info.frame_mod != 0) std::abort();
  } catch (const pdqguard::Error& e) {
    if (e.code() == pdqguard::ErrorCode::internal_error || e.code() == pdqguard::ErrorCode::ok)
      std::abort();
  }
  try {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)pdqguard::parse_vpdq(text, "fuzz");
    (void)pdqguard::looks_like_vpdq(text);
  } catch (const pdqguard::Error& e) {
    if (e.code() != pdqguard::ErrorCode::list_parse_error) std::abort();
  }
  return 0;
}
