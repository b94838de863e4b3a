// The base index: storage views, the choice of search structure per radius
// (Base::kind_for), its description, and finishing a built base.
#include "index/core.hpp"

#include <algorithm>

namespace pdqguard::detail {

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

}  // namespace pdqguard::detail
