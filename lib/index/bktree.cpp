// BK-tree: built in bulk, breadth first, into one arena of 12-byte nodes whose
// children are contiguous and sorted by their distance to the parent.
#include "index/core.hpp"

#include <algorithm>
#include <array>
#include <deque>

namespace pdqguard::detail {

void bk_build(const View<Hash256>& hs, BigVec<BkNode>& nodes) {
  nodes.clear();
  const std::size_t n = hs.n;
  if (n == 0) return;
  nodes.reserve(n);
  std::vector<std::uint32_t> perm(n), tmp(n);
  for (std::size_t i = 0; i < n; ++i) perm[i] = static_cast<std::uint32_t>(i);
  std::vector<std::uint16_t> dist(n);
  struct Work {
    std::uint32_t node, begin, end;  // node's slot = perm[begin]; subtree = perm[begin+1, end)
  };
  std::deque<Work> queue;
  nodes.push_back(BkNode{perm[0], 0, 0, 0});
  queue.push_back({0, 0, static_cast<std::uint32_t>(n)});
  std::array<std::uint32_t, 258> count{};
  while (!queue.empty()) {
    const Work w = queue.front();
    queue.pop_front();
    const Hash256 pivot = hs[nodes[w.node].slot];
    if (w.end - w.begin <= 1) continue;
    count.fill(0);
    for (std::uint32_t i = w.begin + 1; i < w.end; ++i) {
      dist[i] = static_cast<std::uint16_t>(distance(pivot, hs[perm[i]]));
      ++count[dist[i] + 1u];
    }
    for (std::size_t d = 1; d < count.size(); ++d) count[d] += count[d - 1];
    // count[d] = start of distance-d group (relative)
    std::array<std::uint32_t, 258> start = count;
    for (std::uint32_t i = w.begin + 1; i < w.end; ++i) tmp[w.begin + 1 + start[dist[i]]++] = perm[i];
    std::copy(tmp.begin() + w.begin + 1, tmp.begin() + w.end, perm.begin() + w.begin + 1);
    nodes[w.node].first_child = static_cast<std::uint32_t>(nodes.size());
    std::uint16_t kids = 0;
    for (std::uint32_t d = 0; d <= 256; ++d) {
      const std::uint32_t gb = w.begin + 1 + count[d], ge = w.begin + 1 + count[d + 1];
      if (gb == ge) continue;
      const auto idx = static_cast<std::uint32_t>(nodes.size());
      nodes.push_back(BkNode{perm[gb], 0, 0, static_cast<std::uint16_t>(d)});
      queue.push_back({idx, gb, ge});
      ++kids;
    }
    nodes[w.node].children = kids;
  }
}

}  // namespace pdqguard::detail
