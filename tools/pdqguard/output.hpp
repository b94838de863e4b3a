// The output sink: whole records written with write(2) under one lock, so lines
// never interleave and a killed run leaves only whole lines (plus at most one torn
// last line, which --resume tolerates). With --sort, a bounded reorder buffer.
// Records of cheap inputs (hash lines, raw frames) may be held briefly and written
// together: at most 64 KiB or 50 ms of them, and none once the workers are idle.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace pdqguard::cli {

class Sink {
 public:
  /// `fd` is written, not closed. `sorted`: emit in sequence order, holding at
  /// most `window` completed records that wait for an earlier one.
  Sink(int fd, bool sorted, std::uint64_t window);
  /// Writes a line at once (the CSV header).
  void write_now(const std::string& text);
  /// Every sequence number 0, 1, 2... must be submitted exactly once; an empty
  /// `line` (a filtered or dropped record) just advances the order. `hold`: the
  /// record may wait in a buffer (up to 64 KiB, 50 ms since the oldest held one)
  /// to share one write(2) with the next ones; otherwise it is written, with
  /// anything held before it, now. A killed run loses what is held: --resume then
  /// redoes those inputs.
  void submit(std::uint64_t seq, std::string line, bool hold = false);
  /// The input `seq` submitted in parts instead (an archive: one record per
  /// member): part 0, 1, 2... each exactly once, in any order and from any
  /// thread, then end_parts(seq, parts) once. Written at once, or with --sort in
  /// the order (seq, part), before what follows `seq`.
  void submit_part(std::uint64_t seq, std::uint64_t part, std::string line);
  void end_parts(std::uint64_t seq, std::uint64_t parts);
  /// --sort: blocks the caller (an archive's walker) while more than `limit`
  /// records wait for an earlier one and `seq` is not the next input to be
  /// written, so archives walked side by side cannot pile up records behind a
  /// slow one. True when there is room (at once without --sort); false after
  /// 100 ms without, so that the caller can check for an interruption and call
  /// again.
  bool wait_parts_room(std::uint64_t seq, std::size_t limit);
  /// Writes whatever is held (a worker about to wait for work; the end of a run).
  void flush();
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
  /// Records taken (non-empty lines), written or still held.
  std::uint64_t written() const;

 private:
  void put(const std::string& s, bool hold);  // caller holds m_
  void write_held();                          // caller holds m_
  int fd_;
  bool sorted_;
  std::uint64_t window_;
  bool clear_progress_ = false;  // stdout and stderr are the same terminal
  bool progress_shown_ = false;
  mutable std::mutex m_;
  std::condition_variable advanced_;
  void advance();  // caller holds m_: writes what is next in order (--sort)
  /// --sort: records waiting for an earlier one, by (seq, part); `last` ends its seq.
  struct Pending {
    std::string line;
    bool last = true;
    bool hold = false;
  };
  std::map<std::pair<std::uint64_t, std::uint64_t>, Pending> pending_;
  std::uint64_t next_ = 0;       ///< the next seq to be written
  std::uint64_t next_part_ = 0;  ///< and its next part
  std::uint64_t written_ = 0;
  std::string held_;  ///< records waiting to be written together
  std::chrono::steady_clock::time_point held_since_{};
  std::string failure_;
  bool broken_pipe_ = false;
};

/// What a Unix filter does when its reader has gone: ends the process by SIGPIPE
/// (default action restored first), silently, so a shell sees status 141 (128 + 13) and
/// `set -o pipefail` scripts can tell. Call only once the workers are joined.
[[noreturn]] void exit_broken_pipe();

}  // namespace pdqguard::cli
