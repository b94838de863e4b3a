// Matcher: building from lists, queries, overlay updates, the atomic handle.
#include "index/core.hpp"

#include <xxhash.h>

#include <algorithm>
#include <numeric>
#include <unordered_map>

namespace pdqguard {

using detail::Base;
using detail::EntryRec;
using detail::HitVec;

const char* index_kind_name(IndexKind k) noexcept {
  switch (k) {
    case IndexKind::automatic: return "auto";
    case IndexKind::flat: return "flat";
    case IndexKind::bktree: return "bktree";
    case IndexKind::mih: return "mih";
  }
  return "unknown";
}

IndexKind parse_index_kind(std::string_view name) {
  if (name == "auto" || name == "automatic") return IndexKind::automatic;
  if (name == "flat") return IndexKind::flat;
  if (name == "bktree") return IndexKind::bktree;
  if (name == "mih") return IndexKind::mih;
  throw Error(ErrorCode::invalid_argument,
              "unknown index kind '" + std::string(name) + "' (expected auto, flat, bktree or mih)");
}

namespace detail {

std::uint32_t BaseBuilder::intern(std::string_view s) {
  if (s.empty()) return 0;
  const std::uint64_t h = XXH3_64bits(s.data(), s.size());
  if (intern_table.empty() || (intern_used + 1) * 2 > intern_table.size()) {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> t(std::max<std::size_t>(1024, intern_table.size() * 2));
    for (auto& [hh, idx] : intern_table) {
      if (idx == 0) continue;
      std::size_t p = hh & (t.size() - 1);
      while (t[p].second != 0) p = (p + 1) & (t.size() - 1);
      t[p] = {hh, idx};
    }
    intern_table.swap(t);
  }
  std::size_t p = h & (intern_table.size() - 1);
  while (intern_table[p].second != 0) {
    if (intern_table[p].first == h) {
      const std::uint32_t i = intern_table[p].second - 1;
      const std::string_view e(blob.data() + str_off[i], str_off[i + 1] - str_off[i]);
      if (e == s) return i;
    }
    p = (p + 1) & (intern_table.size() - 1);
  }
  if (str_off.size() >= 0x7fffffffu)
    throw Error(ErrorCode::invalid_argument, "too many distinct strings in the lists");
  const auto idx = static_cast<std::uint32_t>(str_off.size() - 1);
  blob.insert(blob.end(), s.begin(), s.end());
  str_off.push_back(blob.size());
  intern_table[p] = {h, idx + 1};
  ++intern_used;
  return idx;
}

std::size_t Base::memory_bytes() const noexcept {
  std::size_t m = hashes.bytes() + slot_begin.bytes() + entries.bytes() + str_off.bytes() + str_blob.bytes() +
                  list_names.bytes() + bk.bytes();
  if (has_mih)
    for (std::uint32_t i = 0; i < mih.params.m; ++i) m += mih.table[i].bytes() + mih.overflow[i].bytes();
  return m;
}

template <class T, class A>
static View<T> view_of(const std::vector<T, A>& v) {
  return View<T>{v.data(), v.size()};
}

void Base::view_owned() {
  hashes = view_of(o_hashes);
  slot_begin = view_of(o_slot_begin);
  entries = view_of(o_entries);
  str_off = view_of(o_str_off);
  str_blob = view_of(o_str_blob);
  list_names = view_of(o_list_names);
  bk = view_of(o_bk);
}

IndexKind Base::kind_for(int r, std::size_t batch) const noexcept {
  switch (kind) {
    case IndexKind::flat: return IndexKind::flat;
    case IndexKind::bktree: return IndexKind::bktree;
    case IndexKind::mih: return IndexKind::mih;
    case IndexKind::automatic: break;
  }
  if (!has_mih) return IndexKind::flat;
  return mih_cost(mih.params, hashes.n, r) <= flat_cost(hashes.n, batch) ? IndexKind::mih : IndexKind::flat;
}

void Base::radius(const Hash256* qs, std::size_t nq, int r, HitVec& out) const {
  if (hashes.n == 0 || nq == 0) return;
  switch (kind_for(r, nq)) {
    case IndexKind::mih: mih_radius(mih, hashes, qs, nq, r, out); return;
    case IndexKind::bktree: bk_radius(bk, hashes, qs, nq, r, out); return;
    default: flat_kernels().radius(hashes.p, hashes.n, qs, nq, r, out); return;
  }
}

std::string Base::describe() const {
  std::string s = index_kind_name(kind);
  s += ": " + std::to_string(hashes.n) + " slots, " + std::to_string(entries.n) + " entries";
  auto mih_text = [&] {
    std::uint32_t lo = 64, hi = 0;
    for (std::uint32_t i = 0; i < mih.params.m; ++i) {
      lo = std::min(lo, mih.params.len[i]);
      hi = std::max(hi, mih.params.len[i]);
    }
    return "mih m=" + std::to_string(mih.params.m) + " (substrings of " + std::to_string(lo) +
           (lo != hi ? ".." + std::to_string(hi) : std::string()) + " bits)";
  };
  switch (kind) {
    case IndexKind::flat: s += "; flat scan (" + std::string(flat_kernels().name) + ")"; break;
    case IndexKind::bktree: s += "; bktree of " + std::to_string(bk.n) + " nodes"; break;
    case IndexKind::mih: s += "; " + mih_text(); break;
    case IndexKind::automatic: {
      if (!has_mih) {
        s += "; picked flat scan (" + std::string(flat_kernels().name) + ") for every radius (list too small for mih)";
        break;
      }
      int last_mih = -1;
      for (int r = 0; r <= 256; ++r)
        if (kind_for(r, 1) == IndexKind::mih) last_mih = r;
      s += "; picked " + mih_text();
      if (last_mih < 0)
        s += " never (flat scan always cheaper)";
      else
        s += " for radius <= " + std::to_string(last_mih) + ", flat scan (" + flat_kernels().name + ") above";
      break;
    }
  }
  return s;
}

std::shared_ptr<Base> finish_base(BaseBuilder&& b, const BuildOptions& opt) {
  auto base = std::make_shared<Base>();
  base->kind = opt.kind;
  base->o_hashes = std::move(b.hashes);
  base->o_slot_begin = std::move(b.slot_begin);
  base->o_entries = std::move(b.entries);
  base->o_str_off = std::move(b.str_off);
  base->o_str_blob = std::move(b.blob);
  base->o_list_names.clear();
  base->view_owned();
  const std::size_t n = base->o_hashes.size();
  if (opt.kind == IndexKind::bktree) {
    bk_build(base->hashes, base->o_bk);
    base->bk = view_of(base->o_bk);
  }
  if (opt.kind == IndexKind::mih || (opt.kind == IndexKind::automatic && n >= 2048 && n < kMihMulti)) {
    const MihParams p = mih_choose(n, opt.mih_substrings);
    mih_build(base->hashes, p, base->o_mih, base->mih);
    base->has_mih = true;
  }
  return base;
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Matcher
// ---------------------------------------------------------------------------

namespace {
struct OvEntry {
  std::uint32_t list = 0;
  std::string id;
  std::string label;
  int quality = -1;
};
}  // namespace

struct Matcher::Impl {
  std::shared_ptr<const Base> base;
  IndexKind kind = IndexKind::automatic;
  std::vector<std::string> lists;                  // base lists, then lists new in the overlay
  std::vector<Hash256> ov_hashes;                  // overlay slots (slot = base slots + i)
  std::vector<std::vector<OvEntry>> ov_entries;    // entries per overlay slot
  std::vector<std::pair<std::uint32_t, std::vector<OvEntry>>> extras;  // added to base slots, sorted
  std::vector<std::uint32_t> tomb;                 // removed base entry indices, sorted
  std::size_t live_entries = 0;

  std::size_t nbase() const noexcept { return base->slots(); }
  const std::vector<OvEntry>* extra_of(std::uint32_t slot) const noexcept {
    auto it = std::lower_bound(extras.begin(), extras.end(), slot,
                               [](const auto& e, std::uint32_t s) { return e.first < s; });
    return it != extras.end() && it->first == slot ? &it->second : nullptr;
  }
  bool tombed(std::uint32_t e) const noexcept { return std::binary_search(tomb.begin(), tomb.end(), e); }
  bool live(std::uint32_t slot) const noexcept {
    if (slot >= nbase()) return !ov_entries[slot - nbase()].empty();
    if (tomb.empty()) return true;
    const std::uint32_t b = base->slot_begin[slot], e = base->slot_begin[slot + 1];
    const auto lo = std::lower_bound(tomb.begin(), tomb.end(), b);
    const auto hi = std::lower_bound(lo, tomb.end(), e);
    if (static_cast<std::size_t>(hi - lo) < e - b) return true;
    const auto* x = extra_of(slot);
    return x != nullptr && !x->empty();
  }
  Hash256 hash_of(std::uint32_t slot) const noexcept {
    return slot < nbase() ? base->hashes[slot] : ov_hashes[slot - nbase()];
  }
  /// Appends the live entries of `slot` as matches.
  void entries_of(std::uint32_t slot, int distance, Dihedral v, std::vector<Match>& out) const {
    const Hash256 h = hash_of(slot);
    auto push_ov = [&](const OvEntry& e) {
      out.push_back(Match{lists[e.list], e.id, e.label, h, distance, v, slot});
    };
    if (slot < nbase()) {
      const std::uint32_t b = base->slot_begin[slot], e = base->slot_begin[slot + 1];
      for (std::uint32_t i = b; i < e; ++i) {
        if (!tomb.empty() && tombed(i)) continue;
        const EntryRec& r = base->entries[i];
        out.push_back(Match{lists[r.list], base->id_string(r.id), std::string(base->str(r.label)), h, distance, v,
                            slot});
      }
      if (const auto* x = extra_of(slot))
        for (const auto& e2 : *x) push_ov(e2);
    } else {
      for (const auto& e2 : ov_entries[slot - nbase()]) push_ov(e2);
    }
  }
  void search(const Hash256* qs, std::size_t nq, int r, HitVec& out) const {
    const std::size_t first = out.size();
    base->radius(qs, nq, r, out);
    if (!tomb.empty()) {
      auto it = std::remove_if(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                               [&](const Hit& h) { return !live(h.slot); });
      out.erase(it, out.end());
    }
    if (!ov_hashes.empty()) {
      const std::size_t before = out.size();
      detail::flat_kernels().radius(ov_hashes.data(), ov_hashes.size(), qs, nq, r, out);
      for (std::size_t i = before; i < out.size(); ++i) out[i].slot += static_cast<std::uint32_t>(nbase());
      auto it = std::remove_if(out.begin() + static_cast<std::ptrdiff_t>(before), out.end(),
                               [&](const Hit& h) { return !live(h.slot); });
      out.erase(it, out.end());
    }
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(), [](const Hit& a, const Hit& b) {
      if (a.query != b.query) return a.query < b.query;
      if (a.distance != b.distance) return a.distance < b.distance;
      return a.slot < b.slot;
    });
  }
};

Matcher::Matcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Matcher::~Matcher() = default;

namespace {

void check_radius(int r) {
  if (r < 0 || r > 256) throw Error(ErrorCode::invalid_argument, "radius must be 0..256, got " + std::to_string(r));
}

std::shared_ptr<const Matcher> make_matcher(std::shared_ptr<const Base> base, IndexKind kind) {
  auto impl = std::make_unique<Matcher::Impl>();
  impl->kind = kind;
  for (std::size_t i = 0; i < base->list_names.n; ++i)
    impl->lists.emplace_back(base->str(base->list_names[i]));
  impl->live_entries = base->entries.n;
  impl->base = std::move(base);
  return std::make_shared<const Matcher>(std::move(impl));
}

/// Entries (flattened from lists) to a grouped, deduplicated BaseBuilder.
struct FlatEntry {
  Hash256 hash;
  std::uint32_t list;
  std::string_view id;
  std::string_view label;
  std::uint32_t numeric_id;  // used when id is empty
  int quality;
};

std::shared_ptr<Base> build_base(detail::BigVec<FlatEntry>& all, const std::vector<std::string>& list_names,
                                 const BuildOptions& opt) {
  if (all.size() >= 0xfffffffeu)
    throw Error(ErrorCode::invalid_argument, "more than 2^32-2 entries: split the lists");
  if (opt.mih_substrings < 0 || opt.mih_substrings > 32)
    throw Error(ErrorCode::invalid_argument, "mih_substrings must be 0..32");
  // Big temporaries on huge pages: first touches of fresh memory are a large
  // part of a 10M build on a VM (bench/README.md, "Matching").
  detail::BigVec<std::pair<std::uint64_t, std::uint32_t>> order(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) order[i] = {all[i].hash.words[3], static_cast<std::uint32_t>(i)};
  std::sort(order.begin(), order.end());
  // ties on the top word: order by the full hash, stable by input position
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i + 1;
    while (j < order.size() && order[j].first == order[i].first) ++j;
    if (j - i > 1)
      std::sort(order.begin() + static_cast<std::ptrdiff_t>(i), order.begin() + static_cast<std::ptrdiff_t>(j),
                [&](const auto& a, const auto& b) {
                  const auto c = all[a.second].hash <=> all[b.second].hash;
                  if (c != 0) return c < 0;
                  return a.second < b.second;
                });
    i = j;
  }
  detail::BaseBuilder b;
  b.hashes.reserve(all.size());  // no regrowth: each doubling touched fresh memory again
  b.entries.reserve(all.size());
  b.slot_begin.reserve(all.size() + 1);
  std::vector<std::uint32_t> name_idx;
  for (const auto& n : list_names) name_idx.push_back(b.intern(n));
  constexpr std::size_t kAhead = 16;  // entries are read in sorted order: random reads
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i + kAhead < order.size()) __builtin_prefetch(&all[order[i + kAhead].second]);
    const FlatEntry& e = all[order[i].second];
    if (i == 0 || !(e.hash == all[order[i - 1].second].hash)) {
      b.slot_begin.push_back(static_cast<std::uint32_t>(b.entries.size()));
      b.hashes.push_back(e.hash);
    }
    EntryRec r{};
    r.list = e.list;
    r.id = e.id.empty() ? (detail::kNumericId | (e.numeric_id & 0x7fffffffu)) : b.intern(e.id);
    r.label = b.intern(e.label);
    r.quality = e.quality;
    b.entries.push_back(r);
  }
  b.slot_begin.push_back(static_cast<std::uint32_t>(b.entries.size()));
  b.intern_table.clear();
  b.intern_table.shrink_to_fit();
  auto base = detail::finish_base(std::move(b), opt);
  base->o_list_names = name_idx;
  base->list_names = detail::View<std::uint32_t>{base->o_list_names.data(), base->o_list_names.size()};
  return base;
}

