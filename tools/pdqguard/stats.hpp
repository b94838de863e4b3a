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
  std::atomic<std::uint64_t> inputs_done{0};  ///< inputs finished (an archive is one input)
  std::atomic<std::uint64_t> members_done{0}; ///< archive members finished (a record each)
  /// Inputs counted ahead of the workers (LookAheadCount, or a raw file's size):
  /// the total while the walk is still going. Final once total_known.
  std::atomic<std::uint64_t> counted{0};
  std::atomic<bool> total_known{false};
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

/// What one progress line shows: inputs done out of the total, rate, ETA.
struct ProgressState {
  std::uint64_t done = 0;     ///< inputs finished
  /// Archive members finished (a record each; the archive is one input, done
  /// with its last member).
  std::uint64_t members = 0;
  std::uint64_t total = 0;    ///< inputs in all, or counted so far when !total_final
  bool total_final = false;   ///< `total` is the total
  bool total_partial = false; ///< `total` is a lower bound still being counted
  bool matching = false;
  std::uint64_t matched = 0;
  std::uint64_t errors = 0;
  double elapsed_s = 0;
};

/// The run's progress now: the total is `seen` once the walk is done, else the
/// look-ahead count (final or partial), else unknown (paths on stdin).
ProgressState progress_state(const Stats& s, bool matching);

/// "1200/11760 files (10.2%), 412.0 files/s, 3 matched, 0 errors, 2.91 s, ETA 25.61 s";
/// "1200/5000+ files, ..." while the total is still being counted; "1200 files, ..."
/// when it cannot be counted; ", 5230 archive members" after the files once members
/// are done (a large archive shows its progress there).
/// ETA = inputs left / rate so far.
std::string progress_line(const ProgressState& p);

/// Draws the progress line through `draw` every `interval` until stopped (then
/// draws "" when `final_line` is false, or the last line when it is true).
class Progress {
 public:
  Progress(const Stats& s, bool matching, std::function<void(const std::string&)> draw,
           std::chrono::milliseconds interval = std::chrono::milliseconds(250),
           bool final_line = false);
  ~Progress();
  void stop();

 private:
  std::string line() const;
  const Stats& s_;
  bool matching_;
  std::function<void(const std::string&)> draw_;
  std::chrono::milliseconds interval_;
  bool final_line_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread t_;
};

}  // namespace pdqguard::cli
