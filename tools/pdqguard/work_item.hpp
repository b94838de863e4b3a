// The unit of work the input readers hand to the pipeline's workers.
#pragma once

#include "frame_pool.hpp"
#include "records.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace pdqguard::cli {

/// One archive being expanded into member items: the items not yet finished,
/// plus one while the archive is still being walked. Whoever takes it to zero
/// counts the archive as one input done (progress counts an archive once).
struct ArchiveCountdown {
  std::atomic<std::int64_t> left{1};
};

/// One unit of work: a file to decode, an archive member's bytes, a frame's
/// bytes, a hash line, or an input that already failed while walking (error set).
struct WorkItem {
  std::uint64_t seq = 0;
  InputKind kind = InputKind::file;
  std::string path;            ///< file path, or the hash line's text
  std::int64_t number = 0;     ///< frame index / line number
  FrameBuffer bytes;           ///< raw frame pixels (a recycled buffer)
  PooledBytes member;          ///< an archive member's bytes (path is "a.zip!/x.jpg")
  /// Set for every item of an archive (a member's bytes or error): its archive,
  /// whose seq the item shares; `part` orders the archive's items (Sink::submit_part).
  std::shared_ptr<ArchiveCountdown> archive;
  std::uint64_t part = 0;
  const char* error = nullptr; ///< walk-time failure (code name)
  std::string message;
  /// --shard: bytes of `path` before the part relative to the input directory it was
  /// found under (0 for an input named on the command line or read from stdin).
  std::size_t shard_key_offset = 0;
};

/// Returns false to stop producing (interrupted, output broken).
using Emit = std::function<bool(WorkItem&&)>;

}  // namespace pdqguard::cli
