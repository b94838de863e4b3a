#include "raw_frames.hpp"

#include "fd_reader.hpp"
#include "signals.hpp"

#include <pdqguard/error.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace pdqguard::cli {

RawLayout parse_raw_layout(const std::string& format, const std::string& size) {
  RawLayout l;
  l.name = format;
  int w = 0, h = 0;
  char x = 0, extra = 0;
  if (std::sscanf(size.c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3 || (x != 'x' && x != 'X') ||
      w <= 0 || h <= 0 || w > 65535 || h > 65535)
    throw Error(ErrorCode::invalid_argument, "--size must be WxH (e.g. 1280x720), got '" + size + "'");
  l.width = w;
  l.height = h;
  const std::size_t px = std::size_t(w) * std::size_t(h);
  const std::size_t chroma = std::size_t((w + 1) / 2) * std::size_t((h + 1) / 2);
  if (format == "gray8" || format == "gray") l.frame_bytes = px;
  else if (format == "rgb24" || format == "bgr24") l.frame_bytes = px * 3;
  else if (format == "rgba" || format == "bgra") l.frame_bytes = px * 4;
  else if (format == "yuv420p" || format == "nv12") l.frame_bytes = px + 2 * chroma;
  else
    throw Error(ErrorCode::invalid_argument,
                "--raw must be gray8, rgb24, bgr24, rgba, bgra, yuv420p or nv12, got '" + format + "'");
  return l;
}

FrameView raw_view(const RawLayout& l, const std::uint8_t* p) {
  const int w = l.width, h = l.height;
  const std::ptrdiff_t cw = (w + 1) / 2;
  const std::ptrdiff_t ysz = std::ptrdiff_t(w) * h, csz = cw * ((h + 1) / 2);
  if (l.name == "gray8" || l.name == "gray") return FrameView::packed(PixelFormat::gray8, p, w, h);
  if (l.name == "rgb24") return FrameView::packed(PixelFormat::rgb8, p, w, h);
  if (l.name == "bgr24") return FrameView::packed(PixelFormat::bgr8, p, w, h);
  if (l.name == "rgba") return FrameView::packed(PixelFormat::rgba8, p, w, h);
  if (l.name == "bgra") return FrameView::packed(PixelFormat::bgra8, p, w, h);
  if (l.name == "yuv420p") return FrameView::i420(p, w, p + ysz, cw, p + ysz + csz, cw, w, h);
  return FrameView::nv12(p, w, p + ysz, 2 * cw, w, h);
}

void read_raw_frames(const std::string& path, const RawLayout& l, std::size_t max_in_flight,
                     const Emit& emit) {
  FdReader r(path);
  r.grow_pipe(l.frame_bytes);
  // Buffers circulate reader -> queue -> worker -> pool, at most `max_in_flight`
  // of them: the reader waits for a returned buffer rather than making more.
  const auto pool = std::make_shared<FramePool>(l.frame_bytes, max_in_flight);
  // Every page fault of the stream happens here, none per frame; frames too
  // large for that to be cheap (over 256 MiB in all) are faulted in as read.
  if (l.frame_bytes <= (std::size_t(256) << 20) / std::max<std::size_t>(max_in_flight, 1)) pool->prefault();
  for (std::int64_t n = 0;; ++n) {
    WorkItem w;
    w.kind = InputKind::frame;
    w.path = path;
    w.number = n;
    w.bytes = pool->acquire();
    const std::size_t got = r.read_exact(w.bytes.data(), l.frame_bytes);
    if (got == 0) return;
    if (got < l.frame_bytes) {
      if (stop_signal()) return;  // interrupted mid-frame: not a damaged stream
      w.bytes.reset();
      w.error = "decode_error";
      w.message = "truncated frame: got " + std::to_string(got) + " of " +
                  std::to_string(l.frame_bytes) + " bytes";
      emit(std::move(w));
      return;
    }
    if (!emit(std::move(w))) return;
  }
}

}  // namespace pdqguard::cli
