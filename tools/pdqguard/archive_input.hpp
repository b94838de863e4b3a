// Archive inputs of the pipeline: the worker that takes a file whose first bytes
// are an archive walks it and queues one item per member ("a.zip!/dir/x.jpg",
// its bytes in memory, or the walk's error for it) for every worker to hash, so
// one large archive uses all the threads and several archives are read side by
// side. A walker never blocks on the others: when the member queue or the
// memory budget is full, it hashes a queued member itself.
#pragma once

#include "frame_pool.hpp"
#include "work_item.hpp"

#include <pdqguard/archive.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace pdqguard::cli {

/// What a walker needs from the pipeline (engine.cpp).
struct ArchiveHandoff {
  /// False for a member path to leave out (already in the --resume file).
  std::function<bool(const std::string& path)> wanted;
  /// Called before each member is read: waits while --sort's reorder buffer is
  /// full behind an earlier input; false to stop (interrupted, output failed).
  std::function<bool()> proceed;
  /// Queues a member; false (item untouched) when the member queue is full.
  std::function<bool(WorkItem& item)> try_push;
  /// Hashes one queued member on this thread; false when none was queued.
  std::function<bool()> help;
};

/// What expand_archive did with an input.
struct ArchiveExpansion {
  enum Outcome {
    not_an_archive,  ///< nothing read beyond its first 512 bytes: hash it as a file
    walked,          ///< every member (or the archive's error) was queued
    stopped,         ///< `proceed` returned false: the walk was abandoned
  } outcome = not_an_archive;
  std::uint64_t parts = 0;  ///< items queued (their `part` is 0..parts-1)
};

/// When `w` is a file whose first 512 bytes start an archive (is_archive), walks
/// it on the calling thread with `opts` and queues, in the archive's order, one
/// item per member that `wanted` accepts: seq = w.seq, part = 0, 1, 2..., its
/// bytes copied into a buffer of `pool` (when the pool's budget is spent, queued
/// members are hashed here until it has room), or the walk's error for that
/// member or for the whole archive (io_error, out_of_memory...). Every item
/// points to `countdown` (made here), which counts each item queued plus one for
/// the walk; the caller drops that one when this returns (ArchiveCountdown).
/// Regular files only (read_file_head): a FIFO keeps its bytes for the file path.
ArchiveExpansion expand_archive(const WorkItem& w, const ArchiveOptions& opts, BytePool& pool,
                                const ArchiveHandoff& h, std::shared_ptr<ArchiveCountdown>& countdown);

}  // namespace pdqguard::cli
