// decode_image: size limits, sniffing, and the hand-off to one decoder.
#include "image/decoders.hpp"

#include <pdqguard/error.hpp>

#include <cerrno>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <new>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pdqguard {

void check_pixel_limit(std::uint64_t w, std::uint64_t h, const DecodeOptions& opts) {
  if (w == 0 || h == 0)
    throw Error(ErrorCode::decode_error, "image header gives a zero width or height");
  // w and h come from 32-bit header fields at most, so w*h cannot overflow 64 bits.
  if (w * h > opts.max_pixels)
    throw Error(ErrorCode::image_too_large,
                "image of " + std::to_string(w) + "x" + std::to_string(h) + " pixels exceeds the limit of " +
                    std::to_string(opts.max_pixels) + " pixels");
}

namespace detail {

void check_decode_memory(std::uint64_t bytes, const DecodeOptions& opts, const std::string& what) {
  if (bytes > opts.max_decode_memory)
    throw Error(ErrorCode::resource_limit,
                what + " need " + std::to_string(bytes) + " bytes of decoder memory, above the limit of " +
                    std::to_string(opts.max_decode_memory) + " bytes (max_decode_memory)");
}

namespace {
std::uint64_t thread_cpu_ns() noexcept {
  timespec ts{};
  if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}
}  // namespace

DecodeDeadline::DecodeDeadline(const DecodeOptions& opts) noexcept {
  if (opts.max_decode_cpu_ms == 0) return;
  limit_ns_ = opts.max_decode_cpu_ms >= UINT64_MAX / 1'000'000u ? UINT64_MAX
                                                                 : opts.max_decode_cpu_ms * 1'000'000u;
  start_ns_ = thread_cpu_ns();
}

bool DecodeDeadline::expired() const noexcept {
  return limit_ns_ != 0 && thread_cpu_ns() - start_ns_ > limit_ns_;
}

void DecodeDeadline::pause() noexcept {
  if (limit_ns_ == 0 || paused_) return;
  paused_at_ns_ = thread_cpu_ns();
  paused_ = true;
}

void DecodeDeadline::resume() noexcept {
  if (!paused_) return;
  start_ns_ += thread_cpu_ns() - paused_at_ns_;
  paused_ = false;
}

void DecodeDeadline::format_message(char* buf, std::size_t size, const char* format) const noexcept {
  std::snprintf(buf, size, "%s decoding took more than %llu ms of CPU time (max_decode_cpu_ms)", format,
                static_cast<unsigned long long>(limit_ns_ / 1'000'000u));
}

std::string DecodeDeadline::message(const char* format) const {
  char buf[160];
  format_message(buf, sizeof buf, format);
  return buf;
}

void DecodeDeadline::check(const char* format) const {
  if (expired()) throw Error(ErrorCode::resource_limit, message(format));
}


bool animation_limit_reached(int n, std::uint64_t canvas_pixels, const DecodeOptions& opts, AnimationInfo& info) {
  std::string why;
  if (n >= opts.max_frames)
    why = "animation has more than " + std::to_string(opts.max_frames) + " frames (max_frames)";
  else if (static_cast<std::uint64_t>(n + 1) * canvas_pixels > opts.max_animation_pixels)
    why = "animation exceeds " + std::to_string(opts.max_animation_pixels) +
          " decoded pixels (max_animation_pixels)";
  else
    return false;
  info.truncated = true;
  info.warnings.push_back(why + ": only the first " + std::to_string(n) + " frames were decoded");
  return true;
}
}  // namespace detail

DecodedImage decode_image(std::span<const std::uint8_t> bytes, const DecodeOptions& opts) {
  DecodedImage out;
  decode_image_into(bytes, out, opts);
  return out;
}

void decode_image_into(std::span<const std::uint8_t> bytes, DecodedImage& out,
                       const DecodeOptions& opts) {
  detail::decode_dispatch(bytes, out, opts, nullptr);
}

