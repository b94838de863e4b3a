// Hashing throughput per frame size, format and SIMD path (Google Benchmark).
#include <benchmark/benchmark.h>

#include <pdqguard/hasher.hpp>

#include <random>
#include <vector>

using namespace pdqguard;

namespace {
std::vector<std::uint8_t> noise(std::size_t n) {
  std::mt19937 rng(42);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

void run(benchmark::State& st, Isa isa, PixelFormat fmt, int w, int h, bool dihedral) {
  if (!isa_supported(isa)) {
    st.SkipWithError("SIMD path not available on this CPU");
    return;
  }
  force_isa(isa);
  const std::size_t n = static_cast<std::size_t>(w) * h;
  const auto px = noise(n * 4);
  FrameView v = fmt == PixelFormat::i420
                    ? FrameView::i420(px.data(), w, px.data() + n, w / 2, px.data() + n, w / 2, w, h)
                    : FrameView::packed(fmt, px.data(), w, h);
  Hasher hasher;
  for (auto _ : st) {
    if (dihedral)
      benchmark::DoNotOptimize(hasher.hash_dihedral(v));
    else
      benchmark::DoNotOptimize(hasher.hash(v));
  }
  st.counters["frames/s"] = benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}

void register_all() {
  struct Case { const char* name; PixelFormat fmt; int w, h; };
  const Case cases[] = {{"gray8_512x512", PixelFormat::gray8, 512, 512},
                        {"rgb8_640x480", PixelFormat::rgb8, 640, 480},
                        {"rgb8_1280x720", PixelFormat::rgb8, 1280, 720},
                        {"rgb8_1920x1080", PixelFormat::rgb8, 1920, 1080},
                        {"i420_640x480", PixelFormat::i420, 640, 480},
                        {"i420_1280x720", PixelFormat::i420, 1280, 720},
                        {"i420_1920x1080", PixelFormat::i420, 1920, 1080},
                        {"rgb8_4000x3000", PixelFormat::rgb8, 4000, 3000}};
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    for (const Case& c : cases)
      benchmark::RegisterBenchmark((std::string("hash/") + isa_name(isa) + "/" + c.name).c_str(), run, isa,
                                   c.fmt, c.w, c.h, false)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((std::string("dihedral/") + isa_name(isa) + "/rgb8_1280x720").c_str(), run,
                                 isa, PixelFormat::rgb8, 1280, 720, true)->Unit(benchmark::kMicrosecond);
  }
}
}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
