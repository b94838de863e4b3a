// Internal: an allocator for the big index arrays that asks for transparent huge
// pages (fewer TLB misses on the random reads of mih and bktree queries).
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace pdqguard::detail {

template <class T>
struct HugeAlloc {
  using value_type = T;
  static constexpr std::size_t kHuge = std::size_t{2} << 20;
  HugeAlloc() = default;
  template <class U>
  HugeAlloc(const HugeAlloc<U>&) noexcept {}
  static std::size_t rounded(std::size_t n) noexcept { return (n * sizeof(T) + kHuge - 1) / kHuge * kHuge; }
  T* allocate(std::size_t n) {
    if (n * sizeof(T) < kHuge) return static_cast<T*>(::operator new(n * sizeof(T)));
    void* p = std::aligned_alloc(kHuge, rounded(n));
    if (p == nullptr) throw std::bad_alloc();
#if defined(MADV_HUGEPAGE)
    ::madvise(p, rounded(n), MADV_HUGEPAGE);
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < kHuge)
      ::operator delete(p);
    else
      std::free(p);
  }
  template <class U>
  bool operator==(const HugeAlloc<U>&) const noexcept { return true; }
};

template <class T>
using BigVec = std::vector<T, HugeAlloc<T>>;

}  // namespace pdqguard::detail
