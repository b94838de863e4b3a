#include "fd_reader.hpp"

#include "signals.hpp"

#include <pdqguard/error.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pdqguard::cli {

FdReader::FdReader(const std::string& path) : name_(path == "-" ? "stdin" : path) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw Error(ErrorCode::io_error, path + ": cannot open: " + std::strerror(errno));
    owned_ = true;
  }
}

FdReader::~FdReader() {
  if (owned_) ::close(fd_);
}

detail::FdSource FdReader::source() const {
  return detail::FdSource(fd_, name_, [] { return stop_signal() != 0; });
}

std::size_t FdReader::read_exact(std::uint8_t* dst, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    if (pos_ < len_) {  // what is already buffered first
      const std::size_t k = std::min(n - got, len_ - pos_);
      std::memcpy(dst + got, buf_ + pos_, k);
      pos_ += k;
      got += k;
      continue;
    }
    if (n - got < sizeof buf_ / 4) {  // small frames: one read(2) serves several
      if (!fill()) break;
      continue;
    }
    // Large frames straight into dst: each byte is copied once, by the kernel.
    if (stop_signal()) break;
    const ssize_t r = ::read(fd_, dst + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::io_error, std::string("read failed: ") + std::strerror(errno));
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return got;
}

void FdReader::grow_pipe(std::size_t bytes) noexcept {
#ifdef F_SETPIPE_SZ
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISFIFO(st.st_mode)) return;
  const int have = ::fcntl(fd_, F_GETPIPE_SZ);
  if (have < 0 || static_cast<std::size_t>(have) >= bytes) return;
  // At most 4 MiB of kernel memory; the kernel refuses more than pipe-max-size
  // (1 MiB by default) to unprivileged users: then 1 MiB.
  const int want = static_cast<int>(std::min<std::size_t>(bytes, 4 << 20));
  if (::fcntl(fd_, F_SETPIPE_SZ, want) < 0 && want > (1 << 20)) ::fcntl(fd_, F_SETPIPE_SZ, 1 << 20);
#else
  (void)bytes;
#endif
}

bool FdReader::fill() {
  for (;;) {
    if (stop_signal()) return false;
    const ssize_t r = ::read(fd_, buf_, sizeof buf_);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::io_error, std::string("read failed: ") + std::strerror(errno));
    }
    pos_ = 0;
    len_ = static_cast<std::size_t>(r);
    return r > 0;
  }
}

}  // namespace pdqguard::cli