bool numeric_small(std::string_view s, std::uint32_t& v) {
  if (s.empty() || s.size() > 9 || s[0] == '0') return false;
  std::uint32_t x = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    x = x * 10 + static_cast<std::uint32_t>(c - '0');
  }
  v = x;
  return true;
}

}  // namespace

std::shared_ptr<const Matcher> Matcher::build(std::span<const HashList> lists, const BuildOptions& options) {
  std::vector<std::string> names;
  std::unordered_map<std::string, std::uint32_t> name_of;
  auto list_index = [&](const std::string& n) {
    auto [it, fresh] = name_of.emplace(n, static_cast<std::uint32_t>(names.size()));
    if (fresh) names.push_back(n);
    return it->second;
  };
  std::size_t total = 0;
  for (const auto& l : lists) total += l.entries.size();
  detail::BigVec<FlatEntry> all;
  all.reserve(total);
  for (const auto& l : lists) {
    const std::uint32_t li = list_index(l.name);
    for (const auto& e : l.entries) {
      FlatEntry f{e.hash, e.list.empty() ? li : list_index(e.list), e.id, e.label, 0, e.quality};
      std::uint32_t v = 0;
      if (numeric_small(e.id, v)) {  // store line numbers and small numeric ids compactly
        f.id = {};
        f.numeric_id = v;
      }
      all.push_back(f);
    }
  }
  return make_matcher(build_base(all, names, options), options.kind);
}

