// FrameStream: sampling policy and hashing for live streams of caller-owned frames.
#include <pdqguard/error.hpp>
#include <pdqguard/video.hpp>

#include <cmath>
#include <string>
#include <string_view>
#include <limits>

namespace pdqguard {

struct FrameStream::Impl {
  StreamOptions opts;
  Hasher hasher;
  std::int64_t pushed = 0, kept = 0, skipped = 0;
  double last_ts = -std::numeric_limits<double>::infinity();
  bool started = false;
  double base_ts = 0;   // the first frame's timestamp
  double next_due = 0;  // time-based: the next sample is the first frame at or after this
  bool have_kept = false;
  Hash256 last_kept;
};

FrameStream::FrameStream(const StreamOptions& o) : impl_(std::make_unique<Impl>()) {
  if (o.width <= 0 || o.height <= 0)
    throw Error(ErrorCode::invalid_argument, "stream frame size must be positive");
  if (std::string_view(pixel_format_name(o.format)) == "unknown")
    throw Error(ErrorCode::invalid_argument, "unknown stream pixel format");
  if (!(o.seconds_per_hash >= 0) || !std::isfinite(o.seconds_per_hash))
    throw Error(ErrorCode::invalid_argument, "seconds_per_hash must be a finite number >= 0");
  if (o.frames_per_hash < 0)
    throw Error(ErrorCode::invalid_argument, "frames_per_hash must be >= 0 (0 = time-based)");
  if (o.skip_distance < -1 || o.skip_distance > 256)
    throw Error(ErrorCode::invalid_argument, "skip_distance must be -1 (off) or 0..256");
  impl_->opts = o;
}

FrameStream::~FrameStream() = default;
FrameStream::FrameStream(FrameStream&&) noexcept = default;
FrameStream& FrameStream::operator=(FrameStream&&) noexcept = default;

bool FrameStream::would_sample(double timestamp) const noexcept {
  const Impl& s = *impl_;
  if (!std::isfinite(timestamp) || timestamp < s.last_ts) return false;
  if (s.opts.frames_per_hash > 0) return s.pushed % s.opts.frames_per_hash == 0;
  if (s.opts.seconds_per_hash == 0 || !s.started) return true;
  return timestamp >= s.next_due;
}

StreamVerdict FrameStream::push(const FrameView& frame, double timestamp, StreamSample& out) {
  Impl& s = *impl_;
  if (!std::isfinite(timestamp) || timestamp < s.last_ts)
    throw Error(ErrorCode::invalid_argument,
                "stream timestamps must be finite and never decrease (presentation order)");
  const bool sample = would_sample(timestamp);
  const std::int64_t n = s.pushed;
  out.frame_number = n;
  out.timestamp = timestamp;
  if (!sample) {
    s.last_ts = timestamp;
    s.pushed = n + 1;
    return StreamVerdict::unsampled;
  }
  if (frame.format != s.opts.format || frame.width != s.opts.width || frame.height != s.opts.height)
    throw Error(ErrorCode::invalid_argument,
                std::string("frame is ") + pixel_format_name(frame.format) + " " +
                    std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                    ", the stream was created for " + pixel_format_name(s.opts.format) + " " +
                    std::to_string(s.opts.width) + "x" + std::to_string(s.opts.height));
  out.result = s.hasher.hash(frame);  // validates the view; throws before any state changes
  s.last_ts = timestamp;
  s.pushed = n + 1;
  if (s.opts.frames_per_hash == 0 && s.opts.seconds_per_hash > 0) {
    if (!s.started) {
      s.started = true;
      s.base_ts = timestamp;
    }
    // The next multiple of the interval (counted from the first sample) after this frame.
    const double k = std::floor((timestamp - s.base_ts) / s.opts.seconds_per_hash) + 1;
    s.next_due = s.base_ts + k * s.opts.seconds_per_hash;
  }
  if (s.opts.skip_distance >= 0 && s.have_kept &&
      distance(out.result.hash, s.last_kept) <= s.opts.skip_distance) {
    ++s.skipped;
    return StreamVerdict::skipped;
  }
  s.have_kept = true;
  s.last_kept = out.result.hash;
  ++s.kept;
  return StreamVerdict::kept;
}

const StreamOptions& FrameStream::options() const noexcept { return impl_->opts; }
std::int64_t FrameStream::frames_pushed() const noexcept { return impl_->pushed; }
std::int64_t FrameStream::frames_kept() const noexcept { return impl_->kept; }
std::int64_t FrameStream::frames_skipped() const noexcept { return impl_->skipped; }

}  // namespace pdqguard
