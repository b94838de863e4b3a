// The zip pre-check's memory: a central directory declared as large as its
// file (here a sparse 256 MiB file) is read through a bounded window, never
// allocated at its declared size. Its own executable because it replaces
// operator new to record the largest single allocation.
#include <doctest/doctest.h>

#include <pdqguard/archive.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <new>
#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

// ---- largest allocation (this test executable only) ------------------------
static std::atomic<std::size_t> g_largest{0};
static void note(std::size_t n) {
  std::size_t seen = g_largest.load(std::memory_order_relaxed);
  while (n > seen && !g_largest.compare_exchange_weak(seen, n, std::memory_order_relaxed)) {
  }
}
void* operator new(std::size_t n) {
  note(n);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  note(n);
  const std::size_t al = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  note(n);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace pdqguard;

namespace {
void put(std::vector<std::uint8_t>& v, std::size_t at, std::uint64_t x, int n) {
  for (int i = 0; i < n; ++i) v[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(x >> (8 * i));
}
}  // namespace

TEST_CASE("archives: a central directory declared as large as its file is not allocated whole") {
  constexpr std::uint64_t kSize = 256ull << 20;
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("pdqguard-huge-directory-" + std::to_string(::getpid()) + ".zip"))
                               .string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  ::unlink(path.c_str());
  // "PK" at the start, zeros (a hole), and an end record declaring 65535
  // entries in a directory from byte 64 to the end record: ~256 MiB.
  std::vector<std::uint8_t> head{'P', 'K', 3, 4};
  std::vector<std::uint8_t> end(22, 0);
  put(end, 0, 0x06054b50, 4);
  put(end, 8, 65535, 2), put(end, 10, 65535, 2);
  put(end, 12, kSize - 22 - 64, 4), put(end, 16, 64, 4);
  REQUIRE(::pwrite(fd, head.data(), head.size(), 0) == static_cast<ssize_t>(head.size()));
  REQUIRE(::pwrite(fd, end.data(), end.size(), static_cast<off_t>(kSize - 22)) == static_cast<ssize_t>(end.size()));
  g_largest = 0;
  archive_walk_fd(fd, "huge.zip", {}, [](const ArchiveMember&) {});
  const std::size_t largest = g_largest.load();
  ::close(fd);
  MESSAGE("largest single allocation: " << largest << " bytes");
  CHECK(largest <= (2u << 20));  // the 1 MiB window, not the declared 256 MiB
}