namespace {
// Hands the decoder's rows to a Hasher. A JPEG decoded at a reduced DCT scale
// (fast mode) is hashed with its source size's geometry (hash_rows_scaled).
struct HashingConsumer final : detail::RowConsumer {
  Hasher* hasher = nullptr;
  const DecodedImage* info = nullptr;
  bool dihedral = false;
  bool called = false;
  DihedralResult result;
  void consume(PixelFormat format, int width, int height, RowSource& src) override {
    if (info->scale_denom > 1)
      result = hasher->hash_rows_scaled(format, width, height, src, info->source_width,
                                        info->source_height, info->scale_denom, dihedral);
    else
      result = hasher->hash_rows(format, width, height, src, dihedral);
    called = true;
  }
  void consume_view(const FrameView& v) override {
    // What hash_decoded does for a full-size image, on the decoder's own pixels.
    result = dihedral ? hasher->hash_dihedral(v) : DihedralResult::from_plain(hasher->hash(v));
    called = true;
  }
};

// Rows of a decoded image held in memory.
struct BufferRows final : RowSource {
  const std::uint8_t* base = nullptr;
  std::size_t stride = 0;
  void rows(int first, int count, const std::uint8_t** out) override {
    for (int k = 0; k < count; ++k) out[k] = base + static_cast<std::size_t>(first + k) * stride;
  }
};
}  // namespace

DihedralResult hash_image(std::span<const std::uint8_t> bytes, Hasher& hasher, DecodedImage& info,
                          const DecodeOptions& opts, bool dihedral) {
  HashingConsumer c;
  c.hasher = &hasher;
  c.info = &info;
  c.dihedral = dihedral;
  detail::decode_dispatch(bytes, info, opts, &c);
  if (c.called) return c.result;
  return hash_decoded(info, hasher, dihedral);
}

DihedralResult hash_decoded(const DecodedImage& img, Hasher& hasher, bool dihedral) {
  const FrameView v = img.view();
  if (img.scale_denom > 1) {
    // The source sides are the stored ones: swap them when an applied EXIF
    // orientation transposed the pixels (orientations 5-8).
    const bool transposed = img.exif_orientation >= 5;
    BufferRows rows;
    rows.base = v.planes[0];
    rows.stride = static_cast<std::size_t>(v.row_stride());
    return hasher.hash_rows_scaled(v.format, v.width, v.height, rows,
                                   transposed ? img.source_height : img.source_width,
                                   transposed ? img.source_width : img.source_height,
                                   img.scale_denom, dihedral);
  }
  return dihedral ? hasher.hash_dihedral(v) : DihedralResult::from_plain(hasher.hash(v));
}

namespace {
constexpr const char* kSupported = "JPEG, PNG, PPM/PGM, WebP, GIF, TIFF, BMP, HEIC/HEIF, AVIF";
}  // namespace

namespace {
// Resets everything in `out` but the pixel buffer's capacity and refuses an
// input that is too large or empty: what every decode starts with.
void start_decode(std::span<const std::uint8_t> bytes, DecodedImage& out, const DecodeOptions& opts) {
  out.format = ImageFormat::unknown;
  out.width = out.height = out.source_width = out.source_height = 0;
  out.gray = false;
  out.pixels.clear();
  out.warnings.clear();
  out.scale_denom = 1;
  out.exif_orientation = 0;
  if (bytes.size() > opts.max_bytes)
    throw Error(ErrorCode::file_too_large, "input of " + std::to_string(bytes.size()) +
                                               " bytes exceeds the limit of " +
                                               std::to_string(opts.max_bytes) + " bytes");
  if (bytes.empty()) throw Error(ErrorCode::decode_error, "empty input (0 bytes)");
}
}  // namespace

