#include "raw_frames.hpp"

#include "fd_reader.hpp"
#include "signals.hpp"

#include <pdqguard/error.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace pdqguard::cli {

RawLayout parse_raw_layout(const std::string& format, const std::string& size,
                           const DecodeOptions& limits) {
  RawLayout l;
  l.name = format;
  int w = 0, h = 0;
  char x = 0, extra = 0;
  if (std::sscanf(size.c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3 || (x != 'x' && x != 'X') ||
      w <= 0 || h <= 0 || w > 65535 || h > 65535)
    throw Error(ErrorCode::invalid_argument, "--size must be WxH (e.g. 1280x720), got '" + size + "'");
  if (!parse_pixel_format(format, l.format))
    throw Error(ErrorCode::invalid_argument,
                "--raw must be gray8, rgb8, rgba8, bgr8, bgra8, i420 or nv12 (or ffmpeg's gray, rgb24, "
                "rgba, bgr24, bgra, yuv420p), got '" + format + "'");
  check_pixel_limit(static_cast<std::uint64_t>(w), static_cast<std::uint64_t>(h), limits);  // --max-pixels
  l.width = w;
  l.height = h;
  l.frame_bytes = packed_frame_bytes(l.format, w, h);  // the library's one frame geometry
  return l;
}

FrameView raw_view(const RawLayout& l, const std::uint8_t* p) {
  return FrameView::packed_planes(l.format, p, l.width, l.height);
}

void read_raw_frames(const std::string& path, const RawLayout& l, std::size_t max_in_flight,
                     const Emit& emit, StreamSampler* sampler, double fps) {
  FdReader r(path);
  r.grow_pipe(l.frame_bytes);
  // Buffers circulate reader -> queue -> worker -> pool, at most `max_in_flight`
  // of them: the reader waits for a returned buffer rather than making more.
  const auto pool = std::make_shared<FramePool>(l.frame_bytes, max_in_flight);
  // Every page fault of the stream happens here, none per frame; frames too
  // large for that to be cheap (over 256 MiB in all) are faulted in as read.
  if (l.frame_bytes <= (std::size_t(256) << 20) / std::max<std::size_t>(max_in_flight, 1)) pool->prefault();
  FrameBuffer buf;
  for (std::int64_t n = 0;; ++n) {
    if (buf.empty()) buf = pool->acquire();
    const std::size_t got = r.read_exact(buf.data(), l.frame_bytes);
    if (got == 0) return;
    WorkItem w;
    w.kind = InputKind::frame;
    w.path = path;
    w.number = n;
    if (got < l.frame_bytes) {
      if (stop_signal()) return;  // interrupted mid-frame: not a damaged stream
      w.error = "decode_error";
      w.message = "truncated frame: got " + std::to_string(got) + " of " +
                  std::to_string(l.frame_bytes) + " bytes";
      emit(std::move(w));
      return;
    }
    if (sampler != nullptr) {  // the library's sampling policy decides
      const double ts = vpdq_timestamp(n, fps);
      const bool take = sampler->would_sample(ts);
      sampler->advance(ts, take);
      if (!take) continue;  // the buffer is read into again
    }
    w.bytes = std::move(buf);
    if (!emit(std::move(w))) return;
  }
}

}  // namespace pdqguard::cli