std::shared_ptr<const Matcher> Matcher::build_from_hashes(std::span<const Hash256> hashes,
                                                          const BuildOptions& options, const std::string& list_name) {
  detail::BigVec<FlatEntry> all(hashes.size());
  for (std::size_t i = 0; i < hashes.size(); ++i)
    all[i] = FlatEntry{hashes[i], 0, {}, {}, static_cast<std::uint32_t>(i + 1), -1};
  return make_matcher(build_base(all, {list_name}, options), options.kind);
}

std::shared_ptr<const Matcher> Matcher::open(const std::string& path, const OpenOptions& options) {
  auto base = detail::open_base(path, options);
  const IndexKind k = base->kind;
  return make_matcher(std::move(base), k);
}

void Matcher::save(const std::string& path) const {
  if (impl_->ov_hashes.empty() && impl_->extras.empty() && impl_->tomb.empty()) {
    detail::save_base(*impl_->base, path);
    return;
  }
  auto merged = rebuild();
  detail::save_base(*merged->impl_->base, path);
}

IndexKind Matcher::kind() const noexcept { return impl_->kind; }
IndexKind Matcher::kind_for_radius(int radius) const noexcept { return impl_->base->kind_for(radius, 1); }

std::string Matcher::describe() const {
  std::string s = impl_->base->describe();
  if (!impl_->ov_hashes.empty() || !impl_->extras.empty() || !impl_->tomb.empty())
    s += "; overlay of " + std::to_string(impl_->ov_hashes.size()) + " slots, " +
         std::to_string(impl_->tomb.size()) + " removed entries";
  return s;
}

