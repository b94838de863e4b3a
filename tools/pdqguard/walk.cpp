#include "walk.hpp"

#include "fd_reader.hpp"
#include "signals.hpp"

#include <algorithm>
#include <filesystem>
#include <set>
#include <sys/stat.h>
#include <utility>

namespace fs = std::filesystem;

namespace pdqguard::cli {

namespace {

/// A path shown in a record: at most kMaxShownPath bytes (a hostile path on
/// stdin can be of any length).
constexpr std::size_t kMaxShownPath = 4096;

struct Walker {
  const WalkOptions& opt;
  Stats& stats;
  const Emit& emit;
  std::set<std::pair<dev_t, ino_t>> visited;  // directories entered (loop check with symlinks)
  const std::atomic<bool>* cancel = nullptr;  // LookAheadCount: stop counting
  std::size_t rel = 0;  // while walking below an input directory: the length of its "DIR/" prefix

  bool file(const std::string& p) {
    WorkItem w;
    w.kind = InputKind::file;
    w.path = p;
    w.shard_key_offset = rel;
    return emit(std::move(w));
  }
  bool fail(const std::string& p, const std::string& msg) {
    WorkItem w;
    w.kind = InputKind::file;
    w.path = p;
    w.shard_key_offset = rel;
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
    // Regular files, FIFOs, devices...: the worker's open decides from the
    // opened descriptor (open_input_file), which also catches a path swapped
    // for a FIFO after this walk.
    return file(p);
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
    // Entries below root are named root / name: their shard key is the part after root.
    struct RelScope {
      std::size_t& r;
      ~RelScope() { r = 0; }
    } rel_scope{rel};
    rel = root.size() + (!root.empty() && root.back() == '/' ? 0 : 1);
    while (!stack.empty()) {
      if (stop_signal() || (cancel && cancel->load(std::memory_order_relaxed))) return false;
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
      else go = file(p);  // the worker's open checks the type (see arg())
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
      FdReader f("-");
      detail::FdSource src = f.source();
      detail::LineReaderOptions lo;  // a path is bytes: no BOM or '\r' stripped here
      lo.separator = opt.null_separated ? '\0' : '\n';
      lo.max_line_bytes = kMaxPathBytes;
      lo.strip_cr = false;
      lo.strip_bom = false;
      detail::LineReader r(src, lo);
      detail::Line l;
      while (r.next(l)) {
        std::string p(l.text);
        if (l.too_long) {
          p.resize(std::min(p.size(), kMaxShownPath));
          if (!w.fail(p + "...", "path on stdin longer than " + std::to_string(kMaxPathBytes) +
                                     " bytes: not opened"))
            return;
          continue;
        }
        // CRLF lists (a list saved on Windows): a path never ends in '\r' there.
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

LookAheadCount::LookAheadCount(std::vector<std::string> inputs, const WalkOptions& options,
                               Stats& stats, std::function<bool(const WorkItem&)> counts) {
  if (std::find(inputs.begin(), inputs.end(), "-") != inputs.end()) return;
  t_ = std::thread([this, inputs = std::move(inputs), options, &stats, counts = std::move(counts)] {
    Stats scratch;  // the counting walk's own symlink count
    const Emit count = [&](WorkItem&& w) {
      if (cancel_.load(std::memory_order_relaxed)) return false;
      if (counts(w)) stats.counted.fetch_add(1, std::memory_order_relaxed);
      return true;
    };
    Walker w{options, scratch, count, {}};
    w.cancel = &cancel_;
    for (const std::string& in : inputs)
      if (!w.arg(in)) return;
    stats.total_known = true;
  });
}

LookAheadCount::~LookAheadCount() {
  cancel_ = true;
  if (t_.joinable()) t_.join();
}

}  // namespace pdqguard::cli
