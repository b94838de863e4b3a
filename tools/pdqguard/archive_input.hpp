// Archive inputs of the pipeline: a file that is an archive is walked by the
// input reader, which hands the workers one item per member ("a.zip!/dir/x.jpg",
// its bytes in memory, or the walk's error for it), so the members of one
// archive are hashed by all the workers, while the reader inflates the next ones.
#pragma once

#include "frame_pool.hpp"
#include "work_item.hpp"

#include <pdqguard/archive.hpp>

#include <functional>
#include <memory>
#include <string>

namespace pdqguard::cli {

/// What expand_archive did with an input.
enum class ArchiveExpansion {
  not_an_archive,  ///< nothing read beyond its first 512 bytes: hash it as a file
  walked,          ///< every member (or the archive's error) was handed over
  stopped,         ///< `submit` returned false: the walk was abandoned
};

/// When `w` is a file whose first 512 bytes start an archive (is_archive), walks
/// it on the calling thread with `opts` and gives `submit`, in the archive's
/// order, one item per member that `wanted(path)` accepts: its bytes copied into
/// a buffer of `pool` (so the walk waits while the pool's budget is in flight),
/// or the walk's error for that member, or for the whole archive (io_error,
/// out_of_memory...). Every item points to `countdown` (made here, returned
/// through it), which already counts each item handed over plus one for the walk;
/// the caller drops that one when this returns (see ArchiveCountdown). Regular
/// files only (read_file_head): a FIFO keeps its bytes for the plain file path.
ArchiveExpansion expand_archive(const WorkItem& w, const ArchiveOptions& opts, BytePool& pool,
                                const std::function<bool(const std::string& path)>& wanted,
                                const std::function<bool(WorkItem&&)>& submit,
                                std::shared_ptr<ArchiveCountdown>& countdown);

}  // namespace pdqguard::cli
