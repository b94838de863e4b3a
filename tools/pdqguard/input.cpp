#include "input.hpp"

#include "signals.hpp"

#include <pdqguard/error.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <set>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace fs = std::filesystem;

namespace pdqguard::cli {

namespace {

/// Reads fd 0 (or a file) with read(2) so a signal interrupts a blocking read.
class FdReader {
 public:
  explicit FdReader(const std::string& path) {
    if (path == "-") {
      fd_ = STDIN_FILENO;
    } else {
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) throw Error(ErrorCode::io_error, path + ": cannot open: " + std::strerror(errno));
      owned_ = true;
    }
  }
  ~FdReader() {
    if (owned_) ::close(fd_);
  }
  FdReader(const FdReader&) = delete;
  FdReader& operator=(const FdReader&) = delete;

  /// Next `sep`-terminated record (the last may lack it); false at EOF/stop.
  /// At most `max` bytes of a record are kept: the rest of a longer one is read
  /// and dropped (memory stays bounded whatever the input) and `*too_long` is set.
  bool next(std::string& out, char sep, std::size_t max, bool* too_long) {
    out.clear();
    *too_long = false;
    bool any = false;
    for (;;) {
      if (pos_ < len_) {
        any = true;
        const char* b = buf_ + pos_;
        const void* hit = std::memchr(b, sep, len_ - pos_);
        const std::size_t n =
            hit ? static_cast<std::size_t>(static_cast<const char*>(hit) - b) : len_ - pos_;
        if (!*too_long) {
          if (out.size() + n <= max) {
            out.append(b, n);
          } else {
            *too_long = true;
            out.append(b, max - out.size());
          }
        }
        pos_ += hit ? n + 1 : n;
        if (hit) return true;
      }
      if (!fill()) return any;
    }
  }
  /// Reads exactly n bytes unless EOF/stop; returns how many were read.
  std::size_t read_exact(std::uint8_t* dst, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      if (pos_ < len_) {
        const std::size_t k = std::min(n - got, len_ - pos_);
        std::memcpy(dst + got, buf_ + pos_, k);
        pos_ += k;
        got += k;
        continue;
      }
      if (!fill()) break;
    }
    return got;
  }

 private:
  bool fill() {
    for (;;) {
      if (stop_signal()) return false;
      const ssize_t r = ::read(fd_, buf_, sizeof buf_);
      if (r < 0) {
        if (errno == EINTR) continue;
        throw Error(ErrorCode::io_error, std::string("read failed: ") + std::strerror(errno));
      }
      pos_ = 0;
      len_ = static_cast<std::size_t>(r);
      return r > 0;
    }
  }
  int fd_ = -1;
  bool owned_ = false;
  char buf_[1 << 16];
  std::size_t pos_ = 0, len_ = 0;
};

const char* type_name(fs::file_type t) {
  switch (t) {
    case fs::file_type::fifo: return "a FIFO";
    case fs::file_type::socket: return "a socket";
    case fs::file_type::block: return "a block device";
    case fs::file_type::character: return "a character device";
    default: return "not a regular file";
  }
}

/// A path shown in a record: at most kMaxShownPath bytes (a hostile path on
/// stdin can be of any length).
constexpr std::size_t kMaxShownPath = 4096;

struct Walker {
  const WalkOptions& opt;
  Stats& stats;
  const Emit& emit;
  std::set<std::pair<dev_t, ino_t>> visited;  // directories entered (loop check with symlinks)

  bool file(const std::string& p) {
    WorkItem w;
    w.kind = InputKind::file;
    w.path = p;
    return emit(std::move(w));
  }
  bool fail(const std::string& p, const std::string& msg) {
    WorkItem w;
    w.kind = InputKind::file;
    w.path = p;
    w.error = "io_error";
    w.message = msg;
    return emit(std::move(w));
  }
  /// False if the directory was entered before (a symlink loop, or a second
  /// link to it), by its (device, inode).
  bool enter(const std::string& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return true;  // opening it will report the error
    return visited.insert({st.st_dev, st.st_ino}).second;
  }

