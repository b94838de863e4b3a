#include "shard.hpp"

#include <pdqguard/error.hpp>

#include <xxhash.h>

#include <charconv>

namespace pdqguard::cli {

namespace {
bool parse_u32(const char* b, const char* e, std::uint32_t& v) {
  if (b == e) return false;
  const auto [p, ec] = std::from_chars(b, e, v);
  return ec == std::errc() && p == e;
}
}  // namespace

Shard parse_shard(const std::string& text) {
  constexpr std::uint32_t kMaxShards = 1000000;
  const auto slash = text.find('/');
  Shard s;
  const char* d = text.data();
  if (slash == std::string::npos || !parse_u32(d, d + slash, s.index) ||
      !parse_u32(d + slash + 1, d + text.size(), s.count) || s.count == 0 || s.count > kMaxShards ||
      s.index >= s.count)
    throw Error(ErrorCode::invalid_argument,
                "--shard " + text + ": expected I/N with 0 <= I < N <= " + std::to_string(kMaxShards));
  return s;
}

std::uint32_t shard_of(const WorkItem& w, std::uint32_t count) {
  const std::size_t off = w.shard_key_offset <= w.path.size() ? w.shard_key_offset : 0;
  return static_cast<std::uint32_t>(XXH3_64bits(w.path.data() + off, w.path.size() - off) % count);
}

bool in_shard(const Shard& s, const WorkItem& w) { return s.count == 0 || shard_of(w, s.count) == s.index; }

}  // namespace pdqguard::cli
