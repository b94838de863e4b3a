// Video decoding (libavformat/libavcodec/libswscale) and vPDQ-compatible sampling.
//
// The bytes reach libavformat through our own AVIOContext (file or memory alike),
// so the size limit, truncation detection and the in-memory path share one code
// path. The sampling and conversion follow the vPDQ reference exactly (see
// include/pdqguard/video.hpp) except for its defects: the decoder is drained
// whatever the video stream's index, and the decoded frame, the conversion
// context and the RGB buffer are reused from frame to frame and video to video.
#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>
#include <pdqguard/video.hpp>

#include "video/libav.hpp"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <ostream>

#include <unistd.h>

namespace pdqguard {

const char* video_mode_name(VideoMode m) noexcept {
  switch (m) {
    case VideoMode::compatible: return "compatible";
    case VideoMode::luma: return "luma";
  }
  return "unknown";
}

std::string format_vpdq_line(const VideoFrameHash& f) {
  char hex[65];
  f.hash.to_hex(hex);
  hex[64] = '\0';
  char buf[160];
  std::snprintf(buf, sizeof buf, "%" PRId64 ",%d,%s,%.3f", f.frame_number, f.quality, hex,
                f.timestamp);
  return buf;
}

void write_vpdq(std::ostream& out, const std::vector<VideoFrameHash>& frames) {
  for (const auto& f : frames) out << format_vpdq_line(f) << '\n';
}

namespace video {

// ---- libav logging: kept off stderr; the last message of this thread is kept
// so that errors can quote libav's own words ("moov atom not found").
namespace {
thread_local char t_last_log[256] = {0};

void log_callback(void* avcl, int level, const char* fmt, va_list vl) {
  (void)avcl;
  if (level > AV_LOG_ERROR) return;
  char line[256];
  std::vsnprintf(line, sizeof line, fmt, vl);
  std::size_t n = std::strlen(line);
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' ')) line[--n] = '\0';
  if (n > 0) std::memcpy(t_last_log, line, n + 1);
}
}  // namespace

void install_log_callback() {
  static std::once_flag once;
  std::call_once(once, [] { lav::av_log_set_callback(log_callback); });
}

void clear_last_log() noexcept { t_last_log[0] = '\0'; }

std::string last_log() { return t_last_log; }

namespace {
constexpr const char* kDeniedDecoders[] = {"libjxl", "librsvg"};
}  // namespace

bool decoder_allowed(const AVCodec* codec) noexcept {
  if (codec == nullptr) return false;
  for (const char* d : kDeniedDecoders)
    if (std::strcmp(codec->name, d) == 0) return false;
  return true;
}

const char* allowed_decoder_list() {
  static const std::string list = [] {
    std::string s;
    void* it = nullptr;
    while (const AVCodec* c = lav::av_codec_iterate(&it)) {
      if (!lav::av_codec_is_decoder(c) || !decoder_allowed(c)) continue;
      if (!s.empty()) s += ',';
      s += c->name;
    }
    return s;
  }();
  return list.c_str();
}

std::string describe(int averr) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  lav::av_strerror(averr, buf, sizeof buf);
  std::string s = buf;
  if (t_last_log[0] != '\0') {
    s += " (";
    s += t_last_log;
    s += ")";
  }
  return s;
}

// ---- input: one AVIOContext over a file or a memory buffer -----------------

namespace {
constexpr int kIoBufferSize = 64 * 1024;

int io_read(void* opaque, std::uint8_t* buf, int size) {
  auto* in = static_cast<Input*>(opaque);
  return in->read(buf, size);
}
std::int64_t io_seek(void* opaque, std::int64_t offset, int whence) {
  auto* in = static_cast<Input*>(opaque);
  return in->seek(offset, whence);
}
}  // namespace

Input::~Input() {
  if (avio_ != nullptr) {
    lav::av_freep(&avio_->buffer);
    lav::avio_context_free(&avio_);
  }
  if (file_ != nullptr) std::fclose(file_);
}

