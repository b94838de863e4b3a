// --hashes input: hex hashes, one per line.
#pragma once

#include "work_item.hpp"

#include <cstddef>
#include <string>

namespace pdqguard::cli {

/// --hashes lines longer than this get a bad_hash record (never held whole).
inline constexpr std::size_t kMaxHashLineBytes = 64 << 10;

/// Reads `path` ("-" = stdin) line by line; blank and '#' lines are skipped; a
/// line longer than kMaxHashLineBytes becomes a bad_hash item.
void read_hash_lines(const std::string& path, const Emit& emit);

}  // namespace pdqguard::cli
