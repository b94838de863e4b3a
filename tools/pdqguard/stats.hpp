// Run counters (updated by workers), the live progress line and the final summary.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace pdqguard::cli {

struct Stats {
  std::atomic<std::uint64_t> seen{0};      ///< inputs queued for a record
  std::atomic<std::uint64_t> done{0};      ///< records completed
  std::atomic<std::uint64_t> hashed{0};    ///< inputs with a hash
  std::atomic<std::uint64_t> matched{0};   ///< inputs with at least one match
  std::atomic<std::uint64_t> low_quality{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> skipped_resume{0};
  std::atomic<std::uint64_t> skipped_symlinks{0};
  std::atomic<std::uint64_t> dropped{0};   ///< queued but not started when interrupted
  std::atomic<bool> walk_done{false};      ///< the total (seen) is final
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();

  void add_error(const std::string& code);
  std::map<std::string, std::uint64_t> errors_by_code() const;
  double elapsed_s() const;

 private:
  mutable std::mutex m_;
  std::map<std::string, std::uint64_t> by_code_;
};

/// The summary block written on stderr at the end of a run.
std::string summary_text(const Stats& s, bool matching, const std::string& matcher_desc,
                         int interrupted_by);

/// Redraws "\r<line>" on stderr every 250 ms through `draw` until stopped.
class Progress {
 public:
  Progress(const Stats& s, bool matching, std::function<void(const std::string&)> draw);
  ~Progress();
  void stop();

 private:
  std::string line() const;
  const Stats& s_;
  bool matching_;
  std::function<void(const std::string&)> draw_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread t_;
};

}  // namespace pdqguard::cli
