// Walking inputs: files, recursive directories and paths read from stdin,
// produced one at a time (nothing is listed in memory up front).
#pragma once

#include "stats.hpp"
#include "work_item.hpp"

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace pdqguard::cli {

/// Default --max-depth: directory levels entered below an input directory.
/// Each level being walked holds one open directory descriptor.
inline constexpr int kDefaultMaxDepth = 256;
/// Paths read from stdin ("-") longer than this are refused with an io_error
/// record (the rest of such a path is read and dropped, never held).
inline constexpr std::size_t kMaxPathBytes = 64 << 10;

/// How walk_inputs walks.
struct WalkOptions {
  bool null_separated = false;  ///< -0: paths on stdin are NUL-separated
  bool follow_symlinks = false; ///< follow symlinks inside directories (loops entered once)
  int max_depth = kDefaultMaxDepth;  ///< directory levels entered below an input (0 = its files only)
};

/// Walks `inputs`: "-" reads paths from stdin (NUL-separated if null_separated),
/// a directory is walked recursively (hidden entries included; symlinks inside
/// it skipped and counted unless follow_symlinks). Every input gets exactly one
/// item; nothing is dropped silently: anything that is not a regular file, a
/// directory more than max_depth levels below its input, a directory reached a
/// second time through a symlink (a loop), a symlink loop, a dangling symlink or
/// an unreadable directory becomes an io_error item. Anything else that is not a
/// directory (FIFOs and devices too) is a file item: the worker's open decides
/// from the opened descriptor (not_a_file unless --read-special), so a path
/// swapped for a FIFO after the walk is refused there. Explicit arguments that are
/// symlinks are followed. Memory is bounded by the depth, not the file count.
void walk_inputs(const std::vector<std::string>& inputs, const WalkOptions& options, Stats& stats,
                 const Emit& emit);

/// The progress line's total: counts, in a thread of its own, the items
/// walk_inputs will produce for the same inputs and options, ahead of the real
/// walk (which waits on the workers), without opening a file. Memory is that of a
/// walk (bounded by the depth, not the number of files). Adds to stats.counted as
/// it goes and sets stats.total_known when done; counts nothing when an input is
/// "-" (stdin cannot be read twice). `counts(item)` says whether an item will get
/// a record (false for inputs --resume skips). Stopped and joined on destruction.
class LookAheadCount {
 public:
  LookAheadCount(std::vector<std::string> inputs, const WalkOptions& options, Stats& stats,
                 std::function<bool(const WorkItem&)> counts);
  ~LookAheadCount();
  LookAheadCount(const LookAheadCount&) = delete;
  LookAheadCount& operator=(const LookAheadCount&) = delete;

 private:
  std::atomic<bool> cancel_{false};
  std::thread t_;
};

}  // namespace pdqguard::cli
