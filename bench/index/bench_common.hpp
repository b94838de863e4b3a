// Shared by the matching benchmarks: one cached list (and matcher) at a time, so a
// 10M run never holds two big indexes, and the same seeded data for every kind.
#pragma once

#include <pdqguard/index.hpp>

#include "index/synth.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace bench {

inline constexpr int kRadius = 31;
inline constexpr std::size_t kQueries = 4096;

struct Data {
  std::string key;
  std::vector<pdqguard::Hash256> list;
  std::vector<pdqguard::Hash256> queries;  // half planted within kRadius, half random
};

inline const Data& data(bool clustered, std::size_t n) {
  static Data d;
  const std::string key = std::string(clustered ? "clustered" : "uniform") + std::to_string(n);
  if (d.key != key) {
    d = Data{};
    d.key = key;
    d.list = clustered ? pdqguard::synth::clustered(n, 1234, 8, 24) : pdqguard::synth::uniform(n, 1234);
    // PDQGUARD_BENCH_QUERIES: more distinct queries than kQueries, so that cycling
    // through them does not keep the index lines they touch in the cache (a stream
    // of fresh queries, as `match --hashes` sees).
    std::size_t nq = kQueries;
    if (const char* e = std::getenv("PDQGUARD_BENCH_QUERIES")) nq = std::max<std::size_t>(1, std::strtoull(e, nullptr, 10));
    d.queries = pdqguard::synth::queries(d.list, nq, kRadius, 99);
  }
  return d;
}

/// CPU seconds of this thread (the machine is shared: wall time overstates).
inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// Resident set size of the process in MB (/proc/self/statm).
inline double rss_mb() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long size = 0, rss = 0;
  const int got = std::fscanf(f, "%lu %lu", &size, &rss);
  std::fclose(f);
  return got == 2 ? static_cast<double>(rss) * 4096.0 / 1e6 : 0;
}

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Sizes to run: PDQGUARD_BENCH_SIZES=100000,1000000,10000000 (default 100k and 1M).
inline std::vector<std::size_t> sizes() {
  std::vector<std::size_t> v;
  const char* e = std::getenv("PDQGUARD_BENCH_SIZES");
  std::string s = e != nullptr && *e != '\0' ? e : "100000,1000000";
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t c = s.find(',', pos);
    if (c == std::string::npos) c = s.size();
    v.push_back(std::stoull(s.substr(pos, c - pos)));
    pos = c + 1;
  }
  return v;
}

}  // namespace bench
