// The CLI's list options: --list/--index/--lenient/... turned into the
// library's BlocklistSource (include/pdqguard/blocklist.hpp), which owns list
// loading and its default policy (strict).
#pragma once

#include <CLI/CLI.hpp>
#include <pdqguard/blocklist.hpp>
#include <pdqguard/index.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pdqguard::cli {

/// Options naming the lists to load.
struct ListOptions {
  std::vector<std::string> lists;  ///< --list FILE (repeatable)
  std::string index;               ///< --index FILE (a built index file; lists are added to it)
  std::string index_kind = "auto";
  int mih_substrings = 0;
  /// --lenient: skip (and report) malformed lines instead of refusing the list.
  /// Off by default: the library's one policy is strict (blocklist.hpp says why).
  bool lenient = false;
  bool strict = false;  ///< --strict: the default, accepted for scripts written before it was
  /// --max-list-bytes: refuse a larger list file (file_too_large); 0 = no limit.
  std::uint64_t max_list_bytes = kDefaultMaxListBytes;
  /// --max-line-bytes: a longer list line is malformed (list_parse_error); 0 = no limit.
  std::size_t max_line_bytes = kDefaultMaxLineBytes;
  /// --allow-empty-list: accept lists that hold 0 entries (refused by default:
  /// the library's LoadOptions::allow_empty rule).
  bool allow_empty = false;
};

/// Adds --lenient/--strict, --max-list-bytes, --max-line-bytes and --allow-empty-list to a command
/// that loads lists.
void add_list_policy_options(CLI::App* cmd, ListOptions& o);

/// A loaded blocklist and the line the summary shows for it.
struct LoadedLists {
  std::shared_ptr<const Matcher> matcher;
  std::string description;
};

/// Loads the lists through BlocklistSource; throws pdqguard::Error on failure.
/// Skipped lines (--lenient) are named on stderr (the first 10 per list unless `quiet`).
LoadedLists load_lists(const ListOptions& o, bool quiet);

}  // namespace pdqguard::cli
