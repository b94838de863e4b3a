// FrameStream: sampling policy and hashing for live streams of caller-owned frames.
#include <pdqguard/error.hpp>
#include <pdqguard/video.hpp>

#include <cmath>
#include <string>
#include <string_view>
#include <limits>

namespace pdqguard {

StreamSampler::StreamSampler(double seconds_per_hash, int frames_per_hash)
    : seconds_per_hash_(seconds_per_hash),
      frames_per_hash_(frames_per_hash),
      last_ts_(-std::numeric_limits<double>::infinity()) {
  if (!(seconds_per_hash >= 0) || !std::isfinite(seconds_per_hash))
    throw Error(ErrorCode::invalid_argument, "seconds_per_hash must be a finite number >= 0");
  if (frames_per_hash < 0)
    throw Error(ErrorCode::invalid_argument, "frames_per_hash must be >= 0 (0 = time-based)");
}

bool StreamSampler::would_sample(double timestamp) const noexcept {
  if (!std::isfinite(timestamp) || timestamp < last_ts_) return false;
  if (frames_per_hash_ > 0) return seen_ % frames_per_hash_ == 0;
  if (seconds_per_hash_ == 0 || !started_) return true;
  return timestamp >= next_due_;
}

void StreamSampler::advance(double timestamp, bool sampled) noexcept {
  last_ts_ = timestamp;
  ++seen_;
  if (!sampled || frames_per_hash_ > 0 || seconds_per_hash_ == 0) return;
  if (!started_) {
    started_ = true;
    base_ts_ = timestamp;
  }
  // The next multiple of the interval (counted from the first sample) after this frame.
  const double k = std::floor((timestamp - base_ts_) / seconds_per_hash_) + 1;
  next_due_ = base_ts_ + k * seconds_per_hash_;
}

struct FrameStream::Impl {
  StreamOptions opts;
  StreamSampler sampler;
  Hasher hasher;
  std::int64_t kept = 0, skipped = 0;
  bool have_kept = false;
  Hash256 last_kept;
  Impl(const StreamOptions& o) : opts(o), sampler(o.seconds_per_hash, o.frames_per_hash) {}
};

FrameStream::FrameStream(const StreamOptions& o) {
  if (o.width <= 0 || o.height <= 0)
    throw Error(ErrorCode::invalid_argument, "stream frame size must be positive");
  if (std::string_view(pixel_format_name(o.format)) == "unknown")
    throw Error(ErrorCode::invalid_argument, "unknown stream pixel format");
  if (o.skip_distance < -1 || o.skip_distance > 256)
    throw Error(ErrorCode::invalid_argument, "skip_distance must be -1 (off) or 0..256");
  impl_ = std::make_unique<Impl>(o);  // the sampler checks the sampling options
}

FrameStream::~FrameStream() = default;
FrameStream::FrameStream(FrameStream&&) noexcept = default;
FrameStream& FrameStream::operator=(FrameStream&&) noexcept = default;

bool FrameStream::would_sample(double timestamp) const noexcept {
  return impl_->sampler.would_sample(timestamp);
}

StreamVerdict FrameStream::push(const FrameView& frame, double timestamp, StreamSample& out) {
  return push(frame, timestamp, out, impl_->opts.dihedral);
}

StreamVerdict FrameStream::push(const FrameView& frame, double timestamp, StreamSample& out,
                                bool dihedral) {
  Impl& s = *impl_;
  if (!std::isfinite(timestamp) || timestamp < s.sampler.last_timestamp())
    throw Error(ErrorCode::invalid_argument,
                "stream timestamps must be finite and never decrease (presentation order)");
  const bool sample = s.sampler.would_sample(timestamp);
  out.frame_number = s.sampler.frames_seen();
  out.timestamp = timestamp;
  if (!sample) {
    s.sampler.advance(timestamp, false);
    return StreamVerdict::unsampled;
  }
  if (frame.format != s.opts.format || frame.width != s.opts.width || frame.height != s.opts.height)
    throw Error(ErrorCode::invalid_argument,
                std::string("frame is ") + pixel_format_name(frame.format) + " " +
                    std::to_string(frame.width) + "x" + std::to_string(frame.height) +
                    ", the stream was created for " + pixel_format_name(s.opts.format) + " " +
                    std::to_string(s.opts.width) + "x" + std::to_string(s.opts.height));
  // Hashing validates the view and throws before any state changes.
  out.dihedral = dihedral ? s.hasher.hash_dihedral(frame)
                          : DihedralResult::from_plain(s.hasher.hash(frame));
  out.result = out.dihedral.plain();
  s.sampler.advance(timestamp, true);
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
std::int64_t FrameStream::frames_pushed() const noexcept { return impl_->sampler.frames_seen(); }
std::int64_t FrameStream::frames_kept() const noexcept { return impl_->kept; }
std::int64_t FrameStream::frames_skipped() const noexcept { return impl_->skipped; }

}  // namespace pdqguard
