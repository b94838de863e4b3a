// C API: conversions between the C structs and the C++ value types.
#pragma once

#include <pdqguard/hash.hpp>
#include <pdqguard/index.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/pdqguard.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

namespace pdqguard::capi {

inline pdqg_hash to_c(const Hash256& h) noexcept {
  pdqg_hash c;
  std::memcpy(c.words, h.words.data(), sizeof c.words);
  return c;
}

inline Hash256 to_cpp(const pdqg_hash& c) noexcept {
  Hash256 h;
  std::memcpy(h.words.data(), c.words, sizeof c.words);
  return h;
}

/// Copies `items` into one malloc block (freed with one free(), as the C API's
/// *_free functions do): the C entries, then the NUL-terminated list, id and label
/// of each entry's match. `match_of(item)` gives the item's Match; `fill(c, item)`
/// sets the entry's other fields after the pdqg_match that `match_in(c)` names has
/// been filled. Returns nullptr for no items; throws std::bad_alloc.
template <typename C, typename Item, typename MatchOf, typename MatchIn, typename Fill>
C* export_match_block(const std::vector<Item>& items, MatchOf match_of, MatchIn match_in,
                      Fill fill) {
  if (items.empty()) return nullptr;
  std::size_t bytes = items.size() * sizeof(C);
  for (const Item& it : items) {
    const Match& m = match_of(it);
    bytes += m.list.size() + m.id.size() + m.label.size() + 3;
  }
  auto* block = static_cast<unsigned char*>(std::malloc(bytes));
  if (block == nullptr) throw std::bad_alloc();
  auto* arr = reinterpret_cast<C*>(block);
  char* text = reinterpret_cast<char*>(block + items.size() * sizeof(C));
  auto put = [&text](const std::string& s) {
    char* at = text;
    std::memcpy(at, s.data(), s.size());
    at[s.size()] = '\0';
    text += s.size() + 1;
    return static_cast<const char*>(at);
  };
  for (std::size_t i = 0; i < items.size(); ++i) {
    C& c = arr[i];
    c = C{};
    const Match& m = match_of(items[i]);
    pdqg_match& pm = match_in(c);
    pm.list = put(m.list);
    pm.id = put(m.id);
    pm.label = put(m.label);
    pm.hash = to_c(m.hash);
    pm.distance = m.distance;
    pm.dihedral = static_cast<int>(m.variant);
    fill(c, items[i]);
  }
  return arr;
}

/// Checks a C frame description against its buffer sizes and builds the view.
/// Returns "" when usable, else why not (nothing has been read).
std::string frame_to_view(const pdqg_frame& f, FrameView& v);

}  // namespace pdqguard::capi
