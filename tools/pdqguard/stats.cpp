#include "stats.hpp"

#include <algorithm>
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

Progress::Progress(const Stats& s, bool matching, std::function<void(const std::string&)> draw,
                   std::chrono::milliseconds interval, bool final_line)
    : s_(s), matching_(matching), draw_(std::move(draw)), interval_(interval), final_line_(final_line) {
  t_ = std::thread([this] {
    std::unique_lock lk(m_);
    while (!cv_.wait_for(lk, interval_, [this] { return stop_; })) draw_(line());
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
  draw_(final_line_ ? line() : std::string());
}

std::string Progress::line() const { return progress_line(progress_state(s_, matching_)); }

ProgressState progress_state(const Stats& s, bool matching) {
  ProgressState p;
  p.elapsed_s = s.elapsed_s();
  p.done = s.inputs_done.load();
  p.members = s.members_done.load();
  p.matching = matching;
  p.matched = s.matched.load();
  p.errors = s.errors.load();
  if (s.walk_done.load()) {
    p.total = s.seen.load();
    p.total_final = true;
  } else if (s.total_known.load()) {
    p.total = s.counted.load();
    p.total_final = true;
  } else if (const auto c = s.counted.load()) {
    p.total = c;
    p.total_partial = true;
  }
  return p;
}

std::string progress_line(const ProgressState& p) {
  const double rate = p.elapsed_s > 0 ? double(p.done) / p.elapsed_s : 0;
  // More done than counted: counted before some inputs appeared (a live tree).
  const std::uint64_t total = std::max(p.total, p.done);
  char b[160];
  std::snprintf(b, sizeof b, "%llu", static_cast<unsigned long long>(p.done));
  std::string l = b;
  if (p.total_final) {
    std::snprintf(b, sizeof b, "/%llu files (%.1f%%)", static_cast<unsigned long long>(total),
                  total ? 100.0 * double(p.done) / double(total) : 100.0);
    l += b;
  } else if (p.total_partial) {
    std::snprintf(b, sizeof b, "/%llu+ files", static_cast<unsigned long long>(total));
    l += b;
  } else {
    l += " files";
  }
  if (p.members != 0) {
    std::snprintf(b, sizeof b, ", %llu archive members", static_cast<unsigned long long>(p.members));
    l += b;
  }
  std::snprintf(b, sizeof b, ", %.1f files/s", rate);
  l += b;
  if (p.matching) {
    std::snprintf(b, sizeof b, ", %llu matched", static_cast<unsigned long long>(p.matched));
    l += b;
  }
  std::snprintf(b, sizeof b, ", %llu errors, ", static_cast<unsigned long long>(p.errors));
  l += b;
  l += fmt_duration(p.elapsed_s);
  if (p.total_final && rate > 0) {
    l += ", ETA ";
    l += fmt_duration(double(total - p.done) / rate);
  }
  return l;
}

}  // namespace pdqguard::cli
