// Steady state of the raw frame path (`pdqguard hash --raw FORMAT --size WxH -`):
// after a warm-up, reading a frame from stdin into a recycled buffer and hashing
// it must not touch the heap at all. The test binary replaces malloc/calloc/
// realloc and the aligned allocators with counting versions (operator new goes
// through malloc; frames of 2 MiB and more come from aligned_alloc, on huge
// pages), so any per-frame buffer, string or vector shows up as a count.
#include <doctest/doctest.h>

#include "frame_pool.hpp"
#include "raw_frames.hpp"

#include <pdqguard/hasher.hpp>

#include <array>
#include <chrono>
#include <thread>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
void __libc_free(void*);
}

namespace {
std::atomic<long> g_allocs{0};
}

extern "C" {
void* malloc(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
void* calloc(std::size_t a, std::size_t b) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(a, b);
}
void* realloc(void* p, std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t al, std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_memalign(al, n);
}
int posix_memalign(void** out, std::size_t al, std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  *out = __libc_memalign(al, n);
  return *out ? 0 : ENOMEM;
}
void free(void* p) { __libc_free(p); }
}

using namespace pdqguard;
using namespace pdqguard::cli;

namespace {

// Writes `frames` distinct frames of `frame_bytes` to a temporary file and
// makes it this process's stdin for the lifetime of the object.
struct StdinFrames {
  int saved = -1;
  std::string path;
  std::vector<std::vector<std::uint8_t>> data;
  StdinFrames(std::size_t frame_bytes, int frames) {
    char tmpl[] = "/tmp/pdqguard_raw_alloc_XXXXXX";
    const int fd = ::mkstemp(tmpl);
    REQUIRE(fd >= 0);
    path = tmpl;
    std::mt19937 rng(7);
    for (int i = 0; i < frames; ++i) {
      std::vector<std::uint8_t> f(frame_bytes);
      for (std::size_t k = 0; k < frame_bytes; ++k)
        f[k] = static_cast<std::uint8_t>(((k / 3) % 640 + (k / 1920) * (i + 1) + (rng() & 31)) & 255);
      REQUIRE(::write(fd, f.data(), f.size()) == static_cast<ssize_t>(f.size()));
      data.push_back(std::move(f));
    }
    REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
    saved = ::dup(STDIN_FILENO);
    REQUIRE(::dup2(fd, STDIN_FILENO) == STDIN_FILENO);
    ::close(fd);
  }
  ~StdinFrames() {
    ::dup2(saved, STDIN_FILENO);
    ::close(saved);
    ::unlink(path.c_str());
  }
};

// Reads every frame of the layout from stdin, keeping the last `in_flight`
// items alive as the pipeline's queue does, and hashes each one. Returns the
// heap allocations made while frames `warmup` .. end were read and hashed.
long allocations_after_warmup(const RawLayout& l, int frames, int warmup, std::size_t in_flight,
                              const StdinFrames& src) {
  Hasher hasher;
  std::vector<HashResult> got;
  got.reserve(static_cast<std::size_t>(frames));
  std::array<WorkItem, 8> ring{};
  REQUIRE(in_flight <= ring.size());
  long at_warmup = -1, at_end = -1;
  std::size_t slot = 0;
  const long at_start = g_allocs.load();
  read_raw_frames("-", l, in_flight + 1, [&](WorkItem&& w) {
    REQUIRE(w.error == nullptr);
    if (w.number == warmup) at_warmup = g_allocs.load();
    got.push_back(hasher.hash(raw_view(l, w.bytes.data())));
    ring[slot] = std::move(w);  // the oldest item in flight is done: its buffer is recycled
    slot = (slot + 1) % in_flight;
    at_end = g_allocs.load();
    return true;
  });
  REQUIRE(got.size() == static_cast<std::size_t>(frames));
  // Recycled buffers still carry each frame's own bytes.
  for (int i = 0; i < frames; ++i)
    CHECK(got[i].hash == hash_frame(raw_view(l, src.data[static_cast<std::size_t>(i)].data())).hash);
  REQUIRE(at_warmup >= 0);
  // The counter sees allocations at all: the first frames made the pool's buffers.
  CHECK(at_warmup - at_start >= static_cast<long>(in_flight));
  return at_end - at_warmup;
}

}  // namespace

TEST_CASE("raw frames: no heap allocation per frame in steady state (large frames, read directly)") {
  const RawLayout l = parse_raw_layout("rgb24", "640x360");
  const int frames = 30;
  StdinFrames src(l.frame_bytes, frames);
  CHECK(allocations_after_warmup(l, frames, 10, 5, src) == 0);
}

TEST_CASE("raw frames: no heap allocation per frame in steady state (720p frames, on huge pages)") {
  const RawLayout l = parse_raw_layout("rgb24", "1280x720");  // 2.76 MB: huge_page_alloc
  const int frames = 16;
  StdinFrames src(l.frame_bytes, frames);
  CHECK(allocations_after_warmup(l, frames, 10, 3, src) == 0);
}

