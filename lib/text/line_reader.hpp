// The one bounded line reader: every text input of pdqguard (hash lists, vPDQ
// text, the CLI's --resume file, --hashes lines, paths on stdin) is split into
// lines here. Internal: not installed; lib/ and the CLI (which links the static
// library) include it as "text/line_reader.hpp".
//
// Bounds: at most max_line_bytes of one line are ever held (the rest of a longer
// line is read and dropped, so a hostile line of any length costs time, never
// memory), and reading stops once more than max_total_bytes arrived. A line is
// handed out as a view into the reader's buffer (or into the caller's memory for
// a memory source), valid until the next call to next().
//
// Thread-safety: none; one reader per input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

namespace pdqguard::detail {

/// Where the bytes come from. read() returns how many bytes it stored (at most
/// n), 0 at the end of the input; it throws Error(io_error) when reading fails.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual std::size_t read(char* dst, std::size_t n) = 0;
};

/// A file descriptor read with read(2) (not owned). EINTR is retried unless
/// `stop` (when given) returns true: then the input ends there, so a signal
/// handler that sets a flag interrupts a blocking read (the CLI's SIGINT).
class FdSource final : public ByteSource {
 public:
  FdSource(int fd, std::string name, std::function<bool()> stop = {});
  std::size_t read(char* dst, std::size_t n) override;

 private:
  int fd_;
  std::string name_;
  std::function<bool()> stop_;
};

/// A stdio stream (not owned).
class FileSource final : public ByteSource {
 public:
  FileSource(std::FILE* f, std::string name) : f_(f), name_(std::move(name)) {}
  std::size_t read(char* dst, std::size_t n) override;

 private:
  std::FILE* f_;
  std::string name_;
};

/// A C++ stream (not owned).
class StreamSource final : public ByteSource {
 public:
  StreamSource(std::istream& in, std::string name) : in_(in), name_(std::move(name)) {}
  std::size_t read(char* dst, std::size_t n) override;

 private:
  std::istream& in_;
  std::string name_;
};

struct LineReaderOptions {
  char separator = '\n';  ///< '\n' for text, '\0' for `find -print0` path lists
  /// A line longer than this (not counting its separator, nor a '\r' before a
  /// '\n' when strip_cr) is reported with too_long as soon as the limit is
  /// passed; 0 = no limit (then a line costs memory as long as it is).
  std::size_t max_line_bytes = 0;
  /// Reading stops (next() returns false, total_exceeded() is true) once more
  /// than this many bytes arrived; 0 = no limit.
  std::uint64_t max_total_bytes = 0;
  bool strip_cr = true;   ///< drop one '\r' before the separator (CRLF text); only with '\n'
  bool strip_bom = true;  ///< drop a UTF-8 byte order mark at the start of line 1
};

/// One line as the reader hands it out.
struct Line {
  /// Without separator and '\r'. When too_long: the first max_line_bytes bytes.
  std::string_view text;
  std::uint64_t number = 0;      ///< 1-based physical line number
  std::uint64_t end_offset = 0;  ///< bytes of the input up to the end of this line (its separator included)
  bool too_long = false;         ///< longer than max_line_bytes: the rest is skipped unread into memory
  /// false for a last line that ends without a separator (a torn line, e.g. a
  /// writer killed mid-line), and for a too_long line (its end is not seen yet).
  bool terminated = true;
};

/// Splits a byte stream (or memory) into bounded lines. Not copyable.
class LineReader {
 public:
  LineReader(ByteSource& src, const LineReaderOptions& o);
  /// Over memory the caller keeps alive: lines are views into it (no copy).
  LineReader(std::string_view memory, const LineReaderOptions& o);
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  /// The next line; false at the end of the input (or once max_total_bytes was
  /// passed). An input that ends with a separator has no empty line after it.
  bool next(Line& out);
  /// More than max_total_bytes arrived (counted in chunks of up to 64 KiB; a
  /// memory source is checked at once): reading stopped there.
  bool total_exceeded() const { return exceeded_; }
  /// Bytes consumed so far (through the last line handed out).
  std::uint64_t offset() const { return offset_; }
  /// Lines handed out so far (the number of the last one).
  std::uint64_t lines() const { return lineno_; }

 private:
  bool fill();
  void finish(Line& out, std::string_view text, bool terminated, bool too_long);

  ByteSource* src_ = nullptr;
  LineReaderOptions o_;
  std::vector<char> buf_;
  const char* data_ = nullptr;  // buf_ or the caller's memory
  std::size_t pos_ = 0, len_ = 0;
  std::string cur_;  // a line that spans chunks (at most max_line_bytes + 1)
  std::uint64_t total_ = 0, offset_ = 0, lineno_ = 0;
  bool skipping_ = false;  // inside the rest of a too-long line
  bool eof_ = false, exceeded_ = false;
};

}  // namespace pdqguard::detail