  /// An explicit argument: follows a symlink it names.
  bool arg(const std::string& p) {
    std::error_code ec;
    const fs::file_status st = fs::status(p, ec);
    if (ec || st.type() == fs::file_type::not_found) {
      std::error_code ec2;
      if (fs::is_symlink(fs::symlink_status(p, ec2))) {
        if (ec == std::errc::too_many_symbolic_link_levels)
          return fail(p, "symbolic link loop: " + ec.message());
        return fail(p, "dangling symbolic link: " + (ec ? ec.message() : std::string("target not found")));
      }
      return fail(p, "cannot stat: " + (ec ? ec.message() : std::string("No such file or directory")));
    }
    if (st.type() == fs::file_type::directory) return dir(p);
    if (st.type() == fs::file_type::regular) return file(p);
    return fail(p, std::string("skipped: ") + type_name(st.type()) + ", not a regular file");
  }

  /// Depth-first walk with a stack of open directory iterators (memory and open
  /// descriptors grow with depth, which --max-depth bounds, never with the
  /// number of files). Nothing below an input is dropped silently: a directory
  /// deeper than max_depth, or one reached again through a symlink, gets an
  /// io_error record.
  bool dir(const std::string& root) {
    struct Level {
      std::string path;
      fs::directory_iterator it;
    };
    std::vector<Level> stack;
    auto open = [&](const std::string& p) -> bool {
      if (!stack.empty() && stack.size() > static_cast<std::size_t>(opt.max_depth))
        return fail(p, "not entered: more than " + std::to_string(opt.max_depth) +
                           " directory levels below the input (--max-depth)");
      if (opt.follow_symlinks && !enter(p))
        return fail(p, "not entered: this directory was already walked (a symbolic link loop, or a "
                       "second link to it)");
      std::error_code ec;
      fs::directory_iterator it(p, ec);
      if (ec) return fail(p, "cannot read directory: " + ec.message());
      stack.push_back(Level{p, std::move(it)});
      return true;
    };
    if (!open(root)) return false;
    while (!stack.empty()) {
      if (stop_signal()) return false;
      Level& top = stack.back();
      if (top.it == fs::directory_iterator()) {
        stack.pop_back();
        continue;
      }
      const fs::directory_entry e = *top.it;
      std::error_code ec;
      top.it.increment(ec);
      if (ec) {
        const std::string p = top.path;
        stack.pop_back();
        if (!fail(p, "error while reading directory: " + ec.message())) return false;
      }
      const std::string p = e.path().string();
      std::error_code sec;
      fs::file_status st = e.symlink_status(sec);
      if (sec) {
        if (!fail(p, "cannot stat: " + sec.message())) return false;
        continue;
      }
      if (st.type() == fs::file_type::symlink) {
        if (!opt.follow_symlinks) {
          stats.skipped_symlinks.fetch_add(1);
          continue;
        }
        st = e.status(sec);
        if (sec == std::errc::too_many_symbolic_link_levels) {
          if (!fail(p, "symbolic link loop: " + sec.message())) return false;
          continue;
        }
        if (sec || st.type() == fs::file_type::not_found) {
          if (!fail(p, "dangling symbolic link")) return false;
          continue;
        }
      }
      bool go = true;
      if (st.type() == fs::file_type::directory) go = open(p);
      else if (st.type() == fs::file_type::regular) go = file(p);
      else go = fail(p, std::string("skipped: ") + type_name(st.type()) + ", not a regular file");
      if (!go) return false;
    }
    return true;
  }
};

}  // namespace