TEST_CASE("frame pool: frames of 2 MiB and more are 2 MiB-aligned (transparent huge pages)") {
  const auto big = std::make_shared<FramePool>(1280 * 720 * 3, 2);
  FrameBuffer a = big->acquire();
  FrameBuffer b = big->acquire();
  CHECK(reinterpret_cast<std::uintptr_t>(a.data()) % (std::uintptr_t(2) << 20) == 0);
  CHECK(reinterpret_cast<std::uintptr_t>(b.data()) % (std::uintptr_t(2) << 20) == 0);
  a.data()[1280 * 720 * 3 - 1] = 1;  // the whole frame is usable
}

TEST_CASE("raw frames: no heap allocation per frame in steady state (small frames, buffered)") {
  const RawLayout l = parse_raw_layout("gray8", "64x48");
  const int frames = 60;
  StdinFrames src(l.frame_bytes, frames);
  CHECK(allocations_after_warmup(l, frames, 10, 5, src) == 0);
}

TEST_CASE("frame pool: buffers are recycled, never more than are in flight") {
  const auto pool = std::make_shared<FramePool>(1000, 8);
  std::array<FrameBuffer, 3> held;
  const std::uint8_t* first = nullptr;
  for (int i = 0; i < 100; ++i) {
    FrameBuffer b = pool->acquire();
    REQUIRE(b.data() != nullptr);
    if (i == 0) first = b.data();
    held[static_cast<std::size_t>(i) % held.size()] = std::move(b);
  }
  CHECK(pool->buffers_made() == 4);  // three held + the one being filled
  for (auto& h : held) h.reset();
  const long before = g_allocs.load();
  bool seen_first = false;
  for (int i = 0; i < 4; ++i) {
    FrameBuffer b = pool->acquire();
    seen_first = seen_first || b.data() == first;
    held[static_cast<std::size_t>(i) % held.size()] = std::move(b);
  }
  CHECK(g_allocs.load() == before);
  CHECK(pool->buffers_made() == 4);
  CHECK(seen_first);
}

TEST_CASE("frame pool: never more buffers than its cap; a full pool waits for a returned one") {
  const auto pool = std::make_shared<FramePool>(64, 2);
  FrameBuffer a = pool->acquire();
  FrameBuffer b = pool->acquire();
  const std::uint8_t* pa = a.data();
  std::thread t([&a] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    a.reset();  // a consumer finishing a frame
  });
  FrameBuffer c = pool->acquire();  // waits for `a`
  t.join();
  CHECK(c.data() == pa);
  CHECK(pool->buffers_made() == 2);
}

TEST_CASE("byte pool: archive member buffers are reused, with no allocation once warm") {
  const auto pool = std::make_shared<BytePool>(1 << 20, 4, 1 << 20);
  {
    PooledBytes a = pool->acquire(5000);
    PooledBytes b = pool->acquire(300);
    CHECK(a.size() == 5000);
    CHECK(b.size() == 300);
    CHECK(pool->in_flight() == 5300);
  }
  CHECK(pool->in_flight() == 0);
  const long before = g_allocs.load();
  for (int i = 0; i < 100; ++i) {
    PooledBytes a = pool->acquire(static_cast<std::size_t>(4000 + i));  // fits the kept 5000
    PooledBytes b = pool->acquire(200);                                 // fits the kept 300
    a.data()[0] = b.data()[0] = 1;
  }
  CHECK(g_allocs.load() == before);
  // A buffer larger than the pool keeps (keep_bytes) is freed when returned.
  { PooledBytes big = pool->acquire(2 << 20); }
  CHECK(pool->in_flight() == 0);
}

TEST_CASE("byte pool: bytes in flight stay within the budget; one larger buffer is given alone") {
  const auto pool = std::make_shared<BytePool>(1000, 4, 1 << 20);
  PooledBytes a = pool->acquire(600);
  std::atomic<bool> got{false};
  std::thread t([&] {
    PooledBytes b = pool->acquire(600);  // 1200 > 1000: waits for `a`
    got = true;
    CHECK(pool->in_flight() == 600);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(got.load());
  a.reset();
  t.join();
  CHECK(got.load());
  PooledBytes huge = pool->acquire(5000);  // over the budget, but nothing else is out
  CHECK(huge.size() == 5000);
  CHECK(pool->in_flight() == 5000);
}

TEST_CASE("byte pool: the buffers kept for reuse stay within the budget") {
  const auto pool = std::make_shared<BytePool>(1000, 8, 1000);
  const long before = g_allocs.load();
  {
    PooledBytes a = pool->acquire(600);
    a.reset();                            // kept: 600 of the 1000
    PooledBytes b = pool->acquire(300);  // reuses the 600
    PooledBytes c = pool->acquire(500);  // new
    CHECK(g_allocs.load() == before + 2);
  }  // c returned first (kept: 500), then b's 600 would make 1100: freed
  PooledBytes d = pool->acquire(550);  // the kept 500 does not fit: new
  CHECK(g_allocs.load() == before + 3);
}