IndexInfo Matcher::info() const {
  IndexInfo in;
  in.format_version = kIndexFormatVersion;
  in.kind = impl_->kind;
  in.description = describe();
  in.slots = slot_count();
  in.entries = entry_count();
  in.lists.resize(impl_->lists.size());
  for (std::size_t i = 0; i < impl_->lists.size(); ++i) in.lists[i].name = impl_->lists[i];
  const Base& b = *impl_->base;
  for (std::uint32_t i = 0; i < b.entries.n; ++i)
    if (impl_->tomb.empty() || !impl_->tombed(i)) ++in.lists[b.entries[i].list].entries;
  for (const auto& x : impl_->extras)
    for (const auto& e : x.second) ++in.lists[e.list].entries;
  for (const auto& v : impl_->ov_entries)
    for (const auto& e : v) ++in.lists[e.list].entries;
  in.file_size = b.file_size;
  in.checksum = b.checksum;
  in.memory_bytes = b.memory_bytes() + impl_->ov_hashes.size() * sizeof(Hash256);
  return in;
}

std::size_t Matcher::slot_count() const noexcept { return impl_->nbase() + impl_->ov_hashes.size(); }
std::size_t Matcher::entry_count() const noexcept { return impl_->live_entries; }
Hash256 Matcher::slot_hash(std::uint32_t slot) const noexcept { return impl_->hash_of(slot); }
std::vector<Match> Matcher::slot_entries(std::uint32_t slot) const {
  std::vector<Match> out;
  if (slot < slot_count()) impl_->entries_of(slot, 0, Dihedral::original, out);
  return out;
}
std::vector<std::string> Matcher::list_names() const { return impl_->lists; }
std::size_t Matcher::overlay_slots() const noexcept { return impl_->ov_hashes.size(); }
std::size_t Matcher::removed_entries() const noexcept { return impl_->tomb.size(); }

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

