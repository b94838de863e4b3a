// Seeded synthetic hash lists for tests and benchmarks: uniform random hashes,
// clustered families of near-duplicates (re-encodes of one image), and query sets
// (half planted within a radius of a list hash, half random).
#pragma once

#include <pdqguard/hash.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace pdqguard::synth {

inline Hash256 random_hash(std::mt19937_64& rng) {
  Hash256 h;
  for (auto& w : h.words) w = rng();
  return h;
}

/// `h` with `flips` distinct random bits flipped.
inline Hash256 flip_bits(Hash256 h, int flips, std::mt19937_64& rng) {
  std::uint64_t used[4] = {0, 0, 0, 0};
  for (int f = 0; f < flips;) {
    const int b = static_cast<int>(rng() % 256);
    if ((used[b >> 6] >> (b & 63)) & 1u) continue;
    used[b >> 6] |= std::uint64_t{1} << (b & 63);
    h.words[static_cast<std::size_t>(b >> 6)] ^= std::uint64_t{1} << (b & 63);
    ++f;
  }
  return h;
}

inline std::vector<Hash256> uniform(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Hash256> v(n);
  for (auto& h : v) h = random_hash(rng);
  return v;
}

/// Families of `family` near-duplicates (each 0..max_flips bits from its centre).
inline std::vector<Hash256> clustered(std::size_t n, std::uint64_t seed, int family = 8, int max_flips = 24) {
  std::mt19937_64 rng(seed);
  std::vector<Hash256> v;
  v.reserve(n);
  while (v.size() < n) {
    const Hash256 c = random_hash(rng);
    for (int k = 0; k < family && v.size() < n; ++k)
      v.push_back(flip_bits(c, static_cast<int>(rng() % static_cast<std::uint64_t>(max_flips + 1)), rng));
  }
  return v;
}

/// Half of the queries are list hashes with 0..radius bits flipped, half random.
inline std::vector<Hash256> queries(const std::vector<Hash256>& list, std::size_t nq, int radius, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Hash256> q(nq);
  for (std::size_t i = 0; i < nq; ++i) {
    if (i % 2 == 0 && !list.empty())
      q[i] = flip_bits(list[rng() % list.size()], static_cast<int>(rng() % static_cast<std::uint64_t>(radius + 1)), rng);
    else
      q[i] = random_hash(rng);
  }
  return q;
}

/// A whole file's bytes (empty when it cannot be read), and its replacement:
/// tests that damage index files edit them through these.
inline std::vector<char> read_all(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
inline void write_all(const std::string& p, const std::vector<char>& b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(b.data(), static_cast<std::streamsize>(b.size()));
}

}  // namespace pdqguard::synth
