#include "archive_input.hpp"

#include <pdqguard/error.hpp>

#include <cstdio>
#include <memory>

namespace pdqguard::cli {

bool scan_archive_input(const WorkItem& w, const ArchiveOptions& opts, const HashMember& hash_member,
                        const std::function<void(Record&&)>& out) {
  std::uint8_t head[512];
  std::size_t n = 0;
  {
    struct Closer {
      void operator()(std::FILE* f) const noexcept { std::fclose(f); }
    };
    std::unique_ptr<std::FILE, Closer> f(std::fopen(w.path.c_str(), "rb"));
    if (!f) return false;
    n = std::fread(head, 1, sizeof head, f.get());
  }
  if (!is_archive(std::span<const std::uint8_t>(head, n))) return false;
  try {
    archive_walk_file(w.path, opts, [&](const ArchiveMember& m) {
      if (m.error != ErrorCode::ok)
        out(error_of(InputKind::file, m.path, 0, error_code_name(m.error), m.message));
      else
        out(hash_member(m.path, m.data));
    });
  } catch (const Error& e) {
    out(error_of(InputKind::file, w.path, 0, e.code_name(), e.what()));
  } catch (const std::bad_alloc&) {
    out(error_of(InputKind::file, w.path, 0, "out_of_memory", "out of memory while reading the archive"));
  }
  return true;
}

}  // namespace pdqguard::cli
