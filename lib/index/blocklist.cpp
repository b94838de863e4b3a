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
  const std::string before = stamp();
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
  // A file that changed while it was read may have been read half-written.
  if (stamp() != before)
    throw Error(ErrorCode::io_error, describe() + ": a source file changed while it was read; not using what was read");
  if (m->entry_count() == 0 && !options_.allow_empty)
    throw Error(ErrorCode::list_parse_error,
                describe() + ": loaded 0 entries; an empty blocklist blocks nothing (allow it explicitly: "
                             "--allow-empty-list, PDQG_MATCHER_ALLOW_EMPTY, LoadOptions::allow_empty)");
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
    if (!S_ISREG(st.st_mode)) {  // a pipe or device: its size and times say nothing about its content
      s += "special:" + std::to_string(st.st_ino) + ";";
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

void check_reload(std::size_t current, std::size_t fresh, const ReloadPolicy& policy, bool allow_empty) {
  if (current == 0) return;
  if (fresh == 0 && !allow_empty)
    throw Error(ErrorCode::list_parse_error, "reload refused: the list would go from " + std::to_string(current) +
                                                 " entries to 0 (the current list stays in use)");
  const int pct = policy.max_shrink_percent;
  if (pct < 0 || pct >= 100 || fresh >= current) return;
  // Lost more than pct % of current: (current - fresh) * 100 > pct * current.
  const auto lost = static_cast<unsigned long long>(current - fresh);
  if (lost * 100ull > static_cast<unsigned long long>(pct) * current)
    throw Error(ErrorCode::list_parse_error,
                "reload refused: the list would shrink from " + std::to_string(current) + " to " +
                    std::to_string(fresh) + " entries, more than the allowed " + std::to_string(pct) +
                    " % (the current list stays in use)");
}

bool ChangeWatcher::due(const std::string& stamp, Clock::time_point now, std::chrono::milliseconds settle) {
  if (stamp == settled_) {
    pending_.clear();
    return false;
  }
  if (stamp != pending_) {  // a new change: start its settle time
    pending_ = stamp;
    pending_since_ = now;
  }
  return now - pending_since_ >= settle;
}

void ChangeWatcher::settled(std::string stamp) {
  settled_ = std::move(stamp);
  pending_.clear();
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
