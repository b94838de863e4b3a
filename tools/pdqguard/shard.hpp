// --shard I/N: a stable partition of a run's inputs, so that Slurm job arrays, GNU
// parallel or Kubernetes indexed jobs can split one dump between N independent runs.
#pragma once

#include "work_item.hpp"

#include <cstdint>
#include <string>

namespace pdqguard::cli {

/// Shard I of N (0 <= I < N); count 0 = no sharding (every input is in).
struct Shard {
  std::uint32_t index = 0;
  std::uint32_t count = 0;
};

/// Parses "I/N" (decimal, 0 <= I < N <= 1,000,000). Throws Error(invalid_argument).
Shard parse_shard(const std::string& text);

/// The shard an input belongs to: XXH3-64 (seed 0; its output is frozen since xxHash
/// 0.8) of the input's shard key, modulo N. The key is the path relative to the input
/// directory it was found under (`sub/a.jpg` for `DUMP/sub/a.jpg`, whatever DUMP is,
/// so machines that mount a dump at different places agree), or the path as given
/// for an input named on the command line or read from stdin. Error items (an
/// unreadable directory, a FIFO) are partitioned the same way, so every input has
/// its record in exactly one shard. Pure, thread-safe.
std::uint32_t shard_of(const WorkItem& w, std::uint32_t count);

/// True when `s` is unset or `w` belongs to shard s.index.
bool in_shard(const Shard& s, const WorkItem& w);

}  // namespace pdqguard::cli
