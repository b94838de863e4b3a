// Walking archives (zip, tar plain/gz/bz2/xz/zstd, 7z, and a single gz/bz2/xz/zstd
// stream) member by member, in memory, never extracting to disk.
#pragma once

#include <pdqguard/error.hpp>
#include <pdqguard/export.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace pdqguard {

/// Limits for hostile archives. Defaults suit untrusted input.
struct ArchiveOptions {
  /// Archives inside archives are opened down to this many levels (the outer
  /// archive is level 1); a deeper one gets an archive_limit record.
  int max_depth = 4;
  /// Stop (archive_limit record for the archive) after this many uncompressed
  /// bytes read from one outer archive, nested members included.
  std::uint64_t max_total_bytes = 4ull << 30;
  /// Stop after this many members (archive_limit record for the archive).
  std::uint64_t max_members = 1'000'000;
  /// A member above this many bytes gets a file_too_large record; refused
  /// from the header's size when the archive states it, before inflating.
  std::uint64_t max_member_bytes = 512ull << 20;
  /// A member whose uncompressed bytes exceed this many times the compressed
  /// bytes read for it (beyond a first MiB) is refused as a zip bomb
  /// (archive_limit), while it inflates, before it reaches max_member_bytes.
  double max_ratio = 100.0;
  /// Member paths (the full "a.zip!/dir/x.jpg" form) longer than this get an
  /// archive_limit record.
  std::size_t max_path = 4096;

  /// Bounds a front end accepts for max_depth; max_total_bytes and max_members
  /// take 1..kMaxCount, max_ratio any number > 0.
  static constexpr int kMinMaxDepth = 1;
  static constexpr int kMaxMaxDepth = 64;
  static constexpr std::uint64_t kMaxCount = std::uint64_t{1} << 62;
};

/// One visit of archive_walk: a member's bytes, or an error record for a path.
struct ArchiveMember {
  /// "outer.zip!/dir/member.jpg" (more "!/" for nested archives); for an error
  /// about a whole archive, that archive's own path.
  std::string path;
  /// The member's uncompressed bytes (valid during the callback only). Empty
  /// when `error` is set.
  std::span<const std::uint8_t> data;
  /// ErrorCode::ok, or why this path has no data: encrypted, archive_limit,
  /// not_a_file (symlink, device, fifo member: skipped), file_too_large,
  /// decode_error (a damaged archive: members before the damage were visited).
  ErrorCode error = ErrorCode::ok;
  std::string message;
};

/// True when `head` (the first 512 bytes of a file or fewer) starts like an
/// archive or compressed stream archive_walk opens: zip, 7z, gzip, bzip2, xz,
/// zstd, or a POSIX/GNU tar header.
PDQGUARD_API bool is_archive(std::span<const std::uint8_t> head) noexcept;

/// Walks the archive file at `path` (streamed from disk, so an archive of any
/// size needs one member's worth of memory), calling `visit` once per regular
/// member (data) and once per skipped or failed member or archive (error).
/// Directories give no visit. Members that are themselves archives are walked
/// in memory with paths joined by "!/". Never throws for archive content
/// (hostile bytes give error visits); throws Error(io_error) when the file
/// cannot be opened, and whatever `visit` throws. Thread-safe (no shared state).
PDQGUARD_API void archive_walk_file(const std::string& path, const ArchiveOptions& opts,
                                    const std::function<void(const ArchiveMember&)>& visit);
/// As archive_walk_file, for an archive already open as `fd` (read from its
/// current offset) and named `name` in the visits. Everything is read from
/// `fd` alone: a zip's central directory (the declared sizes that refuse a zip
/// bomb before inflating) with pread(2) when `fd` is a regular file, through a
/// window of 1 MiB whatever size the directory declares. A plain zip (whole
/// directory where its end record says, every member stored or deflated and
/// unencrypted, names in ASCII or flagged UTF-8) is then walked from that
/// directory alone, in its order and with its names, each member read with
/// pread(2) at the offset its entry gives and inflated with libdeflate; any
/// other archive is read by libarchive from `fd`'s offset. Does not close `fd`
/// (the caller keeps ownership); `fd` should be blocking. Never throws for
/// archive content; throws whatever `visit` throws. Thread-safe for distinct
/// descriptors.
PDQGUARD_API void archive_walk_fd(int fd, const std::string& name, const ArchiveOptions& opts,
                                  const std::function<void(const ArchiveMember&)>& visit);
/// As archive_walk_file, for an archive held in memory and named `name`.
PDQGUARD_API void archive_walk_memory(std::span<const std::uint8_t> bytes, const std::string& name,
                                      const ArchiveOptions& opts,
                                      const std::function<void(const ArchiveMember&)>& visit);

}  // namespace pdqguard
