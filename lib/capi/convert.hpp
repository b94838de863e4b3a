// C API: conversions between the C structs and the C++ value types.
#pragma once

#include <pdqguard/hash.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/pdqguard.h>

#include <cstring>
#include <string>

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

/// Checks a C frame description against its buffer sizes and builds the view.
/// Returns "" when usable, else why not (nothing has been read).
std::string frame_to_view(const pdqg_frame& f, FrameView& v);

}  // namespace pdqguard::capi
