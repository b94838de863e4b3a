// Hashing throughput per frame size, format and SIMD path (Google Benchmark).
#include <benchmark/benchmark.h>

#include <pdqguard/hasher.hpp>

#include "hash/pipeline.hpp"
#include "simd/kernels.hpp"

#include <random>
#include <string>
#include <sys/resource.h>
#include <vector>

using namespace pdqguard;

namespace {
std::vector<std::uint8_t> noise(std::size_t n) {
  std::mt19937 rng(42);
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

FrameView make_view(PixelFormat fmt, const std::vector<std::uint8_t>& px, int w, int h) {
  const std::size_t n = static_cast<std::size_t>(w) * h;
  return fmt == PixelFormat::i420
             ? FrameView::i420(px.data(), w, px.data() + n, w / 2, px.data() + n, w / 2, w, h)
             : FrameView::packed(fmt, px.data(), w, h);
}

// Minor page faults of the calling thread so far (steady state: none per frame).
long minor_faults() {
  rusage ru{};
  getrusage(RUSAGE_THREAD, &ru);
  return ru.ru_minflt;
}

void run(benchmark::State& st, Isa isa, PixelFormat fmt, int w, int h, bool dihedral) {
  if (!isa_supported(isa)) {
    st.SkipWithError("SIMD path not available on this CPU");
    return;
  }
  force_isa(isa);
  const auto px = noise(static_cast<std::size_t>(w) * h * 4);
  const FrameView v = make_view(fmt, px, w, h);
  Hasher hasher;
  const long faults0 = minor_faults();
  for (auto _ : st) {
    if (dihedral)
      benchmark::DoNotOptimize(hasher.hash_dihedral(v));
    else
      benchmark::DoNotOptimize(hasher.hash(v));
  }
  st.counters["frames/s"] = benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
  st.counters["faults/frame"] = benchmark::Counter(static_cast<double>(minor_faults() - faults0),
                                                   benchmark::Counter::kAvgIterations);
}

// A stream of distinct frames (64 of them, cycled: 177 MB at 1280x720 rgb8, more
// than any cache), so every hash reads its pixels from memory as it does when
// frames arrive from a pipe or a decoder; `run` hashes one frame that stays in
// the cache. The CLI's raw-frame throughput is compared with this one.
void run_cold(benchmark::State& st, Isa isa, PixelFormat fmt, int w, int h) {
  if (!isa_supported(isa)) {
    st.SkipWithError("SIMD path not available on this CPU");
    return;
  }
  force_isa(isa);
  constexpr int kFrames = 64;
  const std::size_t bytes = static_cast<std::size_t>(w) * h * static_cast<std::size_t>(bytes_per_pixel(fmt));
  std::vector<std::uint8_t> px = noise(bytes * kFrames);
  Hasher hasher;
  int i = 0;
  const long faults0 = minor_faults();
  for (auto _ : st) {
    benchmark::DoNotOptimize(hasher.hash(FrameView::packed(fmt, px.data() + bytes * static_cast<std::size_t>(i), w, h)));
    i = (i + 1) % kFrames;
  }
  st.counters["frames/s"] = benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
  st.counters["faults/frame"] = benchmark::Counter(static_cast<double>(minor_faults() - faults0),
                                                   benchmark::Counter::kAvgIterations);
}

// --- per-stage split ---------------------------------------------------------
// scalar: luma | filter (4 box passes + decimation, on a ready luma plane);
// SIMD: luma+filter are fused (downsample64); then DCT, quality, median+bits
// (the latter two are the same scalar code on every path).

void stage_luma_scalar(benchmark::State& st, PixelFormat fmt, int w, int h) {
  const auto px = noise(static_cast<std::size_t>(w) * h * 4);
  const FrameView v = make_view(fmt, px, w, h);
  std::vector<float> out(static_cast<std::size_t>(w) * h);
  for (auto _ : st) {
    detail::luma_scalar(v, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
}

void stage_filter_scalar(benchmark::State& st, int w, int h) {
  const auto px = noise(static_cast<std::size_t>(w) * h);
  const FrameView v = FrameView::packed(PixelFormat::gray8, px.data(), w, h);
  std::vector<float> luma(static_cast<std::size_t>(w) * h), b1(luma.size()), b2(luma.size());
  detail::luma_scalar(v, luma.data());
  alignas(64) float out[64 * 64];
  const int wr = detail::jarosz_window(w), wc = detail::jarosz_window(h);
  for (auto _ : st) {
    // Same passes as the scalar downsample64, minus the luma.
    const float* src = luma.data();
    for (int pass = 0; pass < 2; ++pass) {
      for (int i = 0; i < h; ++i)
        detail::box1d_scalar(src + static_cast<std::ptrdiff_t>(i) * w,
                             b2.data() + static_cast<std::ptrdiff_t>(i) * w, w, 1, wr);
      for (int j = 0; j < w; ++j) detail::box1d_scalar(b2.data() + j, b1.data() + j, h, w, wc);
      src = b1.data();
    }
    for (int oi = 0; oi < 64; ++oi)
      for (int oj = 0; oj < 64; ++oj)
        out[oi * 64 + oj] = b1[static_cast<std::size_t>(detail::decimate_index(oi, h)) * w +
                               static_cast<std::size_t>(detail::decimate_index(oj, w))];
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
}

void stage_downsample(benchmark::State& st, Isa isa, PixelFormat fmt, int w, int h) {
  if (!isa_supported(isa)) {
    st.SkipWithError("SIMD path not available on this CPU");
    return;
  }
  const auto px = noise(static_cast<std::size_t>(w) * h * 4);
  const FrameView v = make_view(fmt, px, w, h);
  const detail::KernelTable& k = detail::kernels_for(isa);
  detail::Scratch scratch;
  alignas(64) float out[64 * 64];
  for (auto _ : st) {
    k.downsample64(v, out, scratch);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
}

void stage_dct(benchmark::State& st, Isa isa) {
  if (!isa_supported(isa)) {
    st.SkipWithError("SIMD path not available on this CPU");
    return;
  }
  alignas(64) float in[64 * 64], out[256];
  std::mt19937 rng(1);
  for (float& x : in) x = static_cast<float>(rng() % 25600) / 100.0f;
  const detail::KernelTable& k = detail::kernels_for(isa);
  for (auto _ : st) {
    k.dct64to16(in, out);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
}

void stage_quality(benchmark::State& st) {
  alignas(64) float in[64 * 64];
  std::mt19937 rng(2);
  for (float& x : in) x = static_cast<float>(rng() % 25600) / 100.0f;
  for (auto _ : st) benchmark::DoNotOptimize(detail::quality_metric(in));
}

void stage_median_bits(benchmark::State& st, bool dihedral) {
  alignas(64) float in[256], t[256];
  std::mt19937 rng(3);
  for (float& x : in) x = static_cast<float>(static_cast<int>(rng() % 200000) - 100000) / 7.0f;
  for (auto _ : st) {
    benchmark::DoNotOptimize(detail::bits_above_median(in));
    if (dihedral)
      for (int d = 1; d < 8; ++d) {
        detail::dihedral_transform(static_cast<Dihedral>(d), in, t);
        benchmark::DoNotOptimize(detail::bits_above_median(t));
      }
  }
}

void register_stages() {
  auto us = [](benchmark::internal::Benchmark* b) { b->Unit(benchmark::kMicrosecond); };
  us(benchmark::RegisterBenchmark("stage/scalar/luma/rgb8_1280x720", stage_luma_scalar, PixelFormat::rgb8,
                                  1280, 720));
  us(benchmark::RegisterBenchmark("stage/scalar/filter/1280x720", stage_filter_scalar, 1280, 720));
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    const std::string p = std::string("stage/") + isa_name(isa);
    us(benchmark::RegisterBenchmark((p + "/luma+filter/rgb8_1280x720").c_str(), stage_downsample, isa,
                                    PixelFormat::rgb8, 1280, 720));
    us(benchmark::RegisterBenchmark((p + "/luma+filter/gray8_1280x720").c_str(), stage_downsample, isa,
                                    PixelFormat::gray8, 1280, 720));
    us(benchmark::RegisterBenchmark((p + "/dct").c_str(), stage_dct, isa));
  }
  us(benchmark::RegisterBenchmark("stage/any/quality", stage_quality));
  us(benchmark::RegisterBenchmark("stage/any/median+bits", stage_median_bits, false));
  us(benchmark::RegisterBenchmark("stage/any/median+bits_x8_dihedral", stage_median_bits, true));
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
    benchmark::RegisterBenchmark((std::string("hash_cold/") + isa_name(isa) + "/rgb8_1280x720").c_str(),
                                 run_cold, isa, PixelFormat::rgb8, 1280, 720)->Unit(benchmark::kMicrosecond);
  }
}
}  // namespace

int main(int argc, char** argv) {
  register_all();
  register_stages();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
