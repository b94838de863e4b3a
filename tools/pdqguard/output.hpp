// The output sink: whole records written with write(2) under one lock, so lines
// never interleave and a killed run leaves only whole lines (plus at most one torn
// last line, which --resume tolerates). With --sort, a bounded reorder buffer.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace pdqguard::cli {

class Sink {
 public:
  /// `fd` is written, not closed. `sorted`: emit in sequence order, holding at
  /// most `window` completed records that wait for an earlier one.
  Sink(int fd, bool sorted, std::uint64_t window);
  /// Writes a line at once (the CSV header).
  void write_now(const std::string& text);
  /// Every sequence number 0, 1, 2... must be submitted exactly once; an empty
  /// `line` (a filtered or dropped record) just advances the order.
  void submit(std::uint64_t seq, std::string line);
  /// --sort: blocks the producer until `seq` fits in the reorder window.
  void wait_window(std::uint64_t seq);
  /// Writes to stderr under the same lock (the progress line), clearing the
  /// progress line first when records go to the same terminal.
  void progress(const std::string& line);
  /// True once a write failed (disk full, closed pipe); the message says why.
  bool failed() const;
  std::string failure() const;
  /// True once a write failed with EPIPE: the reader went away (`pdqguard ... | head`).
  bool broken_pipe() const;
  /// Records written (non-empty lines).
  std::uint64_t written() const;

 private:
  void put(const std::string& s);  // caller holds m_
  int fd_;
  bool sorted_;
  std::uint64_t window_;
  bool clear_progress_ = false;  // stdout and stderr are the same terminal
  bool progress_shown_ = false;
  mutable std::mutex m_;
  std::condition_variable advanced_;
  std::map<std::uint64_t, std::string> pending_;
  std::uint64_t next_ = 0;
  std::uint64_t written_ = 0;
  std::string failure_;
  bool broken_pipe_ = false;
};

/// What a Unix filter does when its reader has gone: ends the process by SIGPIPE
/// (default action restored first), silently, so a shell sees status 141 (128 + 13) and
/// `set -o pipefail` scripts can tell. Call only once the workers are joined.
[[noreturn]] void exit_broken_pipe();

}  // namespace pdqguard::cli
