// vPDQ video-list matching: a 60 s clip at 1 hash/s (60 frames) scored against
// 10,000 listed videos of 300 frames each (3M frame hashes, synthetic, uniform
// random; the clip is a noisy copy of one listed video). Single thread.
//   ./bench_video                      (PDQGUARD_BENCH_VIDEOS=N to change 10000)
#include <benchmark/benchmark.h>

#include <pdqguard/video.hpp>
#include <pdqguard/vpdq.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>

using namespace pdqguard;

namespace {

constexpr int kFramesPerVideo = 300;
constexpr int kClipFrames = 60;

Hash256 random_hash(std::mt19937_64& rng) {
  Hash256 h;
  for (auto& w : h.words) w = rng();
  return h;
}

struct Data {
  std::vector<VpdqVideo> videos;
  std::shared_ptr<const VpdqIndex> index;
  std::vector<VideoFrameHash> clip;
  double build_s = 0;
};

const Data& data() {
  static Data d = [] {
    Data x;
    std::size_t n = 10000;
    if (const char* e = std::getenv("PDQGUARD_BENCH_VIDEOS")) n = std::strtoull(e, nullptr, 10);
    std::mt19937_64 rng(42);
    x.videos.resize(n);
    for (std::size_t v = 0; v < n; ++v) {
      x.videos[v].id = "v" + std::to_string(v);
      x.videos[v].frames.resize(kFramesPerVideo);
      for (int f = 0; f < kFramesPerVideo; ++f) {
        auto& fr = x.videos[v].frames[static_cast<std::size_t>(f)];
        fr.frame_number = f * 30;
        fr.quality = 100;
        fr.hash = random_hash(rng);
      }
    }
    // The clip: 60 frames of video n/2 with up to 12 bits flipped each.
    const auto& src = x.videos[n / 2].frames;
    for (int f = 0; f < kClipFrames; ++f) {
      VideoFrameHash fr = src[static_cast<std::size_t>(f * 2)];
      for (int b = 0; b < 12; ++b) {
        const int bit = static_cast<int>(rng() % 256);
        fr.hash.words[static_cast<std::size_t>(bit / 64)] ^= std::uint64_t{1} << (bit % 64);
      }
      x.clip.push_back(fr);
    }
    const auto t0 = std::chrono::steady_clock::now();
    x.index = VpdqIndex::build(x.videos);
    x.build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "index: %zu videos, %zu frames, %zu slots, built in %.2f s\n",
                 x.index->video_count(), x.index->frame_count(), x.index->slot_count(), x.build_s);
    return x;
  }();
  return d;
}

void BM_MatchClip(benchmark::State& state) {
  const Data& d = data();
  std::size_t found = 0;
  for (auto _ : state) {
    const auto m = d.index->match(d.clip, true);
    found = m.size();
    benchmark::DoNotOptimize(m.data());
  }
  if (found != 1) state.SkipWithError("the clip did not match exactly its source video");
  state.counters["videos"] = static_cast<double>(d.index->video_count());
  state.counters["frames"] = static_cast<double>(d.index->frame_count());
  state.counters["build_s"] = d.build_s;
}
BENCHMARK(BM_MatchClip)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

// Live stream: the cost of a frame the stream does not sample (a timestamp check)
// and of a sampled 1280x720 I420 frame (Y plane hashed; no copy).
struct Frame720 {
  std::vector<std::uint8_t> y = std::vector<std::uint8_t>(1280 * 720), uv = std::vector<std::uint8_t>(640 * 360, 128);
  Frame720() {
    std::mt19937_64 rng(3);
    for (auto& p : y) p = static_cast<std::uint8_t>(rng());
  }
  FrameView view() const { return FrameView::i420(y.data(), 1280, uv.data(), 640, uv.data(), 640, 1280, 720); }
};

void BM_StreamUnsampled(benchmark::State& state) {
  static const Frame720 f;
  StreamOptions o;
  o.width = 1280;
  o.height = 720;
  o.seconds_per_hash = 1e9;  // only the first frame is sampled
  FrameStream s(o);
  StreamSample out;
  double t = 0;
  s.push(f.view(), t, out);
  for (auto _ : state) {
    t += 1.0 / 30;
    benchmark::DoNotOptimize(s.push(f.view(), t, out));
  }
}
BENCHMARK(BM_StreamUnsampled);

void BM_StreamSampled720(benchmark::State& state) {
  static const Frame720 f;
  StreamOptions o;
  o.width = 1280;
  o.height = 720;
  o.seconds_per_hash = 0;  // every frame
  FrameStream s(o);
  StreamSample out;
  double t = 0;
  for (auto _ : state) {
    t += 1.0 / 30;
    benchmark::DoNotOptimize(s.push(f.view(), t, out));
  }
}
BENCHMARK(BM_StreamSampled720)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