namespace {
void finish_result(QueryResult& res, const QueryOptions& o) {
  std::stable_sort(res.matches.begin(), res.matches.end(), [](const Match& a, const Match& b) {
    if (a.distance != b.distance) return a.distance < b.distance;
    return a.slot < b.slot;
  });
  if (o.max_matches != 0 && res.matches.size() > o.max_matches) res.matches.resize(o.max_matches);
}
bool gated(int quality, const QueryOptions& o) { return quality >= 0 && quality < o.min_quality; }
}  // namespace

QueryResult Matcher::query(const Hash256& q, const QueryOptions& options, int quality) const {
  check_radius(options.radius);
  QueryResult res;
  res.hash = q;
  res.quality = quality;
  if (gated(quality, options)) {
    res.below_quality = true;
    return res;
  }
  HitVec hits;
  impl_->search(&q, 1, options.radius, hits);
  for (const Hit& h : hits) impl_->entries_of(h.slot, static_cast<int>(h.distance), Dihedral::original, res.matches);
  finish_result(res, options);
  return res;
}

QueryResult Matcher::query(const HashResult& h, const QueryOptions& options) const {
  return query(h.hash, options, h.quality);
}

QueryResult Matcher::query(const DihedralResult& d, const QueryOptions& options) const {
  check_radius(options.radius);
  QueryResult res;
  res.hash = d.hashes[0];
  res.quality = d.quality;
  if (gated(d.quality, options)) {
    res.below_quality = true;
    return res;
  }
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
  finish_result(res, options);
  return res;
}

