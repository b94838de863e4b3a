// The machine's ceiling for what a 10M-entry MIH query does: independent random
// 64-byte reads from a buffer the size of that index (1.3 GB, transparent huge
// pages requested), with software prefetch `distance` reads ahead. items/s is
// random reads per second; a query that needs R random reads cannot run faster
// than (reads per second) / R on this machine, single thread.
//   bench_memory --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace {

constexpr std::size_t kBytes = std::size_t{1300} << 20;
constexpr std::size_t kHuge = std::size_t{2} << 20;

struct Buffer {
  void* map = nullptr;
  std::size_t map_bytes = 0;
  const std::uint8_t* p = nullptr;
  Buffer() {
    map_bytes = kBytes + kHuge;
    map = mmap(nullptr, map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) {
      map = nullptr;
      return;
    }
    auto* base = reinterpret_cast<std::uint8_t*>(
        (reinterpret_cast<std::uintptr_t>(map) + kHuge - 1) & ~(kHuge - 1));
    madvise(base, kBytes, MADV_HUGEPAGE);
    std::memset(base, 1, kBytes);
    p = base;
  }
  ~Buffer() {
    if (map != nullptr) munmap(map, map_bytes);
  }
};

const Buffer& buffer() {
  static const Buffer b;
  return b;
}

void BM_random_reads(benchmark::State& st) {
  const Buffer& b = buffer();
  if (b.p == nullptr) {
    st.SkipWithError("mmap of 1.3 GB failed");
    return;
  }
  const std::size_t distance = static_cast<std::size_t>(st.range(0));
  constexpr std::size_t kReads = std::size_t{1} << 16;
  std::mt19937_64 rng(1);
  std::vector<std::size_t> offsets(kReads);
  for (auto& o : offsets) o = (rng() % (kBytes / 64)) * 64;
  std::uint64_t sum = 0;
  std::size_t round = 0;
  for (auto _ : st) {
    // shift the offsets each round, so no round re-reads lines cached by the last
    const std::size_t shift = (round++ * 4096) % kBytes;
    for (std::size_t i = 0; i < kReads; ++i) {
      if (distance > 0 && i + distance < kReads) __builtin_prefetch(b.p + (offsets[i + distance] + shift) % kBytes);
      sum += *reinterpret_cast<const volatile std::uint64_t*>(b.p + (offsets[i] + shift) % kBytes);
    }
  }
  benchmark::DoNotOptimize(sum);
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * kReads));
}
BENCHMARK(BM_random_reads)->Arg(0)->Arg(8)->Arg(32);

}  // namespace

BENCHMARK_MAIN();
