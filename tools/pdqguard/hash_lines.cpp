#include "hash_lines.hpp"

#include "fd_reader.hpp"

#include <string>

namespace pdqguard::cli {

void read_hash_lines(const std::string& path, const Emit& emit) {
  FdReader f(path);
  detail::FdSource src = f.source();
  detail::LineReaderOptions lo;  // BOM, CRLF; lines bounded
  lo.max_line_bytes = kMaxHashLineBytes;
  detail::LineReader r(src, lo);
  detail::Line l;
  while (r.next(l)) {
    const auto n = static_cast<std::int64_t>(l.number);
    if (l.too_long) {  // one bad_hash record; the line itself is not kept
      WorkItem w;
      w.kind = InputKind::hash_line;
      w.number = n;
      w.error = "bad_hash";
      w.message = "line longer than " + std::to_string(kMaxHashLineBytes) + " bytes: not a hash";
      if (!emit(std::move(w))) return;
      continue;
    }
    const std::string_view line = l.text;
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    WorkItem w;
    w.kind = InputKind::hash_line;
    w.path = std::string(line.substr(first));
    w.number = n;
    if (!emit(std::move(w))) return;
  }
}

}  // namespace pdqguard::cli
