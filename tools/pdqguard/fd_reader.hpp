// A buffered reader over a file descriptor (stdin or a file), shared by the input
// readers: paths on stdin, raw frames and hash lines.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace pdqguard::cli {

/// Reads fd 0 ("-") or a file with read(2), so a signal interrupts a blocking
/// read (see signals.hpp). Owns the descriptor of a file it opened. Not
/// thread-safe: one reader per input.
class FdReader {
 public:
  /// Opens `path` ("-" = stdin); throws Error(io_error) naming the OS reason.
  explicit FdReader(const std::string& path);
  ~FdReader();
  FdReader(const FdReader&) = delete;
  FdReader& operator=(const FdReader&) = delete;

  /// Next `sep`-terminated record (the last may lack it); false at EOF/stop.
  /// At most `max` bytes of a record are kept: the rest of a longer one is read
  /// and dropped (memory stays bounded whatever the input) and `*too_long` is set.
  bool next(std::string& out, char sep, std::size_t max, bool* too_long);
  /// Reads exactly n bytes into dst unless EOF/stop; returns how many were read.
  /// Large reads go straight from the kernel into dst (no staging copy).
  /// Throws Error(io_error) when read(2) fails.
  std::size_t read_exact(std::uint8_t* dst, std::size_t n);
  /// When the input is a pipe, asks the kernel to let it hold up to `bytes`
  /// (at most 4 MiB, or 1 MiB where pipe-max-size refuses more): a writer wakes us
  /// once per frame instead of once per 64 KiB. Failure is ignored (best effort).
  void grow_pipe(std::size_t bytes) noexcept;

 private:
  bool fill();
  int fd_ = -1;
  bool owned_ = false;
  std::size_t pos_ = 0, len_ = 0;
  char buf_[1 << 16];
};

}  // namespace pdqguard::cli
