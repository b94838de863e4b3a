// Queries and THE query rules: the quality/size gate (query_gate), the result
// order (match_order_less) and dihedral querying (only real variants). Every
// front end (CLI, C API, gateway, bindings) reaches these through
// Matcher::query*; none re-decides them.
#include "index/matcher_impl.hpp"

#include <algorithm>

namespace pdqguard {

using detail::check_radius;
using detail::HitVec;

void Matcher::search_radius(const Hash256& q, int radius, std::vector<Hit>& out) const {
  check_radius(radius);
  impl_->search(&q, 1, radius, out);
}

void Matcher::search_radius_batch(std::span<const Hash256> qs, int radius, std::vector<Hit>& out) const {
  check_radius(radius);
  impl_->search(qs.data(), qs.size(), radius, out);
}

void Matcher::search_knn(const Hash256& q, std::size_t k, std::vector<Hit>& out, int max_distance) const {
  check_radius(max_distance);
  if (k == 0) return;
  HitVec hits;
  int r = std::min(15, max_distance);
  while (true) {
    if (kind_for_radius(r) == IndexKind::flat) r = max_distance;  // one pass does it all
    hits.clear();
    impl_->search(&q, 1, r, hits);
    if (hits.size() >= k || r >= max_distance) break;
    r = std::min(max_distance, r < 31 ? 31 : r + 16);
  }
  // hits are sorted by distance then slot; every slot not found is farther than r.
  if (hits.size() > k) hits.resize(k);
  out.insert(out.end(), hits.begin(), hits.end());
}

// ---------------------------------------------------------------------------
// The query rules
// ---------------------------------------------------------------------------

const char* query_gate_name(QueryGate g) noexcept {
  switch (g) {
    case QueryGate::none: return "none";
    case QueryGate::too_small: return "too_small";
    case QueryGate::below_quality: return "below_quality";
  }
  return "unknown";
}

QueryGate query_gate(int quality, bool too_small, int min_quality) noexcept {
  // An image below 5 pixels a side hashes to all zeros with quality 0: that
  // hash says nothing about the image, so it never matches, even at
  // min_quality 0 (where the quality rule alone would let it through).
  if (too_small) return QueryGate::too_small;
  if (quality >= 0 && quality < min_quality) return QueryGate::below_quality;
  return QueryGate::none;
}

bool match_order_less(const Match& a, const Match& b) noexcept {
  if (a.distance != b.distance) return a.distance < b.distance;
  if (const int c = a.list.compare(b.list); c != 0) return c < 0;
  if (const int c = a.id.compare(b.id); c != 0) return c < 0;
  return a.slot < b.slot;  // stable_sort keeps the entries of one slot in list order
}

namespace {

/// Sorts into result order and applies max_matches.
void finish_result(QueryResult& res, std::size_t max_matches) {
  std::stable_sort(res.matches.begin(), res.matches.end(), match_order_less);
  if (max_matches != 0 && res.matches.size() > max_matches) res.matches.resize(max_matches);
}

/// Starts a result; returns false (result gated) when the rules say it cannot match.
bool open_result(QueryResult& res, const Hash256& h, int quality, bool too_small, const QueryOptions& o) {
  res.hash = h;
  res.quality = quality;
  res.gate = query_gate(quality, too_small, o.min_quality);
  return res.gate == QueryGate::none;
}

}  // namespace

// ---------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------

QueryResult Matcher::query(const Hash256& q, const QueryOptions& options, int quality) const {
  return query(HashResult{q, quality, false}, options);
}

QueryResult Matcher::query(const HashResult& h, const QueryOptions& options) const {
  check_radius(options.radius);
  QueryResult res;
  if (!open_result(res, h.hash, h.quality, h.too_small, options)) return res;
  res.variants = 1;
  HitVec hits;
  impl_->search(&h.hash, 1, options.radius, hits);
  for (const Hit& x : hits) impl_->entries_of(x.slot, static_cast<int>(x.distance), Dihedral::original, res.matches);
  finish_result(res, options.max_matches);
  return res;
}

QueryResult Matcher::query(const DihedralResult& d, const QueryOptions& options) const {
  // Only real variants are searched: a plain result's hashes[1..7] are zero,
  // and a low-popcount list entry would "match" them.
  if (!d.has_dihedral) return query(d.plain(), options);
  check_radius(options.radius);
  QueryResult res;
  if (!open_result(res, d.hashes[0], d.quality, d.too_small, options)) return res;
  res.variants = 8;
  HitVec hits;
  impl_->search(d.hashes.data(), 8, options.radius, hits);
  // best variant per slot: smallest distance, then lowest variant
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    if (a.slot != b.slot) return a.slot < b.slot;
    if (a.distance != b.distance) return a.distance < b.distance;
    return a.query < b.query;
  });
  for (std::size_t i = 0; i < hits.size(); ++i) {
    if (i > 0 && hits[i].slot == hits[i - 1].slot) continue;
    impl_->entries_of(hits[i].slot, static_cast<int>(hits[i].distance), static_cast<Dihedral>(hits[i].query),
                      res.matches);
  }
  finish_result(res, options.max_matches);
  return res;
}

std::vector<QueryResult> Matcher::query_batch(std::span<const QueryHash> qs, const QueryOptions& options) const {
  check_radius(options.radius);
  std::vector<QueryResult> res(qs.size());
  std::vector<Hash256> live;
  std::vector<std::uint32_t> back;
  for (std::size_t i = 0; i < qs.size(); ++i) {
    if (!open_result(res[i], qs[i].hash, qs[i].quality, qs[i].too_small, options)) continue;
    res[i].variants = 1;
    live.push_back(qs[i].hash);
    back.push_back(static_cast<std::uint32_t>(i));
  }
  HitVec hits;
  impl_->search(live.data(), live.size(), options.radius, hits);
  for (const Hit& h : hits)
    impl_->entries_of(h.slot, static_cast<int>(h.distance), Dihedral::original, res[back[h.query]].matches);
  for (auto& r : res) finish_result(r, options.max_matches);
  return res;
}

QueryResult Matcher::query_knn(const Hash256& q, std::size_t k, int max_distance) const {
  QueryResult res;
  res.hash = q;
  res.variants = 1;
  HitVec hits;
  search_knn(q, k, hits, max_distance);
  for (const Hit& h : hits) impl_->entries_of(h.slot, static_cast<int>(h.distance), Dihedral::original, res.matches);
  finish_result(res, 0);
  return res;
}

}  // namespace pdqguard
