#include "archive_input.hpp"

#include <pdqguard/error.hpp>
#include <pdqguard/image.hpp>

#include <sys/stat.h>
#include <unistd.h>

namespace pdqguard::cli {

bool scan_archive_input(const WorkItem& w, const ArchiveOptions& opts, const HashMember& hash_member,
                        const std::function<void(Record&&)>& out) {
  std::uint8_t head[512];
  ssize_t n = 0;
  {
    // Only regular files are sniffed (a FIFO read with --read-special must not
    // lose its first bytes here, nor be opened and closed under its writer:
    // stat first); any other failure is the plain file path's to report.
    struct stat st {};
    if (::stat(w.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    int fd = -1;
    try {
      fd = open_input_file(w.path);
    } catch (const Error&) {
      return false;
    }
    n = ::pread(fd, head, sizeof head, 0);
    ::close(fd);
    if (n <= 0) return false;
  }
  if (!is_archive(std::span<const std::uint8_t>(head, static_cast<std::size_t>(n)))) return false;
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
