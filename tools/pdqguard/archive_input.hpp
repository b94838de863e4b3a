// Archive inputs of the pipeline: a file that is an archive becomes one record
// per member ("a.zip!/dir/x.jpg"), hashed from memory by the worker that took it.
#pragma once

#include "input.hpp"
#include "records.hpp"

#include <pdqguard/archive.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <string>

namespace pdqguard::cli {

/// Hashes (and matches) one member's bytes into a record named `path`.
using HashMember = std::function<Record(const std::string& path, std::span<const std::uint8_t> bytes)>;

/// When `w` is a file whose first bytes are an archive (is_archive), walks it
/// with `opts`, giving `out` one record per member (hash_member's, or an error
/// record from the walk), and returns true. Returns false, without reading
/// more than the file's first 512 bytes, for any other file (or one that
/// cannot be opened: the ordinary path then reports it).
bool scan_archive_input(const WorkItem& w, const ArchiveOptions& opts, const HashMember& hash_member,
                        const std::function<void(Record&&)>& out);

}  // namespace pdqguard::cli
