// Multi-index hashing: the 256 bits split into m contiguous substrings; for each,
// a dense offset table (2^len + 1 entries) into an array of 32-bit slot ids
// sorted by substring value. A query at radius r = m*t + a probes the first a+1
// substrings within t bits and the others within t-1 bits: a hash within r must
// satisfy one of these (else the distance would be >= (a+1)(t+1) + (m-a-1)t > r).
#include "index/core.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace pdqguard::detail {

namespace {

double binom(int n, int k) {
  if (k < 0 || k > n) return 0;
  double r = 1;
  for (int i = 1; i <= k; ++i) r = r * (n - k + i) / i;
  return r;
}

/// Probe keys within `t` flips of a `len`-bit substring: sum_{i<=t} C(len, i).
double probes(int len, int t) {
  double s = 0;
  for (int i = 0; i <= std::min(t, len); ++i) s += binom(len, i);
  return s;
}

MihParams split(std::uint32_t m) {
  MihParams p;
  p.m = m;
  const std::uint32_t base = 256 / m, extra = 256 % m;
  std::uint32_t pos = 0;
  for (std::uint32_t i = 0; i < m; ++i) {
    p.start[i] = pos;
    p.len[i] = base + (i < extra ? 1 : 0);
    pos += p.len[i];
  }
  return p;
}

// Calibrated costs (ns) of the MIH query steps and of the flat scan per hash.
// Measured with bench_index at 1M (AMD EPYC, AVX-512, shared machine): a random
// read that the query pipeline prefetches costs ~20 ns; the AVX-512 flat scan
// ~0.8 ns per hash for one query and ~0.19 ns per hash-query in a batch of 8.
constexpr double kProbeNs = 20.0;       // one offset-table lookup
constexpr double kSliceNs = 20.0;       // one read of a non-empty id slice
constexpr double kCandNs = 20.0;        // one hash fetch + verify
constexpr double kFlatNsPerHash = 0.8;  // one hash of the flat scan, single query
constexpr double kFlatBatchNs = 0.1;    // each extra query of a flat batch, per hash

}  // namespace

double mih_cost(const MihParams& p, std::size_t n, int r) {
  const int m = static_cast<int>(p.m);
  if (m == 0) return 1e300;
  const int t = r / m, a = r % m;
  double c = 200;
  for (int i = 0; i < m; ++i) {
    const int ti = i <= a ? t : t - 1;
    if (ti < 0) continue;
    const int len = static_cast<int>(p.len[i]);
    const double k = probes(len, ti);
    const double lambda = static_cast<double>(n) / std::ldexp(1.0, len);  // hashes per key
    c += k * (kProbeNs + kSliceNs * (1.0 - std::exp(-lambda)) + kCandNs * lambda);
  }
  return c;
}

double flat_cost(std::size_t n, std::size_t batch) {
  // per query, when `batch` queries share a pass
  const double b = static_cast<double>(std::max<std::size_t>(batch, 1));
  return static_cast<double>(n) * (kFlatNsPerHash + kFlatBatchNs * (b - 1)) / b;
}

MihParams mih_choose(std::size_t n, int substrings) {
  if (substrings > 0) {
    std::uint32_t m = static_cast<std::uint32_t>(substrings);
    while ((256 + m - 1) / m > 24) ++m;  // substrings of at most 24 bits (64 MiB tables)
    if (m > 32) m = 32;
    return split(m);
  }
  // Minimise the cost at the default radius, with tables of at most 2^24 entries
  // per substring (64 MiB) and substrings of at least 8 bits.
  MihParams best = split(32);
  double best_cost = 1e300;
  for (std::uint32_t m = 8; m <= 32; ++m) {
    const MihParams p = split(m);
    if (p.len[0] > 24) continue;
    double c = mih_cost(p, n, kDefaultRadius);
    // table memory: a penalty once the offset tables outgrow 32 entries per hash,
    // so small lists do not get huge tables
    double table_bytes = 0;
    for (std::uint32_t i = 0; i < m; ++i) table_bytes += std::ldexp(4.0, static_cast<int>(p.len[i]));
    const double budget = static_cast<double>(n) * 4.0 * 32.0 + 16e6;
    if (table_bytes > budget) c *= table_bytes / budget;
    if (c < best_cost) {
      best_cost = c;
      best = p;
    }
  }
  return best;
}

