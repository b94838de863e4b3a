// Temporary blocklist backend until the matching library (include/pdqguard/index.hpp)
// lands: plain-text lists (first field of each line a 64-hex hash, '#' comments),
// brute-force exact scan. Replaced by matcher_index.cpp.
#include "matcher.hpp"

#include <pdqguard/error.hpp>

#include <cstdio>
#include <fstream>

namespace pdqguard::cli {
namespace {
struct Entry {
  Hash256 hash;
  std::size_t list;
  std::string id;
};

class BruteForce final : public MatchBackend {
 public:
  std::vector<std::string> names;
  std::vector<Entry> entries;

  void match(const Hash256* hashes, int n, int threshold, std::vector<Hit>& out) const override {
    for (const Entry& e : entries) {
      int best = 257, bestv = 0;
      for (int v = 0; v < n; ++v) {
        const int d = distance(hashes[v], e.hash);
        if (d < best) best = d, bestv = v;
      }
      if (best <= threshold)
        out.push_back(Hit{names[e.list], e.id, "", e.hash, best, static_cast<Dihedral>(bestv)});
    }
  }
  std::string describe() const override {
    return std::to_string(names.size()) + " list(s), " + std::to_string(entries.size()) +
           " entries, brute force";
  }
};
}  // namespace

std::unique_ptr<MatchBackend> load_backend(const ListOptions& o, bool quiet) {
  if (!o.index.empty())
    throw Error(ErrorCode::invalid_argument, "--index needs the matching library (not built in)");
  auto b = std::make_unique<BruteForce>();
  for (const std::string& path : o.lists) {
    std::ifstream in(path);
    if (!in) throw Error(ErrorCode::io_error, path + ": cannot open list");
    const std::size_t li = b->names.size();
    const auto slash = path.find_last_of('/');
    b->names.push_back(slash == std::string::npos ? path : path.substr(slash + 1));
    std::string line;
    std::size_t lineno = 0, bad = 0;
    while (std::getline(in, line)) {
      ++lineno;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty() || line[0] == '#') continue;
      Hash256 h;
      std::string why;
      if (!Hash256::try_from_hex(std::string_view(line).substr(0, 64), h, &why) ||
          (line.size() > 64 && std::isxdigit(static_cast<unsigned char>(line[64])))) {
        if (o.strict)
          throw Error(ErrorCode::list_parse_error,
                      path + ":" + std::to_string(lineno) + ": " + (why.empty() ? "bad hash" : why));
        ++bad;
        if (!quiet)
          std::fprintf(stderr, "pdqguard: %s:%zu: skipped: %s\n", path.c_str(), lineno, why.c_str());
        continue;
      }
      b->entries.push_back(Entry{h, li, std::to_string(lineno)});
    }
  }
  return b;
}

}  // namespace pdqguard::cli
