// Internal: an allocator for the big index arrays that asks for transparent huge
// pages (fewer TLB misses on the random reads of mih and bktree queries).
#pragma once

#include "mem/huge_pages.hpp"

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace pdqguard::detail {

template <class T>
struct HugeAlloc {
  using value_type = T;
  HugeAlloc() = default;
  template <class U>
  HugeAlloc(const HugeAlloc<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (n * sizeof(T) < kHugePage) return static_cast<T*>(::operator new(n * sizeof(T)));
    void* p = huge_page_alloc(n * sizeof(T));
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < kHugePage)
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
