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
constexpr double kProbeNs = 4.0;      // one offset-table lookup (prefetched)
constexpr double kCandNs = 6.0;       // one id read + hash fetch + verify (prefetched)
constexpr double kFlatNsPerHash = 0.9;  // one hash of the flat scan, single query
constexpr double kFlatBatchNs = 0.25;   // each extra query of a flat batch, per hash

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
    c += k * (kProbeNs + kCandNs * static_cast<double>(n) / std::ldexp(1.0, len));
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
    // table memory: a mild penalty so small lists do not get huge tables
    double table_bytes = 0;
    for (std::uint32_t i = 0; i < m; ++i) table_bytes += std::ldexp(4.0, static_cast<int>(p.len[i]));
    c *= 1.0 + table_bytes / (static_cast<double>(n) * 32.0 * 8.0 + 1e6);
    if (c < best_cost) {
      best_cost = c;
      best = p;
    }
  }
  return best;
}

void mih_build(const View<Hash256>& hs, const MihParams& p, MihOwned& out, MihView& view) {
  view.params = p;
  const std::size_t n = hs.n;
  std::vector<std::uint32_t> keys(n);
  for (std::uint32_t i = 0; i < p.m; ++i) {
    const std::size_t size = std::size_t{1} << p.len[i];
    auto& off = out.offsets[i];
    auto& ids = out.ids[i];
    off.assign(size + 1, 0);
    ids.resize(n);
    for (std::size_t s = 0; s < n; ++s) {
      keys[s] = mih_key(p, i, hs[s]);
      ++off[keys[s] + 1];
    }
    for (std::size_t k = 0; k < size; ++k) off[k + 1] += off[k];
    // counting sort (stable: ids ascending within one key)
    std::vector<std::uint32_t> pos(off.begin(), off.end() - 1);
    for (std::size_t s = 0; s < n; ++s) ids[pos[keys[s]]++] = static_cast<std::uint32_t>(s);
    view.offsets[i] = View<std::uint32_t>{off.data(), off.size()};
    view.ids[i] = View<std::uint32_t>{ids.data(), ids.size()};
  }
}

namespace {

/// Appends every key within `t` flips of `key` (a `len`-bit value).
void enumerate(std::uint32_t key, int len, int t, std::vector<std::uint32_t>& out) {
  out.push_back(key);
  if (t <= 0) return;
  if (t >= len) {
    // every value of the substring
    const std::uint32_t size = len >= 32 ? 0xffffffffu : (1u << len) - 1;
    for (std::uint64_t v = 0; v <= size; ++v)
      if (static_cast<std::uint32_t>(v) != key) out.push_back(static_cast<std::uint32_t>(v));
    return;
  }
  // combinations of 1..t bit positions, by a stack of positions
  int pos[64];
  for (int k = 1; k <= t; ++k) {
    for (int i = 0; i < k; ++i) pos[i] = i;
    while (true) {
      std::uint32_t v = key;
      for (int i = 0; i < k; ++i) v ^= 1u << pos[i];
      out.push_back(v);
      int i = k - 1;
      while (i >= 0 && pos[i] == len - k + i) --i;
      if (i < 0) break;
      ++pos[i];
      for (int j = i + 1; j < k; ++j) pos[j] = pos[j - 1] + 1;
    }
  }
}

struct Slice {
  std::uint32_t sub, lo, hi;
};

}  // namespace

void mih_radius(const MihView& mv, const View<Hash256>& hs, const Hash256* qs, std::size_t nq, int r, HitVec& out) {
  const MihParams& p = mv.params;
  const int m = static_cast<int>(p.m);
  const int t = r / m, a = r % m;
  // Too many probes for this radius: the flat scan is exact and cheaper.
  {
    double total = 0;
    for (int i = 0; i < m; ++i) total += probes(static_cast<int>(p.len[i]), i <= a ? t : t - 1);
    if (total > static_cast<double>(hs.n) * 2 + 4096) {
      flat_kernels().radius(hs.p, hs.n, qs, nq, r, out);
      return;
    }
  }
  std::vector<std::uint32_t> keys;
  std::vector<std::uint32_t> key_sub;  // substring of each key
  std::vector<Slice> slices;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> cands;  // (slot, substring)
  for (std::size_t j = 0; j < nq; ++j) {
    const Hash256& q = qs[j];
    keys.clear();
    key_sub.clear();
    for (int i = 0; i < m; ++i) {
      const int ti = i <= a ? t : t - 1;
      if (ti < 0) continue;
      const std::size_t before = keys.size();
      enumerate(mih_key(p, static_cast<std::uint32_t>(i), q), static_cast<int>(p.len[i]), ti, keys);
      key_sub.resize(keys.size(), static_cast<std::uint32_t>(i));
      (void)before;
    }
    // pass 1: prefetch the offset table entries
    for (std::size_t k = 0; k < keys.size(); ++k) __builtin_prefetch(mv.offsets[key_sub[k]].p + keys[k]);
    // pass 2: read them, prefetch the id slices
    slices.clear();
    for (std::size_t k = 0; k < keys.size(); ++k) {
      const std::uint32_t* off = mv.offsets[key_sub[k]].p + keys[k];
      const std::uint32_t lo = off[0], hi = off[1];
      if (lo != hi) {
        slices.push_back(Slice{key_sub[k], lo, hi});
        __builtin_prefetch(mv.ids[key_sub[k]].p + lo);
      }
    }
    // pass 3: read the ids, prefetch the hashes
    cands.clear();
    for (const Slice& s : slices) {
      const std::uint32_t* ids = mv.ids[s.sub].p;
      for (std::uint32_t x = s.lo; x < s.hi; ++x) {
        cands.emplace_back(ids[x], s.sub);
        __builtin_prefetch(hs.p + ids[x]);
      }
    }
    // pass 4: verify; report a slot only from the first substring that can find it
    for (const auto& [slot, sub] : cands) {
      const Hash256& h = hs[slot];
      const int d = distance(h, q);
      if (d > r) continue;
      Hash256 x;
      for (int w = 0; w < 4; ++w) x.words[static_cast<std::size_t>(w)] = h.words[static_cast<std::size_t>(w)] ^ q.words[static_cast<std::size_t>(w)];
      bool earlier = false;
      for (std::uint32_t i = 0; i < sub && !earlier; ++i) {
        const int ti = static_cast<int>(i) <= a ? t : t - 1;
        earlier = std::popcount(mih_key(p, i, x)) <= ti;
      }
      if (!earlier) out.push_back(Hit{slot, static_cast<std::uint32_t>(d), static_cast<std::uint32_t>(j)});
    }
  }
}

}  // namespace pdqguard::detail