namespace {

/// Stable LSD radix sort of (key << 32 | slot) pairs by their `len`-bit key, in
/// one or two passes of at most 12 bits: each pass reads its input in order and
/// writes to at most 4096 places at once, whose current lines stay in cache.
/// (Counting into the 2^len-cell table directly made one random read-modify-write
/// per hash and per pass, which is what the build time was made of.)
void sort_pairs(BigVec<std::uint64_t>& v, BigVec<std::uint64_t>& tmp, int len) {
  const int lo_bits = len <= 12 ? len : len / 2;
  const int passes = len <= 12 ? 1 : 2;
  tmp.resize(v.size());
  std::vector<std::size_t> count(std::size_t{1} << 12);
  int shift = 32;
  for (int pass = 0; pass < passes; ++pass) {
    const int bits = pass == 0 ? lo_bits : len - lo_bits;
    const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
    std::fill(count.begin(), count.end(), 0);
    for (const std::uint64_t x : v) ++count[(x >> shift) & mask];
    std::size_t pos = 0;
    for (std::size_t d = 0; d <= mask; ++d) {
      const std::size_t c = count[d];
      count[d] = pos;
      pos += c;
    }
    for (const std::uint64_t x : v) tmp[count[(x >> shift) & mask]++] = x;
    v.swap(tmp);
    shift += bits;
  }
}

}  // namespace

void mih_build(const View<Hash256>& hs, const MihParams& p, MihOwned& out, MihView& view) {
  view.params = p;
  const std::size_t n = hs.n;
  if (n >= kMihMulti) throw Error(ErrorCode::invalid_argument, "mih supports up to 2^31-1 distinct hashes");
  BigVec<std::uint64_t> pairs, tmp;
  pairs.reserve(n);
  for (std::uint32_t i = 0; i < p.m; ++i) {
    const std::size_t size = std::size_t{1} << p.len[i];
    auto& table = out.table[i];
    auto& over = out.overflow[i];
    // (key, slot) pairs sorted by key, slots ascending within a key
    pairs.clear();
    for (std::size_t s = 0; s < n; ++s)
      pairs.push_back(std::uint64_t{mih_key(p, i, hs[s])} << 32 | static_cast<std::uint32_t>(s));
    sort_pairs(pairs, tmp, static_cast<int>(p.len[i]));
    // shared values' slots go to `over`, in key order
    std::size_t shared = 0;
    for (std::size_t a = 0; a < n;) {
      std::size_t b = a + 1;
      while (b < n && (pairs[b] >> 32) == (pairs[a] >> 32)) ++b;
      if (b - a >= 2) shared += b - a;
      a = b;
    }
    table.assign(size, kMihEmpty);
    over.resize(shared);
    std::uint32_t pos = 0;
    for (std::size_t a = 0; a < n;) {
      const std::uint64_t key = pairs[a] >> 32;
      std::size_t b = a + 1;
      while (b < n && (pairs[b] >> 32) == key) ++b;
      if (b - a == 1) {
        table[key] = static_cast<std::uint32_t>(pairs[a]);
      } else {
        table[key] = kMihMulti | pos;
        for (std::size_t x = a; x < b; ++x) over[pos++] = static_cast<std::uint32_t>(pairs[x]);
        over[pos - 1] |= kMihLast;
      }
      a = b;
    }
    view.table[i] = View<std::uint32_t>{table.data(), table.size()};
    view.overflow[i] = View<std::uint32_t>{over.data(), over.size()};
  }
}

void mih_radius(const MihView& mv, const View<Hash256>& hs, const Hash256* qs, std::size_t nq, int r, HitVec& out) {
  const MihParams& p = mv.params;
  const int m = static_cast<int>(p.m);
  const int t = r / m, a = r % m;
  // Too many probes for this radius: the flat scan is exact and cheaper.
  double total = 0;
  for (int i = 0; i < m; ++i) total += probes(static_cast<int>(p.len[i]), i <= a ? t : t - 1);
  if (total > static_cast<double>(hs.n) * 2 + 4096) {
    flat_kernels().radius(hs.p, hs.n, qs, nq, r, out);
    return;
  }
  active_kernels().mih_radius(mv, hs, qs, nq, r, out);
}

void bk_radius(const View<BkNode>& nodes, const View<Hash256>& hs, const Hash256* qs, std::size_t nq, int r,
               HitVec& out) {
  active_kernels().bk_radius(nodes, hs, qs, nq, r, out);
}

}  // namespace pdqguard::detail

// The portable query loops (the scalar path's); mih_popcnt.cpp compiles the same
// loops with -mpopcnt for the SIMD paths.
#define PDQ_QUERY_SUFFIX generic
#include "index/mih_query.inc"
