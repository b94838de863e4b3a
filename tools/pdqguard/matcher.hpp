// What the scan pipeline needs from a blocklist: radius queries on 1 or 8 hashes.
#pragma once

#include <CLI/CLI.hpp>
#include <pdqguard/hash.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/index.hpp>

#include <memory>
#include <string>
#include <vector>

namespace pdqguard::cli {

/// One list entry within the threshold of a queried hash (the library's Match:
/// list, id, label, hash, distance, variant).
using Hit = pdqguard::Match;

/// A loaded blocklist. Immutable after loading; match() is called from many
/// threads at once and must be thread-safe.
class MatchBackend {
 public:
  virtual ~MatchBackend() = default;
  /// Appends to `out` every entry within `threshold` of any of `hashes[0..n)`,
  /// where hashes[i] is the Dihedral(i) variant (n is 1 or 8). One hit per entry
  /// (the smallest distance over the variants; ties go to the lowest variant).
  virtual void match(const Hash256* hashes, int n, int threshold, std::vector<Hit>& out) const = 0;
  /// One line for the summary, e.g. "2 lists, 1234 entries, index kind mih".
  virtual std::string describe() const = 0;
};

/// Options naming the lists to load.
struct ListOptions {
  std::vector<std::string> lists;  ///< --list FILE (repeatable)
  std::string index;               ///< --index FILE (a built index file)
  std::string index_kind = "auto";
  int mih_substrings = 0;
  bool strict = false;             ///< refuse a list with any malformed line
  /// --max-list-bytes: refuse a larger list file (file_too_large); 0 = no limit.
  std::uint64_t max_list_bytes = kDefaultMaxListBytes;
  /// --max-line-bytes: a longer list line is malformed (list_parse_error); 0 = no limit.
  std::size_t max_line_bytes = kDefaultMaxLineBytes;
};

/// Adds --max-list-bytes and --max-line-bytes to a command that loads lists.
void add_list_limit_options(CLI::App* cmd, ListOptions& o);

/// Loads the lists; throws pdqguard::Error on failure. Messages about skipped
/// lines go to stderr.
std::unique_ptr<MatchBackend> load_backend(const ListOptions& o, bool quiet);
/// The Matcher behind load_backend (lists built in memory, or an index file opened).
std::shared_ptr<const Matcher> load_matcher(const ListOptions& o, bool quiet);

}  // namespace pdqguard::cli
