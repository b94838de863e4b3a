// --resume OUT.jsonl: which inputs already have a record in a previous output.
#pragma once

#include "records.hpp"

#include <cstdint>
#include <string>
#include <unordered_set>

namespace pdqguard::cli {

/// 64-bit keys (XXH3 of kind + path or number) of the inputs recorded in a file.
/// A collision would skip an input: probability ~n^2/2^65 (1e-5 at 10 million).
struct ResumeSet {
  std::unordered_set<std::uint64_t> keys;
  std::uint64_t records = 0;   ///< whole records read
  std::uint64_t unreadable = 0;  ///< complete lines that were not a record (ignored)
  bool torn_tail = false;      ///< the last line had no newline: cut off, its input redone

  bool contains(InputKind kind, const std::string& path, std::int64_t number) const;
};

std::uint64_t resume_key(InputKind kind, const std::string& path, std::int64_t number);

/// Reads `path` (a missing file is an empty set), and truncates a torn last line
/// so appended records start on a fresh line. Throws Error(io_error) if the file
/// cannot be read or truncated.
ResumeSet load_resume(const std::string& path);

}  // namespace pdqguard::cli
