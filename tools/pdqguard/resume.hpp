// --resume OUT.jsonl: which inputs already have a record in a previous output,
// and the one rule for touching that file: only pdqguard's own JSON-lines output
// (or an empty or new file) is ever modified.
#pragma once

#include "records.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>

namespace pdqguard::cli {

/// Longest record line --resume reads (a record with many long match labels);
/// a longer line means the file is not pdqguard's output.
inline constexpr std::size_t kMaxResumeLineBytes = std::size_t{64} << 20;

/// 64-bit keys (XXH3 of kind + path or number) of the inputs recorded in a file.
/// A collision would skip an input: probability ~n^2/2^65 (1e-5 at 10 million).
/// File paths are keyed normalised (absolute, lexically: `dump`, `./dump/`,
/// `$PWD/dump` name the same inputs); records keep the paths as given.
struct ResumeSet {
  std::unordered_set<std::uint64_t> keys;
  std::uint64_t records = 0;    ///< whole records read
  std::uint64_t transient = 0;  ///< of them, errors that may pass on a retry (is_transient): redone
  bool torn_tail = false;       ///< the last line had no newline: cut off, its input redone
  std::string cwd;              ///< relative paths are keyed under this directory

  bool contains(InputKind kind, const std::string& path, std::int64_t number) const;
};

/// Whether a record whose error code is `error` (its "error" field; empty for a
/// success) leaves its input to be done again by --resume: the library's
/// is_transient (out_of_memory, io_error). Such a record is not the input's final
/// one: --resume retries the input and appends its new record after it, and
/// `report`/`merge` take that later record in its place. The one home of what
/// counts as done. Pure, thread-safe.
bool retried_on_resume(std::string_view error);

/// The key of an input: its path lexically normalised (`cwd`, when given, makes a
/// relative path absolute; `report`/`merge` key paths as recorded, without it).
std::uint64_t resume_key(InputKind kind, const std::string& path, std::int64_t number,
                         const std::string& cwd = {});

/// A --resume file checked and opened for appending.
struct ResumeFile {
  ResumeSet set;
  int fd = -1;  ///< O_WRONLY | O_APPEND; the caller closes it
};

/// Opens `path` for --resume. A missing file is created (empty set). An existing
/// one is read with the library's bounded line reader and must be a regular file
/// whose every line is a pdqguard JSON record ({"path"|"frame"|"line": ..., and
/// "hash" or "error"}), except a torn last line that starts as one ({"): that
/// line is cut off (its input is redone). Anything else (a JPEG, a hash list, a
/// CSV output, a FIFO, a device, a directory) is refused with
/// Error(invalid_argument) naming why, before any byte of it is changed.
/// Throws Error(io_error) when the file cannot be opened, read or cut.
ResumeFile open_resume(const std::string& path);

}  // namespace pdqguard::cli
