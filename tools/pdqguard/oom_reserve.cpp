#include "oom_reserve.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace pdqguard::cli {

namespace {
constexpr std::size_t kReserveBytes = 1 << 20;
std::atomic<void*> g_reserve{nullptr};

void release_reserve() {
  if (void* p = g_reserve.exchange(nullptr)) {
    std::free(p);  // operator new retries with this memory available
    return;
  }
  std::set_new_handler(nullptr);  // nothing left: the retry throws std::bad_alloc
}
}  // namespace

void oom_reserve_arm() noexcept {
  if (g_reserve.load(std::memory_order_relaxed) != nullptr) return;
  void* p = std::malloc(kReserveBytes);
  if (p == nullptr) return;
  // Touch it so it is resident memory given back, not just address space.
  static_cast<volatile char*>(p)[0] = 0;
  void* expected = nullptr;
  if (!g_reserve.compare_exchange_strong(expected, p)) std::free(p);
  std::set_new_handler(release_reserve);
}

}  // namespace pdqguard::cli