std::vector<QueryResult> Matcher::query_batch(std::span<const QueryHash> qs, const QueryOptions& options) const {
  check_radius(options.radius);
  std::vector<QueryResult> res(qs.size());
  std::vector<Hash256> live;
  std::vector<std::uint32_t> back;
  for (std::size_t i = 0; i < qs.size(); ++i) {
    res[i].hash = qs[i].hash;
    res[i].quality = qs[i].quality;
    if (gated(qs[i].quality, options)) {
      res[i].below_quality = true;
      continue;
    }
    live.push_back(qs[i].hash);
    back.push_back(static_cast<std::uint32_t>(i));
  }
  HitVec hits;
  impl_->search(live.data(), live.size(), options.radius, hits);
  for (const Hit& h : hits)
    impl_->entries_of(h.slot, static_cast<int>(h.distance), Dihedral::original, res[back[h.query]].matches);
  for (auto& r : res) finish_result(r, options);
  return res;
}

QueryResult Matcher::query_knn(const Hash256& q, std::size_t k, int max_distance) const {
  QueryResult res;
  res.hash = q;
  HitVec hits;
  search_knn(q, k, hits, max_distance);
  for (const Hit& h : hits) impl_->entries_of(h.slot, static_cast<int>(h.distance), Dihedral::original, res.matches);
  return res;
}

// ---------------------------------------------------------------------------
// Updates
// ---------------------------------------------------------------------------

std::shared_ptr<const Matcher> Matcher::with_updates(const MatcherUpdate& update) const {
  for (const auto& r : update.remove)
    if (!r.hash && r.id.empty())
      throw Error(ErrorCode::invalid_argument, "a removal must name a hash or an id");
  auto n = std::make_unique<Impl>(*impl_);
  const Base& b = *n->base;
  std::unordered_map<std::string, std::uint32_t> name_of;
  for (std::size_t i = 0; i < n->lists.size(); ++i) name_of.emplace(n->lists[i], static_cast<std::uint32_t>(i));
  auto list_index = [&](const std::string& s) {
    auto [it, fresh] = name_of.emplace(s, static_cast<std::uint32_t>(n->lists.size()));
    if (fresh) n->lists.push_back(s);
    return it->second;
  };
  // removals first (they apply to what exists before this update)
  std::vector<std::uint32_t> new_tomb;
  for (const auto& r : update.remove) {
    const bool any_list = r.list.empty();
    const auto list_ok = [&](std::uint32_t li) { return any_list || n->lists[li] == r.list; };
    auto ov_filter = [&](std::vector<OvEntry>& v) {
      const auto it = std::remove_if(v.begin(), v.end(), [&](const OvEntry& e) {
        return list_ok(e.list) && (r.id.empty() || e.id == r.id);
      });
      n->live_entries -= static_cast<std::size_t>(v.end() - it);
      v.erase(it, v.end());
    };
    auto base_slot = [&](std::uint32_t s) {
      for (std::uint32_t e = b.slot_begin[s]; e < b.slot_begin[s + 1]; ++e) {
        const EntryRec& er = b.entries[e];
        if (!list_ok(er.list)) continue;
        if (!r.id.empty() && b.id_string(er.id) != r.id) continue;
        new_tomb.push_back(e);
      }
      for (auto& x : n->extras)
        if (x.first == s) ov_filter(x.second);
    };
    if (r.hash) {
      HitVec hits;
      b.radius(&*r.hash, 1, 0, hits);
      for (const Hit& h : hits) base_slot(h.slot);
      for (std::size_t i = 0; i < n->ov_hashes.size(); ++i)
        if (n->ov_hashes[i] == *r.hash) ov_filter(n->ov_entries[i]);
    } else {
      for (std::uint32_t s = 0; s < b.slots(); ++s) base_slot(s);
      for (auto& v : n->ov_entries) ov_filter(v);
    }
  }
  std::sort(new_tomb.begin(), new_tomb.end());
  new_tomb.erase(std::unique(new_tomb.begin(), new_tomb.end()), new_tomb.end());
  std::vector<std::uint32_t> merged;
  std::set_union(n->tomb.begin(), n->tomb.end(), new_tomb.begin(), new_tomb.end(), std::back_inserter(merged));
  n->live_entries -= merged.size() - n->tomb.size();
  n->tomb.swap(merged);
  // additions
  std::unordered_map<Hash256, std::uint32_t> ov_slot;
  for (std::size_t i = 0; i < n->ov_hashes.size(); ++i) ov_slot.emplace(n->ov_hashes[i], static_cast<std::uint32_t>(i));
  for (const auto& l : update.add) {
    const std::uint32_t li = list_index(l.name);
    for (const auto& e : l.entries) {
      OvEntry oe{e.list.empty() ? li : list_index(e.list), e.id.empty() ? std::to_string(e.line) : e.id, e.label,
                 e.quality};
      ++n->live_entries;
      HitVec hits;
      b.radius(&e.hash, 1, 0, hits);
      if (!hits.empty()) {
        const std::uint32_t s = hits.front().slot;
        auto it = std::lower_bound(n->extras.begin(), n->extras.end(), s,
                                   [](const auto& x, std::uint32_t v) { return x.first < v; });
        if (it == n->extras.end() || it->first != s) it = n->extras.insert(it, {s, {}});
        it->second.push_back(std::move(oe));
        continue;
      }
      auto [it, fresh] = ov_slot.emplace(e.hash, static_cast<std::uint32_t>(n->ov_hashes.size()));
      if (fresh) {
        n->ov_hashes.push_back(e.hash);
        n->ov_entries.emplace_back();
      }
      n->ov_entries[it->second].push_back(std::move(oe));
    }
  }
  return std::make_shared<const Matcher>(std::move(n));
}

