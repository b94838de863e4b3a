// Archive walking with libarchive: every member read into memory (bounded by
// the limits), nested archives walked from memory, errors as visits.
#include <pdqguard/archive.hpp>
#include <pdqguard/error.hpp>
#include <pdqguard/image.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <cstring>
#include <memory>
#include <vector>

#include <unistd.h>

namespace pdqguard {

bool is_archive(std::span<const std::uint8_t> h) noexcept {
  auto starts = [&](const char* magic, std::size_t n, std::size_t at = 0) {
    return h.size() >= at + n && std::memcmp(h.data() + at, magic, n) == 0;
  };
  return starts("PK\x03\x04", 4) || starts("PK\x05\x06", 4) || starts("7z\xBC\xAF\x27\x1C", 6) ||
         starts("\x1F\x8B", 2) || starts("BZh", 3) || starts("\xFD" "7zXZ\0", 6) ||
         starts("\x28\xB5\x2F\xFD", 4) || starts("ustar", 5, 257);
}

namespace {
struct ArchiveFree {
  void operator()(archive* a) const noexcept { archive_read_free(a); }
};

struct Walk {
  const ArchiveOptions& o;
  const std::function<void(const ArchiveMember&)>& visit;
  std::uint64_t total = 0;  // uncompressed bytes, whole walk
  std::uint64_t members = 0;
  bool stopped = false;     // a walk-wide limit was hit: stop everywhere

