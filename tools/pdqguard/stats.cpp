#include "stats.hpp"

#include <condition_variable>
#include <cstdio>

namespace pdqguard::cli {

void Stats::add_error(const std::string& code) {
  errors.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lk(m_);
  ++by_code_[code];
}

std::map<std::string, std::uint64_t> Stats::errors_by_code() const {
  std::lock_guard lk(m_);
  return by_code_;
}

double Stats::elapsed_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

namespace {
std::string fmt_duration(double s) {
  char b[64];
  if (s < 60) std::snprintf(b, sizeof b, "%.2f s", s);
  else if (s < 3600) std::snprintf(b, sizeof b, "%dm%02ds", int(s) / 60, int(s) % 60);
  else std::snprintf(b, sizeof b, "%dh%02dm%02ds", int(s) / 3600, int(s) / 60 % 60, int(s) % 60);
  return b;
}
}  // namespace

std::string summary_text(const Stats& s, bool matching, const std::string& matcher_desc,
                         int interrupted_by) {
  const double el = s.elapsed_s();
  const auto done = s.done.load();
  std::string t = "----------- pdqguard summary -----------\n";
  char b[256];
  auto row = [&](const char* k, const std::string& v) {
    std::snprintf(b, sizeof b, "%-20s %s\n", k, v.c_str());
    t += b;
  };
  if (matching && !matcher_desc.empty()) row("Lists:", matcher_desc);
  row("Inputs seen:", std::to_string(s.seen.load()));
  row("Hashed:", std::to_string(s.hashed.load()));
  if (matching) {
    row("Matched:", std::to_string(s.matched.load()));
    row("Low quality:", std::to_string(s.low_quality.load()) + " (hashed, not matched)");
  }
  std::string errs = std::to_string(s.errors.load());
  const auto codes = s.errors_by_code();
  if (!codes.empty()) {
    errs += " (";
    bool first = true;
    for (const auto& [code, n] : codes) {
      errs += (first ? "" : ", ") + code + " " + std::to_string(n);
      first = false;
    }
    errs += ")";
  }
  row("Errors:", errs);
  if (s.skipped_resume.load()) row("Skipped (resume):", std::to_string(s.skipped_resume.load()) + " already recorded");
  if (s.skipped_symlinks.load())
    row("Skipped symlinks:", std::to_string(s.skipped_symlinks.load()) + " (use --follow-symlinks)");
  if (interrupted_by) {
    row("Interrupted:", std::string(interrupted_by == 2 ? "SIGINT" : "SIGTERM") + "; " +
                            std::to_string(s.dropped.load()) +
                            " queued inputs not started (rerun with --resume to finish)");
  }
  row("Elapsed:", fmt_duration(el));
  std::snprintf(b, sizeof b, "%.1f files/s", el > 0 ? double(done) / el : 0.0);
  row("Rate:", b);
  return t;
}

Progress::Progress(const Stats& s, bool matching, std::function<void(const std::string&)> draw)
    : s_(s), matching_(matching), draw_(std::move(draw)) {
  t_ = std::thread([this] {
    std::unique_lock lk(m_);
    while (!cv_.wait_for(lk, std::chrono::milliseconds(250), [this] { return stop_; }))
      draw_(line());
  });
}

Progress::~Progress() { stop(); }

void Progress::stop() {
  {
    std::lock_guard lk(m_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (t_.joinable()) t_.join();
  draw_("");
}

std::string Progress::line() const {
  const double el = s_.elapsed_s();
  const auto done = s_.done.load();
  const double rate = el > 0 ? double(done) / el : 0;
  char b[256];
  std::string total = s_.walk_done.load() ? "/" + std::to_string(s_.seen.load()) : "";
  std::snprintf(b, sizeof b, "%llu%s files, %.1f files/s", static_cast<unsigned long long>(done),
                total.c_str(), rate);
  std::string l = b;
  if (matching_) l += ", " + std::to_string(s_.matched.load()) + " matched";
  l += ", " + std::to_string(s_.errors.load()) + " errors, " + fmt_duration(el);
  if (s_.walk_done.load() && rate > 0) {
    const double left = double(s_.seen.load() - done) / rate;
    l += ", ~" + fmt_duration(left) + " left";
  }
  return l;
}

}  // namespace pdqguard::cli
