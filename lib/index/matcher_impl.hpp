// Internal: the Matcher's state (a shared base index plus an overlay of added
// entries and tombstones of removed ones) and the helpers the lib/index files
// share. Never installed: the public header only declares Matcher::Impl.
#pragma once

#include "index/core.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pdqguard {

namespace detail {
/// An entry added by Matcher::with_updates (kept outside the base index).
struct OvEntry {
  std::uint32_t list = 0;
  std::string id;
  std::string label;
  int quality = -1;
};

/// The one rule for the list an entry of `l` belongs to (Matcher::build and
/// with_updates): its own list column (a ThreatExchange export's collab), else
/// the file's name. The file's name becomes a list only when an entry falls
/// back to it or the file has no entry, so an export whose every row names its
/// collab adds no empty list. `list_index(name)` returns a name's index (adding
/// it); `each(entry, index)` is called for every entry in order.
template <class ListIndex, class Each>
void for_each_entry_list(const HashList& l, ListIndex&& list_index, Each&& each) {
  bool have_own = false;
  std::uint32_t own = 0;
  const auto own_index = [&] {
    if (!have_own) own = list_index(l.name), have_own = true;
    return own;
  };
  if (l.entries.empty()) own_index();
  for (const ListEntry& e : l.entries) each(e, e.list.empty() ? own_index() : list_index(e.list));
}
}  // namespace detail

struct Matcher::Impl {
  using Base = detail::Base;
  using EntryRec = detail::EntryRec;
  using HitVec = detail::HitVec;
  using OvEntry = detail::OvEntry;
  std::shared_ptr<const Base> base;
  IndexKind kind = IndexKind::automatic;
  std::vector<std::string> lists;                  // base lists, then lists new in the overlay
  std::vector<Hash256> ov_hashes;                  // overlay slots (slot = base slots + i)
  std::vector<std::vector<detail::OvEntry>> ov_entries;    // entries per overlay slot
  std::vector<std::pair<std::uint32_t, std::vector<detail::OvEntry>>> extras;  // added to base slots, sorted
  std::vector<std::uint32_t> tomb;                 // removed base entry indices, sorted
  std::size_t live_entries = 0;

  std::size_t nbase() const noexcept { return base->slots(); }
  const std::vector<detail::OvEntry>* extra_of(std::uint32_t slot) const noexcept {
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
    auto push_ov = [&](const detail::OvEntry& e) {
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

namespace detail {

/// The one door to Matcher's private parts inside lib/index.
struct MatcherAccess {
  using Impl = Matcher::Impl;
  static std::shared_ptr<const Matcher> make(std::unique_ptr<Impl> impl) {
    return std::shared_ptr<const Matcher>(new Matcher(std::move(impl)));
  }
  static const Impl& impl(const Matcher& m) noexcept { return *m.impl_; }
};

/// Throws Error(invalid_argument) unless 0 <= r <= 256.
void check_radius(int r);
/// A Matcher over `base` with no overlay.
std::shared_ptr<const Matcher> make_matcher(std::shared_ptr<const Base> base, IndexKind kind);

/// Entries (flattened from lists) for build_base.
struct FlatEntry {
  Hash256 hash;
  std::uint32_t list;
  std::string_view id;
  std::string_view label;
  std::uint32_t numeric_id;  // used when id is empty
  int quality;
};
/// Groups and deduplicates entries into slots and builds the search structures.
std::shared_ptr<Base> build_base(BigVec<FlatEntry>& all, const std::vector<std::string>& list_names,
                                 const BuildOptions& opt);
/// True (and the value in v) for ids stored compactly: 1..999999999 without a leading 0.
bool numeric_small(std::string_view s, std::uint32_t& v);

}  // namespace detail
}  // namespace pdqguard
