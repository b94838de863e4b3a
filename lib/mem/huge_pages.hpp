// Internal: big buffers on transparent huge pages. One home for the rule, used by
// the index arrays (HugeAlloc), libjpeg-turbo's per-thread arena and the CLI's
// raw-frame pool. A 2 MiB page costs one fault on first touch and one TLB entry
// where 4 KiB pages cost 512 of each, which on this project's VMs is expensive.
// Measured on raw 1280x720 frames read from a pipe: the kernel's copy into the
// frame buffers fell from about a third of the process's CPU to 3-6%
// (bench/README.md). The price: up to 2 MiB more memory per buffer.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>

namespace pdqguard::detail {

inline constexpr std::size_t kHugePage = std::size_t{2} << 20;

/// `n` rounded up to a whole number of 2 MiB pages.
inline std::size_t round_up_huge(std::size_t n) noexcept { return (n + kHugePage - 1) / kHugePage * kHugePage; }

/// round_up_huge(n) bytes (n > 0), 2 MiB aligned and marked MADV_HUGEPAGE, so the
/// kernel backs them with transparent huge pages where its setting allows
/// ("always" or "madvise"); plain pages otherwise. Uninitialised. Release with
/// std::free. nullptr when memory is exhausted. Thread-safe. Meant for buffers
/// of a few MiB and more: a smaller one would waste most of its last page.
inline void* huge_page_alloc(std::size_t n) noexcept {
  const std::size_t bytes = round_up_huge(n ? n : 1);
  void* p = std::aligned_alloc(kHugePage, bytes);
#if defined(MADV_HUGEPAGE)
  if (p != nullptr) ::madvise(p, bytes, MADV_HUGEPAGE);
#endif
  return p;
}

}  // namespace pdqguard::detail
