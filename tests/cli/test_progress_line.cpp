// The CLI's progress line (tools/pdqguard/stats.cpp): total, percentage, rate and
// ETA from the run's counters, and which total it shows while the walk goes on.
#include "stats.hpp"

#include <doctest/doctest.h>

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
