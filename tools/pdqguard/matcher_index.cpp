// The scan backend over the matching library (include/pdqguard/index.hpp): hash
// lists parsed and indexed in memory, or a prebuilt index file memory-mapped.
#include "matcher.hpp"

#include <pdqguard/error.hpp>

#include <cstdio>

namespace pdqguard::cli {
namespace {

class LibraryBackend final : public MatchBackend {
 public:
  explicit LibraryBackend(std::shared_ptr<const Matcher> m, std::string origin)
      : m_(std::move(m)), origin_(std::move(origin)) {}

  void match(const Hash256* hashes, int n, int threshold, std::vector<Hit>& out) const override {
    QueryOptions q;
    q.radius = threshold;
    q.min_quality = 0;  // the pipeline applies --min-quality itself (and reports low_quality)
    QueryResult r;
    if (n == 8) {
      DihedralResult d;
      for (std::size_t i = 0; i < 8; ++i) d.hashes[i] = hashes[i];
      d.quality = 100;
      r = m_->query(d, q);
    } else {
      r = m_->query(hashes[0], q);
    }
    for (Match& m : r.matches) out.push_back(std::move(m));
  }

  std::string describe() const override {
    const IndexInfo info = m_->info();
    return origin_ + ", " + std::to_string(info.lists.size()) + " list(s), " +
           std::to_string(m_->entry_count()) + " entries, " + m_->describe();
  }

 private:
  std::shared_ptr<const Matcher> m_;
  std::string origin_;
};

}  // namespace

std::shared_ptr<const Matcher> load_matcher(const ListOptions& o, bool quiet) {
  if (!o.index.empty()) {
    if (!o.lists.empty())
      throw Error(ErrorCode::invalid_argument, "give --list files or one --index file, not both");
    return Matcher::open(o.index);
  }
  ParseOptions parse;
  parse.policy = o.strict ? ParsePolicy::strict : ParsePolicy::lenient;
  parse.max_list_bytes = o.max_list_bytes;
  parse.max_line_bytes = o.max_line_bytes;
  BuildOptions build;
  build.kind = parse_index_kind(o.index_kind);
  build.mih_substrings = o.mih_substrings;
  std::vector<HashList> reports;
  auto m = build_matcher_from_files(o.lists, parse, build, &reports);
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
  return m;
}

void add_list_limit_options(CLI::App* cmd, ListOptions& o) {
  cmd->add_option("--max-list-bytes", o.max_list_bytes,
                  "Refuse a list file larger than this many bytes (file_too_large), checked before "
                  "reading it; 0 = no limit")
      ->capture_default_str();
  cmd->add_option("--max-line-bytes", o.max_line_bytes,
                  "A list line longer than this many bytes is malformed (skipped and reported; "
                  "list_parse_error with --strict); 0 = no limit")
      ->capture_default_str();
}

std::unique_ptr<MatchBackend> load_backend(const ListOptions& o, bool quiet) {
  return std::make_unique<LibraryBackend>(load_matcher(o, quiet),
                                          o.index.empty() ? "lists" : "index " + o.index);
}

}  // namespace pdqguard::cli
