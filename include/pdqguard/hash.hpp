// Hash256: the 256-bit PDQ hash value, its hex form and Hamming distance.
#pragma once

#include <pdqguard/export.h>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace pdqguard {

/// A 256-bit PDQ hash.
///
/// Bit k (0..255) is DCT coefficient k = 16*i + j (row i, column j of the 16x16
/// block), set when that coefficient is above the median. Storage: four 64-bit
/// little-endian words, so bit k lives in `words[k / 64]` at position `k % 64` —
/// the same bit the reference stores at bit `k % 16` of its 16-bit word `k / 16`.
///
/// The hex form is the reference's `Hash256::format()`: 64 lowercase hex digits,
/// most significant 16-bit word (w[15]) first. A trivially copyable value type;
/// all members are thread-safe as for any value.
struct PDQGUARD_API Hash256 {
  std::array<std::uint64_t, 4> words{};

  /// Bit k (0..255) of the hash.
  constexpr bool bit(int k) const noexcept { return (words[k >> 6] >> (k & 63)) & 1u; }
  /// Sets bit k (0..255).
  constexpr void set_bit(int k) noexcept { words[k >> 6] |= std::uint64_t{1} << (k & 63); }
  /// True when every bit is zero (e.g. the hash of an image below 5 pixels on a side).
  constexpr bool is_zero() const noexcept { return (words[0] | words[1] | words[2] | words[3]) == 0; }
  /// Number of set bits.
  constexpr int popcount() const noexcept {
    return std::popcount(words[0]) + std::popcount(words[1]) + std::popcount(words[2]) +
           std::popcount(words[3]);
  }

  /// The 64-character lowercase hex form (reference word order).
  std::string to_hex() const;
  /// Writes the 64 hex characters (no terminator) to `out`.
  void to_hex(char out[64]) const noexcept;

  /// Parses 64 hex digits (either case). Throws pdqguard::Error(bad_hash) naming
  /// the problem (wrong length, or the first non-hex character and its position).
  static Hash256 from_hex(std::string_view hex);
  /// Non-throwing parse: returns false (and leaves `out` unspecified) on bad input;
  /// `why`, when non-null, receives the reason.
  static bool try_from_hex(std::string_view hex, Hash256& out, std::string* why = nullptr) noexcept;

  friend constexpr bool operator==(const Hash256&, const Hash256&) = default;
  /// Orders as the 256-bit number the hex form spells (most significant word first).
  friend constexpr auto operator<=>(const Hash256& a, const Hash256& b) noexcept {
    for (int i = 3; i > 0; --i)
      if (a.words[i] != b.words[i]) return a.words[i] <=> b.words[i];
    return a.words[0] <=> b.words[0];
  }
};

/// Hamming distance (0..256) between two hashes; uses the CPU's popcount.
constexpr int distance(const Hash256& a, const Hash256& b) noexcept {
  return std::popcount(a.words[0] ^ b.words[0]) + std::popcount(a.words[1] ^ b.words[1]) +
         std::popcount(a.words[2] ^ b.words[2]) + std::popcount(a.words[3] ^ b.words[3]);
}

}  // namespace pdqguard

template <>
struct std::hash<pdqguard::Hash256> {
  std::size_t operator()(const pdqguard::Hash256& h) const noexcept {
    // The bits of a PDQ hash are already well mixed; fold the words.
    std::uint64_t x = h.words[0] ^ (h.words[1] * 0x9E3779B97F4A7C15ull) ^
                      (h.words[2] * 0xC2B2AE3D27D4EB4Full) ^ (h.words[3] * 0x165667B19E3779F9ull);
    return static_cast<std::size_t>(x ^ (x >> 29));
  }
};
