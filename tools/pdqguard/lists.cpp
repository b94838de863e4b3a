// The CLI's list loading: ListOptions -> BlocklistSource (the library's one home
// of list loading), plus the stderr report of skipped lines.
#include "lists.hpp"

#include <pdqguard/error.hpp>

#include <cstdio>

namespace pdqguard::cli {

LoadedLists load_lists(const ListOptions& o, bool quiet) {
  if (o.lenient && o.strict) throw Error(ErrorCode::invalid_argument, "give --lenient or --strict, not both");
  LoadOptions lo;  // the library's defaults (strict), changed only by explicit options
  if (o.lenient) lo.parse.policy = ParsePolicy::lenient;
  lo.parse.max_list_bytes = o.max_list_bytes;
  lo.parse.max_line_bytes = o.max_line_bytes;
  lo.allow_empty = o.allow_empty;
  lo.build.kind = parse_index_kind(o.index_kind);
  lo.build.mih_substrings = o.mih_substrings;
  const BlocklistSource source(o.lists, o.index, lo);
  std::vector<HashList> reports;
  LoadedLists out;
  out.matcher = source.load(&reports);
  // A skipped line is never silent: name each one (the first few) and count them all.
  for (const HashList& l : reports) {
    if (!l.skipped && !l.ignored) continue;
    std::fprintf(stderr, "pdqguard: list %s (%s): %zu malformed line(s) skipped, %zu of another signal type ignored\n",
                 l.name.c_str(), list_format_name(l.format), l.skipped, l.ignored);
    if (quiet) continue;
    std::size_t shown = 0;
    for (const ParseProblem& p : l.problems) {
      if (++shown > 10) {
        std::fprintf(stderr, "pdqguard:   ... (%zu more)\n", l.problems.size() - 10);
        break;
      }
      std::fprintf(stderr, "pdqguard:   %s:%zu: %s\n", p.file.c_str(), p.line, p.reason.c_str());
    }
  }
  const IndexInfo info = out.matcher->info();
  out.description = source.describe() + ", " + std::to_string(info.lists.size()) + " list(s), " +
                    std::to_string(out.matcher->entry_count()) + " entries, " + out.matcher->describe();
  return out;
}

void add_list_policy_options(CLI::App* cmd, ListOptions& o) {
  cmd->add_flag("--lenient", o.lenient,
                "Skip malformed list lines (each is reported on stderr) instead of refusing the list");
  cmd->add_flag("--strict", o.strict, "Refuse a list with any malformed line (the default)");
  cmd->add_option("--max-list-bytes", o.max_list_bytes,
                  "Refuse a list file larger than this many bytes (file_too_large), checked before "
                  "reading it; 0 = no limit")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, kMaxMaxListBytes));
  cmd->add_option("--max-line-bytes", o.max_line_bytes,
                  "A list line longer than this many bytes is malformed (list_parse_error; skipped and "
                  "reported with --lenient); 0 = no limit")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{0}, kMaxMaxLineBytes));
  cmd->add_flag("--allow-empty-list", o.allow_empty,
                "Accept lists that hold 0 entries in all (by default an empty blocklist is an error, exit 2: "
                "it blocks nothing)");
}

}  // namespace pdqguard::cli
