// Raw frame streams (--raw FORMAT --size WxH): layouts and the frame reader.
#pragma once

#include "work_item.hpp"

#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>
#include <pdqguard/video.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

namespace pdqguard::cli {

/// Raw frame layouts accepted by --raw.
struct RawLayout {
  std::string name;  ///< as given on the command line
  PixelFormat format = PixelFormat::gray8;
  int width = 0, height = 0;
  std::size_t frame_bytes = 0;
};
/// Parses --raw FORMAT and --size WxH; throws Error(invalid_argument), or
/// Error(image_too_large) when WxH is above limits.max_pixels (--max-pixels
/// holds raw frames as it holds decoded images).
RawLayout parse_raw_layout(const std::string& format, const std::string& size,
                           const DecodeOptions& limits = {});
/// A FrameView over one frame's bytes laid out as `l` (hashed in place, no copy).
FrameView raw_view(const RawLayout& l, const std::uint8_t* p);
/// Reads frames of `l.frame_bytes` from `path` ("-" = stdin), one item each, each
/// read straight into a recycled buffer (FramePool): in steady state a frame
/// costs no allocation, no zero fill and no page fault. At most `max_in_flight`
/// frames exist at once (the reader waits for the consumers to finish one: give
/// it the number of workers + 2 so the reader can work ahead by one while every
/// worker hashes). A short last frame becomes a decode_error item. With a
/// `sampler` (--fps), frame N is offered to it at vpdq_timestamp(N, fps) and only
/// its samples become items (numbered N); the others are read into the same
/// buffer and dropped. Throws Error(io_error) if `path` cannot be opened.
void read_raw_frames(const std::string& path, const RawLayout& l, std::size_t max_in_flight,
                     const Emit& emit, StreamSampler* sampler = nullptr, double fps = 0);

}  // namespace pdqguard::cli
