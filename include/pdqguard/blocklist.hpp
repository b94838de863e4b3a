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
// An EMPTY blocklist is an error too (LoadOptions::allow_empty, default false):
// a list that loads 0 entries blocks nothing, which is what a truncated file,
// a wrong column or a limit that wrapped looks like. Front ends allow it only
// when told (`--allow-empty-list`, PDQG_MATCHER_ALLOW_EMPTY).
//
// Reloading a watched list fails closed (ReloadPolicy, check_reload,
// ChangeWatcher): an automatic reload happens only after the files have been
// unchanged for a settle time (a list rewritten in place is never read while
// it is being written), a load whose files changed while they were read is
// discarded, and a reloaded list that is empty or lost more than a fraction of
// the entries is refused, so the previous list stays in use.
//
// Thread-safety: a BlocklistSource is an immutable value; load() and stamp()
// may be called from any number of threads at once. A ChangeWatcher is not
// thread-safe (one per watched source, used under the caller's lock).
#pragma once

#include <pdqguard/export.h>
#include <pdqguard/index.hpp>

#include <chrono>
#include <cstddef>
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
  /// Accept a blocklist with 0 entries. Off by default: load() throws
  /// Error(list_parse_error, "... loaded 0 entries ...") instead.
  bool allow_empty = false;
};

/// Reload policy defaults and bounds (the C API's PDQG_MATCHER_SETTLE_MS and
/// PDQG_MATCHER_MAX_SHRINK_PERCENT, the gateway's --settle-ms and --max-shrink).
inline constexpr std::int64_t kDefaultSettleMs = 2000;
inline constexpr std::int64_t kMaxSettleMs = 3'600'000;
inline constexpr int kDefaultMaxShrinkPercent = 50;
inline constexpr int kMaxMaxShrinkPercent = 100;

/// When a changed blocklist is reloaded and which reloaded list is accepted.
struct ReloadPolicy {
  /// An automatic (watcher) reload waits until the source files' stamp has
  /// not changed for this long (0 = reload as soon as a change is seen).
  std::chrono::milliseconds settle{kDefaultSettleMs};
  /// Refuse a reloaded list that has lost more than this percentage of the
  /// current list's entries (0 = refuse any shrink, 100 = no shrink check;
  /// an empty list is still refused unless LoadOptions::allow_empty).
  int max_shrink_percent = kDefaultMaxShrinkPercent;
};

/// The reload acceptance rule: throws Error(list_parse_error) naming both
/// counts when `fresh` entries would replace `current` ones against `policy`
/// (0 entries without allow_empty; more than max_shrink_percent of `current`
/// lost). Does nothing when current is 0. Thread-safe.
PDQGUARD_API void check_reload(std::size_t current, std::size_t fresh, const ReloadPolicy& policy,
                               bool allow_empty);

/// The settle rule of an automatic reload, fed with BlocklistSource::stamp()
/// values: a reload is due when the stamp differs from the last one loaded or
/// attempted and has stayed the same for the settle time. Not thread-safe.
class PDQGUARD_API ChangeWatcher {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ChangeWatcher(std::string settled = {}) : settled_(std::move(settled)) {}

  /// True when `stamp` (taken at `now`) differs from the settled stamp and
  /// has been seen unchanged for at least `settle`.
  bool due(const std::string& stamp, Clock::time_point now, std::chrono::milliseconds settle);
  /// Records `stamp` as loaded or attempted: not due again until it changes.
  void settled(std::string stamp);
  /// The last stamp passed to settled() (or the constructor).
  const std::string& settled_stamp() const noexcept { return settled_; }

 private:
  std::string settled_;
  std::string pending_;
  Clock::time_point pending_since_{};
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
  /// file_too_large, index_corrupt, invalid_argument; list_parse_error also
  /// when the sources hold 0 entries and options.allow_empty is false; io_error
  /// when a source file's stamp changed while it was read (a torn read);
  /// nothing is kept on failure.
  std::shared_ptr<const Matcher> load(std::vector<HashList>* reports = nullptr) const;

  /// A cheap change stamp of the sources: size, modification time (ns) and
  /// inode of each file ("missing" for one that cannot be stat'ed). A reload
  /// watcher compares stamps and reloads when they differ; a file rewritten
  /// within the file system's timestamp granularity with the same size and
  /// inode is not noticed (rename a new file into place instead). A source that
  /// is not a regular file (a pipe, /dev/stdin) contributes only its inode.
  /// Never throws for a missing file.
  std::string stamp() const;

  /// One line for summaries: "index FILE", "N list file(s)" or "index FILE + N list file(s)".
  std::string describe() const;

 private:
  std::vector<std::string> lists_;
  std::string index_;
  LoadOptions options_;
};

}  // namespace pdqguard
