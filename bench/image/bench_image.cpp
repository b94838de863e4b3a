// Image decoding throughput, single thread, on a reproducible set of photo-like
// JPEGs (12 MP, 3 MP, 0.3 MP; baseline and progressive; quality 85, 4:2:0),
// generated in memory at start-up with libjpeg (no files, no downloads).
//   libjpeg_decode   (a) plain libjpeg-turbo decode to RGB, library defaults
//   exact            (b) pdqguard decode_image_into + Hasher::hash
//   fast             (c) the same with DecodeOptions::fast
//   exact_decode / fast_decode   decode_image_into only
//   hash_only        Hasher::hash on the already decoded exact pixels
// Every loop reuses its output buffer (as a scanning thread does): a fresh
// 36 MB buffer per 12 MP image costs ~100+ ms of page faults on this VM, more
// than the decode itself, and would hide what is being measured.
#include "image/synth.hpp"

#include <benchmark/benchmark.h>

#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

using namespace pdqguard;

namespace {

struct Sample {
  const char* name;
  int w, h;
  bool progressive;
};

const Sample kSamples[] = {
    {"12MP_baseline", 4000, 3000, false}, {"12MP_progressive", 4000, 3000, true},
    {"3MP_baseline", 2000, 1500, false},  {"3MP_progressive", 2000, 1500, true},
    {"0.3MP_baseline", 640, 480, false},  {"0.3MP_progressive", 640, 480, true},
};

const std::vector<std::uint8_t>& file(int i) {
  static std::map<int, std::vector<std::uint8_t>> cache;
  auto it = cache.find(i);
  if (it == cache.end()) {
    const Sample& s = kSamples[i];
    const auto px = test::photo_like(s.w, s.h, 4242 + static_cast<std::uint64_t>(i / 2));
    test::JpegSpec spec;
    spec.quality = 85;
    spec.progressive = s.progressive;
    it = cache.emplace(i, test::encode_jpeg(px.data(), s.w, s.h, 3, spec)).first;
  }
  return it->second;
}

void label(benchmark::State& st, int i) {
  st.SetLabel(std::string(kSamples[i].name) + " " + std::to_string(file(i).size() / 1024) + " KiB");
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
}

void BM_libjpeg_decode(benchmark::State& st) {
  const int i = static_cast<int>(st.range(0));
  const auto& f = file(i);
  test::PlainJpeg out;
  for (auto _ : st) {
    test::plain_decode_jpeg_into(f, out);
    benchmark::DoNotOptimize(out.px.data());
  }
  label(st, i);
}

// pdqguard exact, as the CLI and the C API run it: hash_image streams the
// decoder's rows into the hashing pipeline.
void BM_exact(benchmark::State& st) {
  const int i = static_cast<int>(st.range(0));
  const auto& f = file(i);
  Hasher h;
  DecodedImage info;
  for (auto _ : st) benchmark::DoNotOptimize(hash_image(f, h, info).quality);
  label(st, i);
}

// The same result through a whole decoded image (decode_image_into, then hash).
void BM_exact_buffered(benchmark::State& st) {
  const int i = static_cast<int>(st.range(0));
  const auto& f = file(i);
  Hasher h;
  DecodedImage img;
  for (auto _ : st) {
    decode_image_into(f, img);
    benchmark::DoNotOptimize(h.hash(img.view()).quality);
  }
  label(st, i);
}

// pdqguard --fast, as the CLI runs it (hash_image, rows streamed).
void BM_fast(benchmark::State& st) {
  const int i = static_cast<int>(st.range(0));
  const auto& f = file(i);
  DecodeOptions o;
  o.fast = true;
  if (st.range(1) > 0) o.fast_min_side = static_cast<int>(st.range(1));  // else the default
  Hasher h;
  DecodedImage info;
  for (auto _ : st) benchmark::DoNotOptimize(hash_image(f, h, info, o).quality);
  label(st, i);
}

void BM_exact_decode(benchmark::State& st) {
  const int i = static_cast<int>(st.range(0));
  const auto& f = file(i);
  DecodedImage img;
  for (auto _ : st) {
    decode_image_into(f, img);
    benchmark::DoNotOptimize(img.pixels.data());
  }
  label(st, i);
}

void BM_fast_decode(benchmark::State& st) {
  const int i = static_cast<int>(st.range(0));
  const auto& f = file(i);
  DecodeOptions o;
  o.fast = true;
  DecodedImage img;
  for (auto _ : st) {
    decode_image_into(f, img, o);
    benchmark::DoNotOptimize(img.pixels.data());
  }
  label(st, i);
}

void BM_hash_only(benchmark::State& st) {
  const int i = static_cast<int>(st.range(0));
  const DecodedImage img = decode_image(file(i));
  Hasher h;
  for (auto _ : st) benchmark::DoNotOptimize(h.hash(img.view()).quality);
  label(st, i);
}

void samples(benchmark::internal::Benchmark* b) {
  for (int i = 0; i < static_cast<int>(std::size(kSamples)); ++i) b->Arg(i);
  b->Unit(benchmark::kMillisecond);
}

}  // namespace

BENCHMARK(BM_libjpeg_decode)->Apply(samples);
BENCHMARK(BM_exact)->Apply(samples);
BENCHMARK(BM_exact_buffered)->Apply(samples);
BENCHMARK(BM_fast)->Apply([](benchmark::internal::Benchmark* b) {
  // BM_fast/<file>/0: the default fast_min_side; BM_fast/<file>/512: the default
  // before session 6 (12 MP at 1/4 scale, 3 MP at 1/2)
  for (int i = 0; i < static_cast<int>(std::size(kSamples)); ++i) b->Args({i, 0});
  for (int i = 0; i < 4; ++i) b->Args({i, 512});
  b->Unit(benchmark::kMillisecond);
});
BENCHMARK(BM_exact_decode)->Apply(samples);
BENCHMARK(BM_fast_decode)->Apply(samples);
BENCHMARK(BM_hash_only)->Apply(samples);

// With PDQGUARD_BENCH_WRITE_DIR set, also writes the sample files there (for
// timing other pipelines on the same bytes, e.g. bench/image/python_pipeline.py).
int main(int argc, char** argv) {
  if (const char* dir = std::getenv("PDQGUARD_BENCH_WRITE_DIR"); dir != nullptr && *dir != '\0') {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    for (int i = 0; i < static_cast<int>(std::size(kSamples)); ++i) {
      const std::string path = std::string(dir) + "/" + kSamples[i].name + ".jpg";
      std::FILE* f = std::fopen(path.c_str(), "wb");
      if (f == nullptr) {
        std::fprintf(stderr, "bench_image: cannot write %s\n", path.c_str());
        return 1;
      }
      std::fwrite(file(i).data(), 1, file(i).size(), f);
      std::fclose(f);
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
