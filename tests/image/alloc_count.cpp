// operator new replaced to count bytes (alloc_count.hpp): in a file of its own,
// so that no caller inlines it.
#include "alloc_count.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::uint64_t> g_allocated{0};
}  // namespace

void* operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocated.fetch_add(n, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace pdqguard::test {
void alloc_count_start() noexcept {
  g_allocated = 0;
  g_counting = true;
}
std::uint64_t alloc_count_stop() noexcept {
  g_counting = false;
  return g_allocated.load();
}
}  // namespace pdqguard::test
