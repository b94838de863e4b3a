// BlocklistSource (the one home of list loading) and build_matcher_from_files.
#include <pdqguard/blocklist.hpp>

#include <sys/stat.h>

namespace pdqguard {

BlocklistSource::BlocklistSource(std::vector<std::string> lists, std::string index, LoadOptions options)
    : lists_(std::move(lists)), index_(std::move(index)), options_(std::move(options)) {
  if (lists_.empty() && index_.empty())
    throw Error(ErrorCode::invalid_argument, "no hash list and no index file given");
  for (const std::string& l : lists_)
    if (l.empty()) throw Error(ErrorCode::invalid_argument, "a hash list path is empty");
}

std::shared_ptr<const Matcher> BlocklistSource::load(std::vector<HashList>* reports) const {
  std::vector<HashList> parsed;
  parsed.reserve(lists_.size());
  for (const std::string& p : lists_) parsed.push_back(parse_list_file(p, options_.parse));
  std::shared_ptr<const Matcher> m;
  if (index_.empty()) {
    m = Matcher::build(parsed, options_.build);
  } else {
    m = Matcher::open(index_, options_.open);
    if (!parsed.empty()) {
      MatcherUpdate update;
      update.add = std::move(parsed);
      m = m->with_updates(update);
      parsed = std::move(update.add);
    }
  }
  if (reports != nullptr) {
    for (HashList& l : parsed) {
      l.entries.clear();
      l.entries.shrink_to_fit();
      reports->push_back(std::move(l));
    }
  }
  return m;
}

std::string BlocklistSource::stamp() const {
  std::string s;
  auto add = [&s](const std::string& f) {
    struct stat st {};
    if (::stat(f.c_str(), &st) != 0) {
      s += "missing;";
      return;
    }
    s += std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
         std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_ino) + ";";
  };
  for (const std::string& f : lists_) add(f);
  if (!index_.empty()) add(index_);
  return s;
}

std::string BlocklistSource::describe() const {
  std::string s;
  if (!index_.empty()) s = "index " + index_;
  if (!lists_.empty()) s += (s.empty() ? "" : " + ") + std::to_string(lists_.size()) + " list file(s)";
  return s;
}

std::shared_ptr<const Matcher> build_matcher_from_files(std::span<const std::string> paths, const ParseOptions& parse,
                                                        const BuildOptions& build, std::vector<HashList>* reports) {
  if (paths.empty()) return Matcher::build({}, build);
  LoadOptions o;
  o.parse = parse;
  o.build = build;
  return BlocklistSource(std::vector<std::string>(paths.begin(), paths.end()), {}, o).load(reports);
}

}  // namespace pdqguard
