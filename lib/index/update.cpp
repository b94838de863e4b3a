// Live updates: Matcher::with_updates (an overlay of added entries and
// tombstones of removed ones over a shared base index).
#include "index/matcher_impl.hpp"

#include <algorithm>
#include <iterator>
#include <unordered_map>

namespace pdqguard {

using detail::HitVec;
using detail::OvEntry;

std::shared_ptr<const Matcher> Matcher::with_updates(const MatcherUpdate& update) const {
  for (const auto& r : update.remove)
    if (!r.hash && r.id.empty())
      throw Error(ErrorCode::invalid_argument, "a removal must name a hash or an id");
  auto n = std::make_unique<Impl>(*impl_);
  const detail::Base& b = *n->base;
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
        const detail::EntryRec& er = b.entries[e];
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
    detail::for_each_entry_list(l, list_index, [&](const ListEntry& e, std::uint32_t li) {
      OvEntry oe{li, e.id.empty() ? std::to_string(e.line) : e.id, e.label, e.quality};
      ++n->live_entries;
      HitVec hits;
      b.radius(&e.hash, 1, 0, hits);
      if (!hits.empty()) {
        const std::uint32_t s = hits.front().slot;
        auto it = std::lower_bound(n->extras.begin(), n->extras.end(), s,
                                   [](const auto& x, std::uint32_t v) { return x.first < v; });
        if (it == n->extras.end() || it->first != s) it = n->extras.insert(it, {s, {}});
        it->second.push_back(std::move(oe));
        return;
      }
      auto [it, fresh] = ov_slot.emplace(e.hash, static_cast<std::uint32_t>(n->ov_hashes.size()));
      if (fresh) {
        n->ov_hashes.push_back(e.hash);
        n->ov_entries.emplace_back();
      }
      n->ov_entries[it->second].push_back(std::move(oe));
    });
  }
  return detail::MatcherAccess::make(std::move(n));
}

}  // namespace pdqguard