std::shared_ptr<const Matcher> Matcher::rebuild(const BuildOptions& options) const {
  BuildOptions o = options;
  if (o.kind == IndexKind::automatic) o.kind = impl_->kind;
  const Impl& m = *impl_;
  const Base& b = *m.base;
  detail::BigVec<FlatEntry> all;
  all.reserve(m.live_entries);
  std::vector<std::string> keep;  // owns strings of base entries with string ids (views must stay valid)
  for (std::uint32_t s = 0; s < b.slots(); ++s) {
    for (std::uint32_t e = b.slot_begin[s]; e < b.slot_begin[s + 1]; ++e) {
      if (!m.tomb.empty() && m.tombed(e)) continue;
      const EntryRec& r = b.entries[e];
      FlatEntry f{b.hashes[s], r.list, {}, b.str(r.label), 0, r.quality};
      if (r.id & detail::kNumericId)
        f.numeric_id = r.id & ~detail::kNumericId;
      else
        f.id = b.str(r.id);
      all.push_back(f);
    }
    if (const auto* x = m.extra_of(s))
      for (const auto& oe : *x) all.push_back(FlatEntry{b.hashes[s], oe.list, oe.id, oe.label, 0, oe.quality});
  }
  for (std::size_t i = 0; i < m.ov_hashes.size(); ++i)
    for (const auto& oe : m.ov_entries[i]) all.push_back(FlatEntry{m.ov_hashes[i], oe.list, oe.id, oe.label, 0, oe.quality});
  for (auto& f : all) {
    std::uint32_t v = 0;
    if (!f.id.empty() && numeric_small(f.id, v)) {
      f.id = {};
      f.numeric_id = v;
    }
  }
  return make_matcher(build_base(all, m.lists, o), o.kind);
}

std::shared_ptr<const Matcher> build_matcher_from_files(std::span<const std::string> paths, const ParseOptions& parse,
                                                        const BuildOptions& build, std::vector<HashList>* reports) {
  std::vector<HashList> lists;
  for (const auto& p : paths) lists.push_back(parse_list_file(p, parse));
  auto m = Matcher::build(lists, build);
  if (reports != nullptr) {
    for (auto& l : lists) {
      l.entries.clear();
      l.entries.shrink_to_fit();
      reports->push_back(std::move(l));
    }
  }
  return m;
}

// ---------------------------------------------------------------------------
// MatcherHandle
// ---------------------------------------------------------------------------

MatcherHandle::MatcherHandle(std::shared_ptr<const Matcher> m) : current_(std::move(m)) {}

std::shared_ptr<const Matcher> MatcherHandle::get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

std::shared_ptr<const Matcher> MatcherHandle::exchange(std::shared_ptr<const Matcher> m) {
  std::lock_guard<std::mutex> lock(mu_);
  current_.swap(m);
  return m;  // the previous one; released by the caller, outside the lock
}

void MatcherHandle::update(const MatcherUpdate& update) {
  std::lock_guard<std::mutex> serial(update_mu_);
  auto cur = get();
  if (!cur) throw Error(ErrorCode::invalid_argument, "MatcherHandle::update: no Matcher stored");
  store(cur->with_updates(update));
}

}  // namespace pdqguard
