#include "hash_lines.hpp"

#include "fd_reader.hpp"

#include <string>

namespace pdqguard::cli {

void read_hash_lines(const std::string& path, const Emit& emit) {
  FdReader r(path);
  std::string line;
  bool too_long = false;
  for (std::int64_t n = 1; r.next(line, '\n', kMaxHashLineBytes, &too_long); ++n) {
    if (too_long) {  // one bad_hash record; the line itself is not kept
      WorkItem w;
      w.kind = InputKind::hash_line;
      w.number = n;
      w.error = "bad_hash";
      w.message = "line longer than " + std::to_string(kMaxHashLineBytes) + " bytes: not a hash";
      if (!emit(std::move(w))) return;
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    WorkItem w;
    w.kind = InputKind::hash_line;
    w.path = line.substr(first);
    w.number = n;
    if (!emit(std::move(w))) return;
  }
}

}  // namespace pdqguard::cli