AnimationInfo decode_frames(std::span<const std::uint8_t> bytes, const DecodeOptions& opts,
                            const FrameCallback& on_frame) {
  DecodedImage img;
  start_decode(bytes, img, opts);
  const ImageFormat f = sniff_format(bytes);
  if (f == ImageFormat::gif || f == ImageFormat::webp || (f == ImageFormat::png && detail::is_apng(bytes))) {
    try {
      return f == ImageFormat::gif    ? detail::gif_frames(bytes, opts, img, on_frame)
             : f == ImageFormat::webp ? detail::webp_frames(bytes, opts, img, on_frame)
                                      : detail::apng_frames(bytes, opts, img, on_frame);
    } catch (const std::bad_alloc&) {
      throw Error(ErrorCode::out_of_memory,
                  std::string("out of memory while decoding ") + image_format_name(f));
    }
  }
  decode_image_into(bytes, img, opts);
  AnimationInfo info;
  info.frames = 1;
  on_frame(img, FrameInfo{});
  return info;
}

void detail::decode_dispatch(std::span<const std::uint8_t> bytes, DecodedImage& out,
                             const DecodeOptions& opts, RowConsumer* consumer) {
  start_decode(bytes, out, opts);
  const ImageFormat f = sniff_format(bytes);
  try {
    switch (f) {
      case ImageFormat::jpeg: return detail::decode_jpeg(bytes, opts, out, consumer);
      case ImageFormat::png: return detail::decode_png(bytes, opts, out);
      case ImageFormat::pnm: return detail::decode_pnm(bytes, opts, out, consumer);
      case ImageFormat::webp: return detail::decode_webp(bytes, opts, out);
      case ImageFormat::gif: return detail::decode_gif(bytes, opts, out, consumer);
      case ImageFormat::tiff: return detail::decode_tiff(bytes, opts, out);
      case ImageFormat::bmp: return detail::decode_bmp(bytes, opts, out);
      case ImageFormat::heif:
      case ImageFormat::avif: return detail::decode_heif(bytes, opts, out, f);
      default: break;
    }
  } catch (const std::bad_alloc&) {
    throw Error(ErrorCode::out_of_memory,
                std::string("out of memory while decoding ") + image_format_name(f));
  }
  switch (f) {
    case ImageFormat::unknown:
      throw Error(ErrorCode::unsupported_format,
                  "not a supported image (" + std::string(kSupported) + "): unrecognised content");
    default:
      throw Error(ErrorCode::unsupported_format,
                  std::string("unsupported image format: ") + image_format_name(f) +
                      " (supported: " + kSupported + ")");
  }
}

namespace {
const char* special_name(mode_t m) {
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  return "not a regular file";
}

// Closes a descriptor on every path out.
struct FdGuard {
  int fd;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

int open_input_file(const std::string& path, bool read_special) {
  FdGuard f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)};
  if (f.fd < 0) throw Error(ErrorCode::io_error, "cannot open: " + std::string(std::strerror(errno)));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    throw Error(ErrorCode::io_error, "cannot stat: " + std::string(std::strerror(errno)));
  if (S_ISDIR(st.st_mode)) throw Error(ErrorCode::io_error, "is a directory");
  const bool regular = S_ISREG(st.st_mode);
  if (!regular && !read_special)
    throw Error(ErrorCode::not_a_file, std::string("not a regular file: ") + special_name(st.st_mode) +
                                           " (special files are read only when asked: --read-special)");
  // Blocking from here on, except a "regular" file of size 0 (procfs): it may
  // never end (/proc/kmsg), and a real empty file reads as empty either way.
  if (!regular || st.st_size > 0) {
    const int fl = ::fcntl(f.fd, F_GETFL);
    if (fl < 0 || ::fcntl(f.fd, F_SETFL, fl & ~O_NONBLOCK) != 0)
      throw Error(ErrorCode::io_error, "fcntl failed: " + std::string(std::strerror(errno)));
  }
  // A FIFO opened before its writer: a read now would see no writer and return
  // 0 (end of input) even blocking, so the input would read as empty. poll(2)
  // waits for the writer instead: POLLIN once it has written, POLLHUP once a
  // writer came and went (Linux reports no POLLHUP for a writer that never
  // came). Waiting here blocks the worker as reading it does (--read-special).
  if (S_ISFIFO(st.st_mode)) {
    pollfd p{f.fd, POLLIN, 0};
    for (;;) {
      const int r = ::poll(&p, 1, -1);
      if (r > 0) break;
      if (r < 0 && errno != EINTR)
        throw Error(ErrorCode::io_error, "poll failed: " + std::string(std::strerror(errno)));
    }
  }
  const int fd = f.fd;
  f.fd = -1;
  return fd;
}