  void error(const std::string& path, ErrorCode code, const std::string& message) {
    ArchiveMember m;
    m.path = path;
    m.error = code;
    m.message = message;
    visit(m);
  }
  void walk(archive* a, const std::string& name, int depth);
  void member_bytes(const std::string& path, std::span<const std::uint8_t> data, int depth);
};

std::unique_ptr<archive, ArchiveFree> new_reader() {
  std::unique_ptr<archive, ArchiveFree> a(archive_read_new());
  if (!a) throw std::bad_alloc();
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  archive_read_support_format_raw(a.get());  // a lone .gz/.xz/... holding one file
  return a;
}

std::string reason(archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown libarchive error";
}

void Walk::member_bytes(const std::string& path, std::span<const std::uint8_t> data, int depth) {
  if (is_archive(data.first(std::min<std::size_t>(data.size(), 512)))) {
    if (depth >= o.max_depth) {
      error(path, ErrorCode::archive_limit,
            "archive nested deeper than the limit of " + std::to_string(o.max_depth) + " levels");
      return;
    }
    auto a = new_reader();
    if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) {
      error(path, ErrorCode::decode_error, "archive cannot be opened: " + reason(a.get()));
      return;
    }
    walk(a.get(), path, depth + 1);
    return;
  }
  ArchiveMember m;
  m.path = path;
  m.data = data;
  visit(m);
}

void Walk::walk(archive* a, const std::string& name, int depth) {
  archive_entry* e = nullptr;
  std::vector<std::uint8_t> buf;
  for (;;) {
    if (stopped) return;
    const int rc = archive_read_next_header(a, &e);
    if (rc == ARCHIVE_EOF) return;
    if (rc < ARCHIVE_WARN) {
      error(name, ErrorCode::decode_error,
            "archive damaged after " + std::to_string(members) + " members: " + reason(a));
      return;
    }
    if (++members > o.max_members) {
      error(name, ErrorCode::archive_limit,
            "more than " + std::to_string(o.max_members) + " archive members: the rest are not read");
      stopped = true;
      return;
    }
    const char* p = archive_entry_pathname(e);
    const bool raw = archive_format(a) == ARCHIVE_FORMAT_RAW;
    const std::string member = raw ? std::string("data") : (p ? p : "(unnamed member)");
    const std::string path = name + "!/" + member;
    const mode_t type = archive_entry_filetype(e);
    if (type == AE_IFDIR) continue;
    if (path.size() > o.max_path) {
      error(path.substr(0, o.max_path), ErrorCode::archive_limit,
            "member path of " + std::to_string(path.size()) + " bytes exceeds the limit of " +
                std::to_string(o.max_path));
      continue;
    }
    if (!raw && type != AE_IFREG) {
      const char* what = type == AE_IFLNK ? "symbolic link" : type == AE_IFCHR || type == AE_IFBLK ? "device"
                         : type == AE_IFIFO ? "fifo" : type == AE_IFSOCK ? "socket" : "non-regular member";
      error(path, ErrorCode::not_a_file, std::string(what) + " in an archive: skipped");
      continue;
    }
    if (archive_entry_is_encrypted(e)) {
      error(path, ErrorCode::encrypted, "encrypted archive member: not read");
      continue;
    }
    if (archive_entry_size_is_set(e) && static_cast<std::uint64_t>(archive_entry_size(e)) > o.max_member_bytes) {
      error(path, ErrorCode::file_too_large,
            "member of " + std::to_string(archive_entry_size(e)) + " bytes exceeds the limit of " +
                std::to_string(o.max_member_bytes) + " bytes");
      continue;
    }
    // Read the member, checking the limits as it inflates.
    buf.clear();
    const la_int64_t packed0 = archive_filter_bytes(a, -1);
    bool failed = false;
    for (;;) {
      const void* block = nullptr;
      std::size_t size = 0;
      la_int64_t off = 0;
      const int r = archive_read_data_block(a, &block, &size, &off);
      if (r == ARCHIVE_EOF) break;
      if (r < ARCHIVE_WARN) {
        const ErrorCode code = archive_entry_is_encrypted(e) ? ErrorCode::encrypted : ErrorCode::decode_error;
        error(path, code, "member damaged: " + reason(a));
        failed = true;
        break;
      }
      if (off < 0 || static_cast<std::uint64_t>(off) > o.max_member_bytes) {
        error(path, ErrorCode::file_too_large, "member exceeds the limit of " + std::to_string(o.max_member_bytes) + " bytes");
        failed = true;
        break;
      }
      const std::uint64_t end = static_cast<std::uint64_t>(off) + size;
      if (end > o.max_member_bytes) {
        error(path, ErrorCode::file_too_large,
              "member exceeds the limit of " + std::to_string(o.max_member_bytes) + " bytes");
        failed = true;
        break;
      }
      if (end > buf.size()) {
        total += end - buf.size();
        if (total > o.max_total_bytes) {
          error(name, ErrorCode::archive_limit,
                "more than " + std::to_string(o.max_total_bytes) + " uncompressed bytes: the rest is not read");
          stopped = true;
          return;
        }
        buf.resize(end);  // a sparse hole reads as zeros
      }
      if (size > 0) std::memcpy(buf.data() + off, block, size);  // an empty block may be null
      const double packed = static_cast<double>(archive_filter_bytes(a, -1) - packed0) + 4096.0;
      if (buf.size() > (1u << 20) && static_cast<double>(buf.size()) > o.max_ratio * packed) {
        error(path, ErrorCode::archive_limit,
              "compression ratio above " + std::to_string(static_cast<int>(o.max_ratio)) +
                  ":1 (a zip bomb?): refused");
        failed = true;
        break;
      }
    }
    if (failed) continue;
    member_bytes(path, buf, depth);
  }
}
}  // namespace

void archive_walk_file(const std::string& path, const ArchiveOptions& opts,
                       const std::function<void(const ArchiveMember&)>& visit) {
  // Opened as every input is (never blocks on a FIFO or device; io_error /
  // not_a_file), then streamed from the descriptor.
  struct Fd {
    int fd;
    ~Fd() { ::close(fd); }
  } f{open_input_file(path)};
  auto a = new_reader();
  if (archive_read_open_fd(a.get(), f.fd, 1 << 16) != ARCHIVE_OK) {
    Walk w{opts, visit};
    w.error(path, ErrorCode::decode_error, "archive cannot be opened: " + reason(a.get()));
    return;
  }
  Walk w{opts, visit};
  w.walk(a.get(), path, 1);
}

void archive_walk_memory(std::span<const std::uint8_t> bytes, const std::string& name,
                         const ArchiveOptions& opts,
                         const std::function<void(const ArchiveMember&)>& visit) {
  auto a = new_reader();
  Walk w{opts, visit};
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    w.error(name, ErrorCode::decode_error, "archive cannot be opened: " + reason(a.get()));
    return;
  }
  w.walk(a.get(), name, 1);
}

}  // namespace pdqguard