void walk_inputs(const std::vector<std::string>& inputs, const WalkOptions& opt, Stats& stats,
                 const Emit& emit) {
  Walker w{opt, stats, emit, {}};
  for (const std::string& in : inputs) {
    if (in == "-") {
      FdReader r("-");
      std::string p;
      bool too_long = false;
      while (r.next(p, opt.null_separated ? '\0' : '\n', kMaxPathBytes, &too_long)) {
        if (too_long) {
          p.resize(std::min(p.size(), kMaxShownPath));
          if (!w.fail(p + "...", "path on stdin longer than " + std::to_string(kMaxPathBytes) +
                                     " bytes: not opened"))
            return;
          continue;
        }
        if (!opt.null_separated && !p.empty() && p.back() == '\r') p.pop_back();
        if (p.empty()) continue;
        if (!w.arg(p)) return;
      }
      if (stop_signal()) return;
    } else if (!w.arg(in)) {
      return;
    }
  }
}

RawLayout parse_raw_layout(const std::string& format, const std::string& size) {
  RawLayout l;
  l.name = format;
  int w = 0, h = 0;
  char x = 0, extra = 0;
  if (std::sscanf(size.c_str(), "%d%c%d%c", &w, &x, &h, &extra) != 3 || (x != 'x' && x != 'X') ||
      w <= 0 || h <= 0 || w > 65535 || h > 65535)
    throw Error(ErrorCode::invalid_argument, "--size must be WxH (e.g. 1280x720), got '" + size + "'");
  l.width = w;
  l.height = h;
  const std::size_t px = std::size_t(w) * std::size_t(h);
  const std::size_t chroma = std::size_t((w + 1) / 2) * std::size_t((h + 1) / 2);
  if (format == "gray8" || format == "gray") l.frame_bytes = px;
  else if (format == "rgb24" || format == "bgr24") l.frame_bytes = px * 3;
  else if (format == "rgba" || format == "bgra") l.frame_bytes = px * 4;
  else if (format == "yuv420p" || format == "nv12") l.frame_bytes = px + 2 * chroma;
  else
    throw Error(ErrorCode::invalid_argument,
                "--raw must be gray8, rgb24, bgr24, rgba, bgra, yuv420p or nv12, got '" + format + "'");
  return l;
}

FrameView raw_view(const RawLayout& l, const std::uint8_t* p) {
  const int w = l.width, h = l.height;
  const std::ptrdiff_t cw = (w + 1) / 2;
  const std::ptrdiff_t ysz = std::ptrdiff_t(w) * h, csz = cw * ((h + 1) / 2);
  if (l.name == "gray8" || l.name == "gray") return FrameView::packed(PixelFormat::gray8, p, w, h);
  if (l.name == "rgb24") return FrameView::packed(PixelFormat::rgb8, p, w, h);
  if (l.name == "bgr24") return FrameView::packed(PixelFormat::bgr8, p, w, h);
  if (l.name == "rgba") return FrameView::packed(PixelFormat::rgba8, p, w, h);
  if (l.name == "bgra") return FrameView::packed(PixelFormat::bgra8, p, w, h);
  if (l.name == "yuv420p") return FrameView::i420(p, w, p + ysz, cw, p + ysz + csz, cw, w, h);
  return FrameView::nv12(p, w, p + ysz, 2 * cw, w, h);
}

void read_raw_frames(const std::string& path, const RawLayout& l, const Emit& emit) {
  FdReader r(path);
  for (std::int64_t n = 0;; ++n) {
    WorkItem w;
    w.kind = InputKind::frame;
    w.path = path;
    w.number = n;
    w.bytes.resize(l.frame_bytes);
    const std::size_t got = r.read_exact(w.bytes.data(), l.frame_bytes);
    if (got == 0) return;
    if (got < l.frame_bytes) {
      if (stop_signal()) return;  // interrupted mid-frame: not a damaged stream
      w.bytes.clear();
      w.error = "decode_error";
      w.message = "truncated frame: got " + std::to_string(got) + " of " +
                  std::to_string(l.frame_bytes) + " bytes";
      emit(std::move(w));
      return;
    }
    if (!emit(std::move(w))) return;
  }
}

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