std::size_t read_file_head(const std::string& path, std::span<std::uint8_t> head) noexcept {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  int fd = -1;
  try {
    fd = open_input_file(path);
  } catch (...) {
    return 0;
  }
  const FdGuard f{fd};
  std::size_t n = 0;
  while (n < head.size()) {
    const ssize_t got = ::read(f.fd, head.data() + n, head.size() - n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    n += static_cast<std::size_t>(got);
  }
  return n;
}

std::span<const std::uint8_t> read_file_into(const std::string& path, std::uint64_t max_bytes,
                                             std::vector<std::uint8_t>& buf, bool read_special) {
  FdGuard f{open_input_file(path, read_special)};
  struct stat st {};
  if (::fstat(f.fd, &st) != 0)
    throw Error(ErrorCode::io_error, "cannot stat: " + std::string(std::strerror(errno)));
  const auto too_large = [&](const std::string& what) {
    return Error(ErrorCode::file_too_large,
                 what + " exceeds the limit of " + std::to_string(max_bytes) + " bytes");
  };
  if (S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > max_bytes)
    throw too_large("file of " + std::to_string(st.st_size) + " bytes");
  // The buffer only grows (zero-filled then, once): the file is read straight
  // into memory an earlier file already faulted in. One byte more than the
  // file's size lets a single read(2) see the end of a regular file.
  const std::size_t expect = S_ISREG(st.st_mode) ? static_cast<std::size_t>(st.st_size) + 1 : 65536;
  if (buf.size() < expect) buf.resize(expect);
  std::size_t len = 0;
  for (;;) {
    if (len == buf.size()) {
      if (len > max_bytes) throw too_large("input");
      buf.resize(std::min<std::uint64_t>(std::max<std::size_t>(buf.size() * 2, 65536), max_bytes + 1));
    }
    const ssize_t n = ::read(f.fd, buf.data() + len, buf.size() - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::io_error, "read failed: " + std::string(std::strerror(errno)));
    }
    if (n == 0) break;
    len += static_cast<std::size_t>(n);
  }
  if (len > max_bytes) throw too_large("input");
  return {buf.data(), len};
}

std::vector<std::uint8_t> read_file_bytes(const std::string& path, std::uint64_t max_bytes,
                                          bool read_special) {
  std::vector<std::uint8_t> data;
  const std::size_t n = read_file_into(path, max_bytes, data, read_special).size();
  data.resize(n);
  return data;
}

DecodedImage decode_image_file(const std::string& path, const DecodeOptions& opts) {
  const std::vector<std::uint8_t> data = read_file_bytes(path, opts.max_bytes);
  return decode_image(data, opts);
}

DecodedImage decode_image_stream(std::istream& in, const DecodeOptions& opts) {
  std::vector<std::uint8_t> data;
  char buf[65536];
  while (in) {
    in.read(buf, sizeof buf);
    const auto n = static_cast<std::size_t>(in.gcount());
    if (data.size() + n > opts.max_bytes)
      throw Error(ErrorCode::file_too_large,
                  "input exceeds the limit of " + std::to_string(opts.max_bytes) + " bytes");
    data.insert(data.end(), buf, buf + n);
  }
  if (in.bad()) throw Error(ErrorCode::io_error, "stream read failed");
  return decode_image(data, opts);
}

}  // namespace pdqguard
