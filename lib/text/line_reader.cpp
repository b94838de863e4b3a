#include "text/line_reader.hpp"

#include <pdqguard/error.hpp>

#include <algorithm>
#include <cstdint>
#include <cerrno>
#include <cstring>
#include <istream>

#include <unistd.h>

namespace pdqguard::detail {

namespace {
constexpr std::size_t kChunk = std::size_t{1} << 16;
constexpr std::string_view kBom = "\xEF\xBB\xBF";
}  // namespace

FdSource::FdSource(int fd, std::string name, std::function<bool()> stop)
    : fd_(fd), name_(std::move(name)), stop_(std::move(stop)) {}

std::size_t FdSource::read(char* dst, std::size_t n) {
  for (;;) {
    if (stop_ && stop_()) return 0;
    const ssize_t r = ::read(fd_, dst, n);
    if (r >= 0) return static_cast<std::size_t>(r);
    if (errno == EINTR) continue;
    throw Error(ErrorCode::io_error, name_ + ": read error: " + std::strerror(errno));
  }
}

std::size_t FileSource::read(char* dst, std::size_t n) {
  const std::size_t r = std::fread(dst, 1, n, f_);
  if (r == 0 && std::ferror(f_)) throw Error(ErrorCode::io_error, name_ + ": read error");
  return r;
}

std::size_t StreamSource::read(char* dst, std::size_t n) {
  if (!in_) return 0;
  in_.read(dst, static_cast<std::streamsize>(n));
  if (in_.bad()) throw Error(ErrorCode::io_error, name_ + ": read error");
  return static_cast<std::size_t>(std::max<std::streamsize>(in_.gcount(), 0));
}

LineReader::LineReader(ByteSource& src, const LineReaderOptions& o) : src_(&src), o_(o), buf_(kChunk) {
  data_ = buf_.data();
}

LineReader::LineReader(std::string_view memory, const LineReaderOptions& o) : o_(o) {
  data_ = memory.data();
  len_ = memory.size();
  total_ = memory.size();
  eof_ = true;
  if (o_.max_total_bytes != 0 && total_ > o_.max_total_bytes) {
    exceeded_ = true;
    len_ = 0;
  }
}

bool LineReader::fill() {
  if (eof_ || src_ == nullptr) return false;
  const std::size_t n = src_->read(buf_.data(), buf_.size());
  if (n == 0) {
    eof_ = true;
    return false;
  }
  total_ += n;
  if (o_.max_total_bytes != 0 && total_ > o_.max_total_bytes) {
    exceeded_ = eof_ = true;  // the chunk that passed the limit is not handed out
    return false;
  }
  pos_ = 0;
  len_ = n;
  return true;
}

void LineReader::finish(Line& out, std::string_view text, bool terminated, bool too_long) {
  out.number = ++lineno_;
  if (out.number == 1 && o_.strip_bom && text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  if (terminated && o_.strip_cr && o_.separator == '\n' && !text.empty() && text.back() == '\r')
    text.remove_suffix(1);
  if (o_.max_line_bytes != 0 && text.size() > o_.max_line_bytes) {
    too_long = true;
    text = text.substr(0, o_.max_line_bytes);
  }
  out.text = text;
  out.too_long = too_long;
  out.terminated = terminated;
  out.end_offset = offset_;
}

bool LineReader::next(Line& out) {
  cur_.clear();
  const std::size_t max = o_.max_line_bytes;
  // Bytes a line may reach before it is too long: one more for a '\r' that
  // may still be stripped, and for a BOM on line 1.
  const std::size_t slack = (o_.strip_cr && o_.separator == '\n' ? 1 : 0) +
                            (lineno_ == 0 && o_.strip_bom ? kBom.size() : 0);
  const std::size_t cap = max == 0 || max > SIZE_MAX - slack ? SIZE_MAX : max + slack;  // never wraps
  const auto within = [&](std::size_t k) { return k <= cap; };
  for (;;) {
    if (pos_ == len_ && !fill()) {
      skipping_ = false;
      if (exceeded_ || cur_.empty()) return false;
      finish(out, cur_, false, false);  // a torn last line
      return true;
    }
    const char* b = data_ + pos_;
    const std::size_t avail = len_ - pos_;
    const char* hit = static_cast<const char*>(std::memchr(b, o_.separator, avail));
    const std::size_t n = hit ? static_cast<std::size_t>(hit - b) : avail;
    const std::size_t used = hit ? n + 1 : n;
    if (skipping_) {  // the rest of a too-long line already handed out
      pos_ += used;
      offset_ += used;
      if (hit) skipping_ = false;
      continue;
    }
    if (within(cur_.size() + n)) {
      pos_ += used;
      offset_ += used;
      if (!hit) {
        cur_.append(b, n);
        continue;
      }
      if (cur_.empty()) {
        finish(out, std::string_view(b, n), true, false);  // whole in the buffer: no copy
      } else {
        cur_.append(b, n);
        finish(out, cur_, true, false);
      }
      return true;
    }
    // Too long: keep the first max bytes, skip the rest as it comes.
    cur_.append(b, std::min(n, cap - std::min(cur_.size(), cap)));
    pos_ += used;
    offset_ += used;
    skipping_ = !hit;
    finish(out, cur_, hit != nullptr, true);
    return true;
  }
}

}  // namespace pdqguard::detail
