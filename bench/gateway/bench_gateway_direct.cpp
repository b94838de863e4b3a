// What one gateway request costs without HTTP: decode+hash an encoded image and
// match it, through the C API (as the gateway does). Inputs from the environment:
//   PDQGUARD_BENCH_IMAGE  the encoded image (e.g. a 640x480 JPEG)
//   PDQGUARD_BENCH_LIST   the hash list the gateway serves
#include <pdqguard/pdqguard.h>

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

static void BM_HashAndMatch(benchmark::State& state) {
  const char* image = std::getenv("PDQGUARD_BENCH_IMAGE");
  const char* list = std::getenv("PDQGUARD_BENCH_LIST");
  if (image == nullptr || list == nullptr) {
    state.SkipWithError("set PDQGUARD_BENCH_IMAGE and PDQGUARD_BENCH_LIST");
    return;
  }
  std::ifstream in(image, std::ios::binary);
  const std::vector<char> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  pdqg_matcher* m = nullptr;
  pdqg_hasher* h = nullptr;
  if (pdqg_matcher_open(&list, 1, nullptr, &m) != PDQG_OK || pdqg_hasher_create(&h) != PDQG_OK) {
    state.SkipWithError(pdqg_last_error());
    return;
  }
  for (auto _ : state) {
    pdqg_result r;
    pdqg_match* hits = nullptr;
    std::size_t n = 0;
    if (pdqg_hash_buffer(h, bytes.data(), bytes.size(), 0, &r) != PDQG_OK ||
        pdqg_matcher_query_result(m, &r, &hits, &n) != PDQG_OK) {
      state.SkipWithError(pdqg_last_error());
      break;
    }
    benchmark::DoNotOptimize(n);
    pdqg_matches_free(hits);
  }
  pdqg_hasher_free(h);
  pdqg_matcher_free(m);
}
BENCHMARK(BM_HashAndMatch)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
