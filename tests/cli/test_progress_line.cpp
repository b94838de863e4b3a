// The CLI's progress line (tools/pdqguard/stats.cpp): total, percentage, rate and
// ETA from the run's counters, and which total it shows while the walk goes on; the
// look-ahead count behind that total (tools/pdqguard/walk.cpp) counts exactly the
// items the walk produces.
#include "stats.hpp"
#include "walk.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace pdqguard::cli;

TEST_CASE("progress line: done/total, percentage, rate and ETA") {
  ProgressState p;
  p.done = 1200;
  p.total = 11760;
  p.total_final = true;
  p.matching = true;
  p.matched = 3;
  p.errors = 1;
  p.elapsed_s = 3.0;
  // 400 files/s; 10560 left -> 26.4 s.
  CHECK(progress_line(p) == "1200/11760 files (10.2%), 400.0 files/s, 3 matched, 1 errors, 3.00 s, ETA 26.40 s");
  p.elapsed_s = 30.0;  // 40 files/s: 264 s left
  CHECK(progress_line(p) == "1200/11760 files (10.2%), 40.0 files/s, 3 matched, 1 errors, 30.00 s, ETA 4m24s");
  p.matching = false;
  p.done = p.total;
  CHECK(progress_line(p) == "11760/11760 files (100.0%), 392.0 files/s, 1 errors, 30.00 s, ETA 0.00 s");
}

TEST_CASE("progress line: archive members done, once there are any") {
  ProgressState p;
  p.done = 0;
  p.members = 523;
  p.total = 1;
  p.total_final = true;
  p.elapsed_s = 2.0;
  CHECK(progress_line(p) == "0/1 files (0.0%), 523 archive members, 0.0 files/s, 0 errors, 2.00 s");
  p.done = 1;
  p.members = 0;  // files only: nothing added
  CHECK(progress_line(p) == "1/1 files (100.0%), 0.5 files/s, 0 errors, 2.00 s, ETA 0.00 s");
}

TEST_CASE("progress line: a total still being counted, or none") {
  ProgressState p;
  p.done = 10;
  p.elapsed_s = 1.0;
  CHECK(progress_line(p) == "10 files, 10.0 files/s, 0 errors, 1.00 s");
  p.total = 500;
  p.total_partial = true;  // a lower bound: no percentage, no ETA
  CHECK(progress_line(p) == "10/500+ files, 10.0 files/s, 0 errors, 1.00 s");
  // Nothing done yet: no rate, so no ETA either.
  ProgressState q;
  q.total = 5;
  q.total_final = true;
  CHECK(progress_line(q) == "0/5 files (0.0%), 0.0 files/s, 0 errors, 0.00 s");
}

TEST_CASE("progress line: more done than counted (files added during the run) is never negative") {
  ProgressState p;
  p.done = 12;
  p.total = 10;
  p.total_final = true;
  p.elapsed_s = 2.0;
  CHECK(progress_line(p) == "12/12 files (100.0%), 6.0 files/s, 0 errors, 2.00 s, ETA 0.00 s");
}

TEST_CASE("progress state: the walk's count wins once it is done, else the look-ahead's") {
  Stats s;
  s.inputs_done = 4;
  s.counted = 7;
  ProgressState p = progress_state(s, false);
  CHECK(p.total == 7);
  CHECK(p.total_partial);
  CHECK_FALSE(p.total_final);
  s.total_known = true;
  p = progress_state(s, false);
  CHECK(p.total == 7);
  CHECK(p.total_final);
  s.seen = 9;
  s.walk_done = true;
  p = progress_state(s, false);
  CHECK(p.total == 9);
  CHECK(p.total_final);
  CHECK(p.done == 4);
  Stats none;
  CHECK_FALSE(progress_state(none, true).total_final);
  CHECK_FALSE(progress_state(none, true).total_partial);
}

namespace {
namespace fs = std::filesystem;

/// A temporary tree: files at two levels, an empty directory, a symlink (skipped
/// unless followed), a FIFO (an io_error item) and a directory below --max-depth.
struct Tree {
  fs::path root = fs::temp_directory_path() / ("pdqguard-lookahead-" + std::to_string(::getpid()));
  Tree() {
    fs::remove_all(root);
    fs::create_directories(root / "a" / "b" / "c");
    fs::create_directories(root / "empty");
    for (int i = 0; i < 5; ++i) std::ofstream(root / ("f" + std::to_string(i) + ".jpg")) << "x";
    for (int i = 0; i < 3; ++i) std::ofstream(root / "a" / ("g" + std::to_string(i) + ".jpg")) << "x";
    std::ofstream(root / "a" / "b" / "c" / "deep.jpg") << "x";
    fs::create_symlink(root / "f0.jpg", root / "link.jpg");
    ::mkfifo((root / "fifo").c_str(), 0600);
  }
  ~Tree() { fs::remove_all(root); }
};

/// What walk_inputs emits and what LookAheadCount counts, for the same inputs.
std::pair<std::uint64_t, std::uint64_t> walked_and_counted(const std::vector<std::string>& in,
                                                           const WalkOptions& o) {
  Stats walked;
  std::uint64_t items = 0;
  walk_inputs(in, o, walked, [&](WorkItem&&) { ++items; return true; });
  Stats s;
  {
    LookAheadCount c(in, o, s, [](const WorkItem&) { return true; });
    for (int i = 0; i < 5000 && !s.total_known; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(s.total_known);
  return {items, s.counted.load()};
}
}  // namespace

TEST_CASE("look-ahead count: exactly the items the walk produces") {
  Tree t;
  const std::vector<std::string> in{t.root.string(), (t.root / "f1.jpg").string()};
  for (const WalkOptions& o : {WalkOptions{}, WalkOptions{false, true, kDefaultMaxDepth},
                               WalkOptions{false, false, 1}}) {
    const auto [walked, counted] = walked_and_counted(in, o);
    CHECK(counted == walked);
  }
  // Default options: 9 files + the FIFO + f1.jpg again (the symlink is skipped).
  CHECK(walked_and_counted(in, WalkOptions{}).second == 11);
}

TEST_CASE("look-ahead count: the predicate leaves out what gets no record (--resume)") {
  Tree t;
  Stats s;
  {
    LookAheadCount c({t.root.string()}, WalkOptions{}, s,
                     [](const WorkItem& w) { return w.path.find("/a/") == std::string::npos; });
    for (int i = 0; i < 5000 && !s.total_known; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(s.total_known);
  CHECK(s.counted == 6);  // f0..f4 and the FIFO
}

TEST_CASE("look-ahead count: nothing for paths on stdin; stops when destroyed") {
  Stats s;
  { LookAheadCount c({"-"}, WalkOptions{}, s, [](const WorkItem&) { return true; }); }
  CHECK_FALSE(s.total_known);
  CHECK(s.counted == 0);
  Tree t;
  Stats s2;
  { LookAheadCount c({t.root.string()}, WalkOptions{}, s2, [](const WorkItem&) { return true; }); }
  CHECK(s2.counted <= 10);  // destroyed at once: joined, whatever it had counted
}
