// Input walking: files, recursive directories, paths on stdin, raw frame streams
// and hash lines, produced one at a time (nothing is listed in memory up front).
#pragma once

#include "records.hpp"
#include "stats.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pdqguard::cli {

/// One unit of work: a file to decode, a frame's bytes, a hash line, or an
/// input that already failed while walking (error set).
struct WorkItem {
  std::uint64_t seq = 0;
  InputKind kind = InputKind::file;
  std::string path;            ///< file path, or the hash line's text
  std::int64_t number = 0;     ///< frame index / line number
  std::vector<std::uint8_t> bytes;  ///< raw frame pixels
  const char* error = nullptr; ///< walk-time failure (code name)
  std::string message;
};

/// Returns false to stop producing (interrupted, output broken).
using Emit = std::function<bool(WorkItem&&)>;

/// Default --max-depth: directory levels entered below an input directory.
/// Each level being walked holds one open directory descriptor.
inline constexpr int kDefaultMaxDepth = 256;
/// Paths read from stdin ("-") longer than this are refused with an io_error
/// record (the rest of such a path is read and dropped, never held).
inline constexpr std::size_t kMaxPathBytes = 64 << 10;
/// --hashes lines longer than this get a bad_hash record (never held whole).
inline constexpr std::size_t kMaxHashLineBytes = 64 << 10;

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
/// an unreadable directory becomes an io_error item. Explicit arguments that are
/// symlinks are followed. Memory is bounded by the depth, not the file count.
void walk_inputs(const std::vector<std::string>& inputs, const WalkOptions& options, Stats& stats,
                 const Emit& emit);

/// Raw frame layouts accepted by --raw.
struct RawLayout {
  std::string name;
  int width = 0, height = 0;
  std::size_t frame_bytes = 0;
};
/// Parses --raw FORMAT and --size WxH; throws Error(invalid_argument).
RawLayout parse_raw_layout(const std::string& format, const std::string& size);
/// A FrameView over one frame's bytes laid out as `l`.
FrameView raw_view(const RawLayout& l, const std::uint8_t* p);
/// Reads frames of `l.frame_bytes` from `path` ("-" = stdin), one item each; a
/// short last frame becomes a decode_error item.
void read_raw_frames(const std::string& path, const RawLayout& l, const Emit& emit);

/// Reads `path` ("-" = stdin) line by line; blank and '#' lines are skipped; a
/// line longer than kMaxHashLineBytes becomes a bad_hash item.
void read_hash_lines(const std::string& path, const Emit& emit);

}  // namespace pdqguard::cli
