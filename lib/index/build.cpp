// Building: string interning, grouping entries into slots (build_base),
// Matcher::build / build_from_hashes / rebuild.
#include "index/matcher_impl.hpp"

#include <xxhash.h>

#include <unordered_map>

namespace pdqguard {

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

std::shared_ptr<Base> build_base(BigVec<FlatEntry>& all, const std::vector<std::string>& list_names,
                                 const BuildOptions& opt) {
  if (all.size() >= 0xfffffffeu)
    throw Error(ErrorCode::invalid_argument, "more than 2^32-2 entries: split the lists");
  if (opt.mih_substrings < kMinMihSubstrings || opt.mih_substrings > kMaxMihSubstrings)
    throw Error(ErrorCode::invalid_argument, "mih_substrings must be " + std::to_string(kMinMihSubstrings) + ".." +
                                                 std::to_string(kMaxMihSubstrings));
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

}  // namespace detail

using detail::FlatEntry;
using detail::make_matcher;
using detail::numeric_small;
using detail::build_base;

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
    detail::for_each_entry_list(l, list_index, [&](const ListEntry& e, std::uint32_t li) {
      FlatEntry f{e.hash, li, e.id, e.label, 0, e.quality};
      std::uint32_t v = 0;
      if (numeric_small(e.id, v)) {  // store line numbers and small numeric ids compactly
        f.id = {};
        f.numeric_id = v;
      }
      all.push_back(f);
    });
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

std::shared_ptr<const Matcher> Matcher::rebuild(const BuildOptions& options) const {
  BuildOptions o = options;
  if (o.kind == IndexKind::automatic) o.kind = impl_->kind;
  const Impl& m = *impl_;
  const detail::Base& b = *m.base;
  detail::BigVec<FlatEntry> all;
  all.reserve(m.live_entries);
  std::vector<std::string> keep;  // owns strings of base entries with string ids (views must stay valid)
  for (std::uint32_t s = 0; s < b.slots(); ++s) {
    for (std::uint32_t e = b.slot_begin[s]; e < b.slot_begin[s + 1]; ++e) {
      if (!m.tomb.empty() && m.tombed(e)) continue;
      const detail::EntryRec& r = b.entries[e];
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

}  // namespace pdqguard
