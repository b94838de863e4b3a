// BlocklistSource: where a blocklist comes from (hash list files and/or one
// index file), how its files are read, and reloading it when they change.
//
// This is the one home of list loading: the CLI (`pdqguard scan`, `index
// build`), the C API (pdqg_matcher_load / _reload / _reload_if_changed) and
// through it the gateway and the Python binding all load through it, with the
// same default policy.
//
// The default policy is STRICT (ParsePolicy::strict): a malformed line refuses
// the whole list with Error(list_parse_error) naming the file and line. Why:
// a blocklist is a safety control, and a line that fails to parse is a hash
// that would silently never be blocked; refusing the load (and, on a reload,
// keeping the previous list) fails closed and makes the operator fix the list.
// Lenient loading (skip, count and report every bad line) is an explicit
// opt-in: LoadOptions::parse.policy = lenient, `--lenient` in the CLI,
// PDQG_MATCHER_LENIENT in the C API, lenient=True in Python.
//
// Thread-safety: a BlocklistSource is an immutable value; load() and stamp()
// may be called from any number of threads at once.
#pragma once

#include <pdqguard/export.h>
#include <pdqguard/index.hpp>

#include <memory>
#include <string>
#include <vector>

namespace pdqguard {

/// How a BlocklistSource reads its files. The defaults are the documented
/// policy of every front end (strict parsing, the default list limits, kind
/// auto for lists, the index file's checksum verified).
struct LoadOptions {
  ParseOptions parse;  ///< hash lists: policy (default strict) and size limits
  BuildOptions build;  ///< hash lists: the index kind built over them (an index file keeps its own)
  OpenOptions open;    ///< the index file: checksum, populate, copy to memory
};

/// The sources of a blocklist: hash list files and/or one index file.
class PDQGUARD_API BlocklistSource {
 public:
  /// Remembers the sources (nothing is read yet). Throws Error(invalid_argument)
  /// when there is neither a list nor an index, or a path is empty.
  BlocklistSource(std::vector<std::string> lists, std::string index = {}, LoadOptions options = {});

  const std::vector<std::string>& lists() const noexcept { return lists_; }
  /// The index file ("" for none).
  const std::string& index() const noexcept { return index_; }
  const LoadOptions& options() const noexcept { return options_; }

  /// Reads every source and returns a new Matcher: lists only are parsed and
  /// built (options.build); an index only is opened (memory-mapped); with both,
  /// the lists' entries are added to the index's (Matcher::with_updates
  /// overlay). `reports`, when non-null, receives each parsed list without its
  /// entries (name, format, counts, problems) so a front end can report skipped
  /// lines. Throws Error: io_error, list_parse_error (strict policy),
  /// file_too_large, index_corrupt, invalid_argument; nothing is kept on failure.
  std::shared_ptr<const Matcher> load(std::vector<HashList>* reports = nullptr) const;

  /// A cheap change stamp of the sources: size, modification time (ns) and
  /// inode of each file ("missing" for one that cannot be stat'ed). A reload
  /// watcher compares stamps and reloads when they differ; a file rewritten
  /// within the file system's timestamp granularity with the same size and
  /// inode is not noticed (rename a new file into place instead). Never throws
  /// for a missing file.
  std::string stamp() const;

  /// One line for summaries: "index FILE", "N list file(s)" or "index FILE + N list file(s)".
  std::string describe() const;

 private:
  std::vector<std::string> lists_;
  std::string index_;
  LoadOptions options_;
};

}  // namespace pdqguard