void Input::open_file(const std::string& path, std::uint64_t max_bytes) {
  // Opened as every input is: never blocks on a FIFO or device (not_a_file).
  int fd = -1;
  try {
    fd = open_input_file(path);
  } catch (const Error& e) {
    throw Error(e.code(), path + ": " + e.what());
  }
  file_ = ::fdopen(fd, "rb");
  if (file_ == nullptr) {
    const int err = errno;
    ::close(fd);
    throw Error(ErrorCode::io_error, "cannot open " + path + ": " + std::strerror(err));
  }
  if (fseeko(file_, 0, SEEK_END) != 0)
    throw Error(ErrorCode::io_error, "cannot seek in " + path + ": " + std::strerror(errno));
  const off_t end = ftello(file_);
  if (end < 0 || fseeko(file_, 0, SEEK_SET) != 0)
    throw Error(ErrorCode::io_error, "cannot seek in " + path + ": " + std::strerror(errno));
  size_ = static_cast<std::uint64_t>(end);
  check_size(max_bytes);
  make_avio();
}

void Input::open_memory(const void* data, std::size_t size, std::uint64_t max_bytes) {
  if (data == nullptr && size > 0) throw Error(ErrorCode::invalid_argument, "null video data");
  data_ = static_cast<const std::uint8_t*>(data);
  size_ = size;
  check_size(max_bytes);
  make_avio();
}

void Input::check_size(std::uint64_t max_bytes) const {
  if (size_ > max_bytes)
    throw Error(ErrorCode::file_too_large, "video of " + std::to_string(size_) +
                                               " bytes is above the limit of " +
                                               std::to_string(max_bytes) + " bytes");
  if (size_ == 0) throw Error(ErrorCode::truncated_input, "empty input: 0 bytes");
}

void Input::make_avio() {
  auto* buf = static_cast<std::uint8_t*>(lav::av_malloc(kIoBufferSize));
  if (buf == nullptr) throw std::bad_alloc();
  avio_ = lav::avio_alloc_context(buf, kIoBufferSize, 0, this, io_read, nullptr, io_seek);
  if (avio_ == nullptr) {
    lav::av_free(buf);
    throw std::bad_alloc();
  }
}

int Input::read(std::uint8_t* buf, int size) {
  if (size <= 0) return 0;
  if (pos_ >= size_) {
    hit_end_ = true;
    return AVERROR_EOF;
  }
  const std::uint64_t n64 = std::min<std::uint64_t>(static_cast<std::uint64_t>(size), size_ - pos_);
  const std::size_t n = static_cast<std::size_t>(n64);
  if (file_ != nullptr) {
    if (fseeko(file_, static_cast<off_t>(pos_), SEEK_SET) != 0) return AVERROR(EIO);
    const std::size_t got = std::fread(buf, 1, n, file_);
    if (got == 0) {
      io_failed_ = true;
      return AVERROR(EIO);
    }
    pos_ += got;
    if (pos_ >= size_) hit_end_ = true;
    return static_cast<int>(got);
  }
  std::memcpy(buf, data_ + pos_, n);
  pos_ += n;
  if (pos_ >= size_) hit_end_ = true;
  return static_cast<int>(n);
}

std::int64_t Input::seek(std::int64_t offset, int whence) {
  whence &= ~AVSEEK_FORCE;
  if (whence == AVSEEK_SIZE) return static_cast<std::int64_t>(size_);
  std::int64_t base = 0;
  if (whence == SEEK_CUR) base = static_cast<std::int64_t>(pos_);
  else if (whence == SEEK_END) base = static_cast<std::int64_t>(size_);
  else if (whence != SEEK_SET) return AVERROR(EINVAL);
  if (offset > std::numeric_limits<std::int64_t>::max() - base) return AVERROR(EINVAL);
  const std::int64_t target = base + offset;
  if (target < 0) return AVERROR(EINVAL);
  if (static_cast<std::uint64_t>(target) >= size_) {
    // The demuxer skipping to (or past) the end of the data, e.g. over an mdat
    // atom longer than what is left: if it then fails, the input was cut short.
    hit_end_ = true;
    if (static_cast<std::uint64_t>(target) > size_) return AVERROR_EOF;
  }
  pos_ = static_cast<std::uint64_t>(target);
  return target;
}

}  // namespace video
}  // namespace pdqguard
