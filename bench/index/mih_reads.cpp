// Counts the random memory reads one MIH radius query makes, to compare the
// measured queries/s with the machine's random-read ceiling (bench_memory).
// Replays the probe generation of lib/index/mih_query.inc on a built index:
// distinct 64-byte table lines, shared cells (one overflow read each) and
// candidate hashes (one read each).
//   mih_reads [entries=10000000] [radius=31] [queries=512]
#include "index/core.hpp"
#include "index/synth.hpp"

#include <cstdio>
#include <cstdlib>
#include <set>
#include <vector>

using namespace pdqguard;
using namespace pdqguard::detail;

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000'000;
  const int r = argc > 2 ? std::atoi(argv[2]) : 31;
  const std::size_t nq = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 512;
  const auto hs = synth::uniform(n, 1);
  const auto qs = synth::queries(hs, nq, r, 2);
  const MihParams p = mih_choose(n, 0);
  MihOwned owned;
  MihView v;
  mih_build(View<Hash256>{hs.data(), hs.size()}, p, owned, v);
  const int m = static_cast<int>(p.m), t = r / m, a = r % m;
  if (t > 2) {
    std::fprintf(stderr, "mih_reads: radius %d needs %d flips per substring; only <= 2 replayed\n", r, t);
    return 1;
  }
  double probes = 0, lines = 0, shared = 0, cands = 0;
  std::vector<std::uint32_t> keys;
  for (const Hash256& q : qs) {
    for (int i = 0; i < m; ++i) {
      const int ti = i <= a ? t : t - 1;
      if (ti < 0) continue;
      const int len = static_cast<int>(p.len[i]);
      const std::uint32_t key = mih_key(p, static_cast<std::uint32_t>(i), q);
      keys.assign(1, key);
      for (int b1 = 0; b1 < len && ti >= 1; ++b1) {
        keys.push_back(key ^ (1u << b1));
        if (ti >= 2)
          for (int b2 = 0; b2 < b1; ++b2) keys.push_back(key ^ (1u << b1) ^ (1u << b2));
      }
      std::set<std::uint32_t> table_lines;
      for (const std::uint32_t k : keys) {
        table_lines.insert(k >> 4);  // 16 cells of 4 bytes per line
        const std::uint32_t c = v.table[i].p[k];
        if (c == kMihEmpty) continue;
        if (!(c & kMihMulti)) {
          ++cands;
          continue;
        }
        ++shared;
        for (std::size_t x = c & ~kMihMulti; x < v.overflow[i].n; ++x) {
          ++cands;
          if (v.overflow[i].p[x] & kMihLast) break;
        }
      }
      probes += static_cast<double>(keys.size());
      lines += static_cast<double>(table_lines.size());
    }
  }
  const double Q = static_cast<double>(qs.size());
  std::printf("%zu entries, radius %d, mih m=%d: per query %.0f probes in %.0f table lines, "
              "%.0f shared cells, %.0f candidate hashes: %.0f random reads\n",
              n, r, m, probes / Q, lines / Q, shared / Q, cands / Q, (lines + shared + cands) / Q);
  return 0;
}
