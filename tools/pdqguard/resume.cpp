#include "resume.hpp"

#include "text/line_reader.hpp"

#include <pdqguard/error.hpp>
#include <pdqguard/hash.hpp>

#include <nlohmann/json.hpp>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pdqguard::cli {

namespace {

/// An absolute, lexically normal form of `path` (no filesystem access: a
/// symlink is not resolved, so a key never depends on the tree's state).
std::string normal_path(const std::string& path, const std::string& cwd) {
  std::filesystem::path p(path);
  if (p.is_relative() && !cwd.empty()) p = std::filesystem::path(cwd) / p;
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw Error(ErrorCode::invalid_argument,
              path + ": not resumed: " + why +
                  "; --resume appends only to pdqguard's own JSON-lines output (or an empty or new file), "
                  "and this file was left unchanged");
}

/// One line of a --resume file: true if it is a pdqguard record (then its
/// input's key is added unless its error is transient).
bool take(const std::string_view line, ResumeSet& rs) {
  if (line.empty() || line.front() != '{') return false;
  const nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  Hash256 hash;
  const bool result = j.contains("hash") && j["hash"].is_string() &&
                      Hash256::try_from_hex(j["hash"].get_ref<const std::string&>(), hash);
  const bool error = j.contains("error") && j["error"].is_string();
  if (result == error) return false;
  std::uint64_t key = 0;
  if (j.contains("path")) {
    const std::optional<std::string> file = path_from_json(j["path"]);  // exact bytes (records.hpp)
    if (!file) return false;
    key = resume_key(InputKind::file, *file, 0, rs.cwd);
  } else if (j.contains("frame") && j["frame"].is_number_integer()) {
    key = resume_key(InputKind::frame, "", j["frame"].get<std::int64_t>(), rs.cwd);
  } else if (j.contains("line") && j["line"].is_number_integer()) {
    key = resume_key(InputKind::hash_line, "", j["line"].get<std::int64_t>(), rs.cwd);
  } else {
    return false;
  }
  ++rs.records;
  if (error && retried_on_resume(j["error"].get_ref<const std::string&>())) {
    ++rs.transient;  // retried: the new record follows the old one in the file
    return true;
  }
  rs.keys.insert(key);
  return true;
}

/// True if `text`, a last line without its newline, is what a killed run
/// leaves: the beginning of a record as pdqguard writes one (its first key is
/// "path", "frame" or "line"), or a whole record whose newline is missing. A
/// complete JSON value that is not a record (someone's one-line file) is not.
bool torn_record(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return false;
  bool record_start = false;
  for (const std::string_view start : {"{\"path\":", "{\"frame\":", "{\"line\":"})
    record_start = record_start || text.substr(0, start.size()) == start;
  if (!record_start) return false;
  if (!nlohmann::json::accept(text.begin(), text.end())) return true;  // cut short: a beginning
  ResumeSet scratch;
  return take(text, scratch);
}

}  // namespace

bool retried_on_resume(std::string_view error) {
  ErrorCode code{};
  return !error.empty() && error_code_from_name(error, code) && is_transient(code);
}

std::uint64_t resume_key(InputKind kind, const std::string& path, std::int64_t number, const std::string& cwd) {
  std::string k;
  switch (kind) {
    case InputKind::file: k = "p:" + normal_path(path, cwd); break;
    case InputKind::frame: k = "f:" + std::to_string(number); break;
    case InputKind::hash_line: k = "l:" + std::to_string(number); break;
  }
  return XXH3_64bits(k.data(), k.size());
}

bool ResumeSet::contains(InputKind kind, const std::string& path, std::int64_t number) const {
  return !keys.empty() && keys.count(resume_key(kind, path, number, cwd)) != 0;
}

ResumeFile open_resume(const std::string& path) {
  ResumeFile out;
  ResumeSet& rs = out.set;
  std::error_code ec;
  rs.cwd = std::filesystem::current_path(ec).string();
  // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOCTTY: a terminal
  // never becomes ours. Nothing is opened for writing before the checks pass.
  Fd rd{::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)};
  if (rd.fd < 0) {
    if (errno != ENOENT) throw Error(ErrorCode::io_error, path + ": cannot open for --resume: " + std::strerror(errno));
    // New: created here, never an existing file (O_EXCL), never through a dangling symlink.
    out.fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOCTTY | O_CLOEXEC, 0644);
    if (out.fd < 0) throw Error(ErrorCode::io_error, path + ": cannot create: " + std::strerror(errno));
    return out;
  }
  struct stat st {};
  if (::fstat(rd.fd, &st) != 0) throw Error(ErrorCode::io_error, path + ": cannot stat: " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) refuse(path, "a directory");
  if (!S_ISREG(st.st_mode))
    refuse(path, S_ISFIFO(st.st_mode) ? "a FIFO, not a regular file"
                 : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device, not a regular file"
                                                              : "not a regular file");
  // A regular file: blocking reads from here on.
  ::fcntl(rd.fd, F_SETFL, ::fcntl(rd.fd, F_GETFL) & ~O_NONBLOCK);

  detail::FdSource src(rd.fd, path);
  detail::LineReaderOptions lo;
  lo.max_line_bytes = kMaxResumeLineBytes;
  lo.strip_cr = false;  // pdqguard writes "\n" only: a '\r' is someone else's file
  lo.strip_bom = false;
  // What fstat saw is all that is read: a file still growing is not ours to cut.
  lo.max_total_bytes = static_cast<std::uint64_t>(st.st_size);
  detail::LineReader r(src, lo);
  detail::Line l;
  std::uint64_t good_end = 0;
  while (st.st_size > 0 && r.next(l)) {
    const std::string where = "line " + std::to_string(l.number);
    if (l.too_long) refuse(path, where + " is longer than " + std::to_string(kMaxResumeLineBytes) + " bytes");
    if (!l.terminated) {  // a torn last line: only a record's beginning is cut off
      if (!torn_record(l.text))
        refuse(path, where + " (the last, without a newline) is not the beginning of a pdqguard record");
      rs.torn_tail = true;
      break;
    }
    if (!take(l.text, rs)) refuse(path, where + " is not a pdqguard JSON record");
    good_end = l.end_offset;
  }
  if (r.total_exceeded()) refuse(path, "it grew while it was read");

  // Appending: the same file that was checked (not one swapped in since).
  out.fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC);
  if (out.fd < 0) throw Error(ErrorCode::io_error, path + ": cannot open for appending: " + std::strerror(errno));
  struct stat wst {};
  if (::fstat(out.fd, &wst) != 0 || wst.st_dev != st.st_dev || wst.st_ino != st.st_ino ||
      wst.st_size != st.st_size) {
    ::close(out.fd);
    out.fd = -1;
    refuse(path, "it was replaced or changed while it was read");
  }
  if (rs.torn_tail && ::ftruncate(out.fd, static_cast<off_t>(good_end)) != 0) {
    const int e = errno;
    ::close(out.fd);
    out.fd = -1;
    throw Error(ErrorCode::io_error, path + ": cannot cut the torn last line: " + std::strerror(e));
  }
  return out;
}

}  // namespace pdqguard::cli
