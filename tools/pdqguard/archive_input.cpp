#include "archive_input.hpp"

#include <pdqguard/error.hpp>
#include <pdqguard/image.hpp>

namespace pdqguard::cli {

bool scan_archive_input(const WorkItem& w, const ArchiveOptions& opts, const HashMember& hash_member,
                        const std::function<void(Record&&)>& out) {
  // Only regular files are sniffed (read_file_head): a FIFO read with
  // --read-special keeps its first bytes for the plain file path.
  std::uint8_t head[512];
  const std::size_t n = read_file_head(w.path, head);
  if (n == 0) return false;
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
