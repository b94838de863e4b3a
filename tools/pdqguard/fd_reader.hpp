// A file descriptor (stdin or a file) opened for the input readers: raw frames
// read it here (read_exact); line inputs (paths on stdin, --hashes) read it
// through the library's one bounded line reader (lines()).
#pragma once

#include "text/line_reader.hpp"

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

  /// A byte source over this descriptor for detail::LineReader
  /// (lib/text/line_reader.hpp): reading ends when a stop signal arrived.
  /// Use either it or read_exact on one FdReader, not both.
  detail::FdSource source() const;
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
  std::string name_;
  int fd_ = -1;
  bool owned_ = false;
  std::size_t pos_ = 0, len_ = 0;
  char buf_[1 << 16];
};

}  // namespace pdqguard::cli
