// Live streams (pdqguard::FrameStream and the C API's pdqg_stream): sampling
// policies, skip-near-duplicates, hashes equal to the plain hasher's, unsampled
// frames never read, matching through a matcher handle, and zero heap
// allocations per frame in steady state (counted with a replaced operator new).
#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/pdqguard.h>
#include <pdqguard/video.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>
#include <vector>

// ---- allocation counter (this test executable only) -----------------------
static std::atomic<long> g_allocs{0};
void* operator new(std::size_t n) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
  const std::size_t al = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return operator new(n, a); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_allocs.fetch_add(1, std::memory_order_relaxed);
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

// A 1280x720 I420 frame whose content changes with `seed` (a moving gradient).
struct I420 {
  int w = 1280, h = 720;
  std::vector<std::uint8_t> y, u, v;
  I420() : y(static_cast<std::size_t>(w * h)), u(static_cast<std::size_t>(w * h / 4), 128),
           v(static_cast<std::size_t>(w * h / 4), 128) {}
  void paint(int seed) {
    for (int r = 0; r < h; ++r)
      for (int c = 0; c < w; ++c)
        y[static_cast<std::size_t>(r * w + c)] =
            static_cast<std::uint8_t>((c * (1 + seed % 5) + r * (seed % 7) + seed * 13) ^ (r / 40 * 17));
  }
  FrameView view() const {
    return FrameView::i420(y.data(), w, u.data(), w / 2, v.data(), w / 2, w, h);
  }
  pdqg_frame c_frame() const {
    pdqg_frame f{};
    f.format = PDQG_FORMAT_I420;
    f.width = w;
    f.height = h;
    f.planes[0] = y.data();
    f.strides[0] = static_cast<std::size_t>(w);
    f.sizes[0] = y.size();
    return f;
  }
};

pdqg_stream_options c_opts720() {
  pdqg_stream_options co{};
  co.format = PDQG_FORMAT_I420;
  co.width = 1280;
  co.height = 720;
  co.skip_distance = -1;
  return co;
}

StreamOptions opts720(double sph) {
  StreamOptions o;
  o.format = PixelFormat::i420;
  o.width = 1280;
  o.height = 720;
  o.seconds_per_hash = sph;
  return o;
}

}  // namespace

TEST_CASE("stream: time-based sampling, one sample per interval, first frame first") {
  I420 img;
  img.paint(1);
  FrameStream s(opts720(1.0));
  std::vector<std::int64_t> sampled;
  StreamSample out;
  for (int n = 0; n < 100; ++n) {  // 30 fps, starting at t = 5.0
    const double t = 5.0 + n / 30.0;
    if (s.push(img.view(), t, out) != StreamVerdict::unsampled) sampled.push_back(out.frame_number);
    CHECK(out.frame_number == n);
  }
  CHECK(sampled == std::vector<std::int64_t>{0, 30, 60, 90});
  CHECK(s.frames_pushed() == 100);
  CHECK(s.frames_kept() == 4);

  // Jittery, irregular timestamps: still one sample per elapsed interval, the
  // first frame at or after each multiple of 0.5 s after the first frame.
  FrameStream j(opts720(0.5));
  const double ts[] = {0.0, 0.2, 0.49, 0.51, 0.7, 1.6, 1.61, 2.0, 2.0, 2.4};
  std::vector<double> at;
  for (const double t : ts)
    if (j.push(img.view(), t, out) != StreamVerdict::unsampled) at.push_back(t);
  CHECK(at == std::vector<double>{0.0, 0.51, 1.6, 2.0});

  // Counter-based sampling (vPDQ's rule) and every frame.
  StreamOptions o = opts720(1.0);
  o.frames_per_hash = 7;
  FrameStream c(o);
  int kept = 0;
  for (int n = 0; n < 50; ++n) kept += c.push(img.view(), n, out) == StreamVerdict::kept;
  CHECK(kept == 8);  // 0, 7, ..., 49
  FrameStream every(opts720(0));
  for (int n = 0; n < 5; ++n) CHECK(every.push(img.view(), 1.0, out) == StreamVerdict::kept);
}

TEST_CASE("stream: samples hash as the plain hasher does; near-duplicates are skipped") {
  I420 img;
  Hasher plain;
  StreamOptions o = opts720(0);
  o.skip_distance = 8;
  FrameStream s(o);
  StreamSample out;
  img.paint(3);
  CHECK(s.push(img.view(), 0.0, out) == StreamVerdict::kept);
  CHECK(out.result.hash == plain.hash(img.view()).hash);
  CHECK(out.result.quality == plain.hash(img.view()).quality);
  CHECK(s.push(img.view(), 0.1, out) == StreamVerdict::skipped);  // identical
  CHECK(out.result.hash == plain.hash(img.view()).hash);
  img.paint(4);
  CHECK(s.push(img.view(), 0.2, out) == StreamVerdict::kept);  // different content
  CHECK(s.frames_skipped() == 1);
  CHECK(s.frames_kept() == 2);
}

TEST_CASE("stream: unsampled frames are never read; bad input is invalid_argument") {
  I420 img;
  img.paint(2);
  FrameStream s(opts720(1.0));
  StreamSample out;
  CHECK(s.push(img.view(), 0.0, out) == StreamVerdict::kept);
  const FrameView empty{};  // null planes, size 0: fine for a frame that is not sampled
  CHECK(s.push(empty, 0.5, out) == StreamVerdict::unsampled);
  CHECK_FALSE(s.would_sample(0.9));
  CHECK(s.would_sample(1.0));
  CHECK_THROWS_AS(s.push(empty, 1.0, out), Error);  // sampled: the view is checked
  CHECK(s.push(img.view(), 1.0, out) == StreamVerdict::kept);  // the failed push changed nothing
  CHECK(out.frame_number == 2);
  try {
    s.push(img.view(), 0.5, out);  // going back in time
    FAIL("a decreasing timestamp was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::invalid_argument);
  }
  I420 small;
  small.w = 640;
  small.h = 360;
  small.y.assign(640 * 360, 7);
  CHECK_THROWS_AS(s.push(small.view(), 5.0, out), Error);  // another size
  StreamOptions bad = opts720(-1);
  CHECK_THROWS_AS(FrameStream{bad}, Error);
  bad = opts720(1);
  bad.width = 0;
  CHECK_THROWS_AS(FrameStream{bad}, Error);
}

TEST_CASE("stream: zero heap allocations per frame in steady state, sampled or not") {
  I420 img;
  img.paint(5);
  FrameStream s(opts720(0.2));
  StreamSample out;
  for (int n = 0; n < 12; ++n) s.push(img.view(), n / 30.0, out);  // warm-up: sizes the scratch
  const long before = g_allocs.load();
  int sampled = 0;
  for (int n = 12; n < 312; ++n) sampled += s.push(img.view(), n / 30.0, out) != StreamVerdict::unsampled;
  const long allocs = g_allocs.load() - before;
  CHECK(sampled >= 49);  // 10 s at one sample per 0.2 s (float edges: 50 or 51)
  CHECK(sampled <= 51);
  CHECK(allocs == 0);

  // The C API's push without a matcher: the same.
  pdqg_stream_options co = c_opts720();
  co.seconds_per_hash = 0.2;
  pdqg_stream* cs = nullptr;
  REQUIRE(pdqg_stream_create(&co, &cs) == PDQG_OK);
  const pdqg_frame f = img.c_frame();
  pdqg_stream_sample cout_{};
  for (int n = 0; n < 12; ++n) REQUIRE(pdqg_stream_push(cs, &f, n / 30.0, nullptr, &cout_, nullptr, nullptr) == 0);
  const long c_before = g_allocs.load();
  for (int n = 12; n < 312; ++n) pdqg_stream_push(cs, &f, n / 30.0, nullptr, &cout_, nullptr, nullptr);
  CHECK(g_allocs.load() - c_before == 0);
  pdqg_stream_free(cs);
}

TEST_CASE("stream C API: samples matched against a matcher handle") {
  I420 img;
  img.paint(9);
  Hasher plain;
  const Hash256 target = plain.hash(img.view()).hash;
  const std::string list = (std::filesystem::temp_directory_path() / "pdqguard_stream_list.txt").string();
  {
    std::ofstream l(list);
    l << target.to_hex() << " known frame\n";
  }
  const char* paths[] = {list.c_str()};
  pdqg_matcher* m = nullptr;
  REQUIRE(pdqg_matcher_open(paths, 1, nullptr, &m) == PDQG_OK);

  pdqg_stream_options co = c_opts720();
  co.frames_per_hash = 10;
  pdqg_stream* s = nullptr;
  REQUIRE(pdqg_stream_create(&co, &s) == PDQG_OK);
  const pdqg_frame f = img.c_frame();
  int kept = 0, matched = 0;
  for (int n = 0; n < 25; ++n) {
    pdqg_stream_sample sample{};
    pdqg_match* matches = nullptr;
    size_t count = 0;
    // Unsampled frames may be passed as NULL: they are never read.
    const pdqg_frame* fp = (n % 10 == 0) ? &f : nullptr;
    REQUIRE(pdqg_stream_push(s, fp, n / 25.0, m, &sample, &matches, &count) == PDQG_OK);
    CHECK(sample.frame_number == n);
    if (sample.verdict == PDQG_STREAM_KEPT) {
      ++kept;
      CHECK(std::memcmp(sample.result.hash.words, target.words.data(), 32) == 0);
      REQUIRE(count == 1);
      CHECK(matches[0].distance == 0);
      CHECK(std::string(matches[0].label) == "known frame");
      matched += 1;
    } else {
      CHECK(sample.verdict == PDQG_STREAM_UNSAMPLED);
      CHECK(count == 0);
      CHECK(matches == nullptr);
    }
    pdqg_matches_free(matches);
  }
  CHECK(kept == 3);
  CHECK(matched == 3);
  // Errors are statuses with messages.
  pdqg_stream_sample sample{};
  CHECK(pdqg_stream_push(s, &f, 0.0, nullptr, &sample, nullptr, nullptr) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_stream_error(s)).find("never decrease") != std::string::npos);
  pdqg_frame wrong = f;
  wrong.sizes[0] = 100;  // too small for the frame: refused before reading
  // Frame 25 is not sampled (one in 10): not read, so not refused either.
  CHECK(pdqg_stream_push(s, &wrong, 10.0, nullptr, &sample, nullptr, nullptr) == PDQG_OK);
  for (int n = 26; n < 30; ++n) REQUIRE(pdqg_stream_push(s, nullptr, 10.0, nullptr, &sample, nullptr, nullptr) == 0);
  CHECK(pdqg_stream_push(s, &wrong, 10.0, nullptr, &sample, nullptr, nullptr) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_stream_push(s, &f, 10.0, m, &sample, nullptr, nullptr) == PDQG_INVALID_ARGUMENT);
  co.width = -1;
  pdqg_stream* bad = nullptr;
  CHECK(pdqg_stream_create(&co, &bad) == PDQG_INVALID_ARGUMENT);
  CHECK(bad == nullptr);
  pdqg_stream_free(s);
  pdqg_matcher_free(m);
  std::filesystem::remove(list);
}

TEST_CASE("stream: dihedral samples (C++ option, C API by the matcher's setting), no allocation") {
  I420 img;
  img.paint(3);
  Hasher plain;
  const DihedralResult want = plain.hash_dihedral(img.view());
  StreamOptions o = opts720(0.2);
  o.dihedral = true;
  FrameStream s(o);
  StreamSample out;
  for (int n = 0; n < 12; ++n) s.push(img.view(), n / 30.0, out);
  const long before = g_allocs.load();
  int sampled = 0;
  for (int n = 12; n < 120; ++n) {
    if (s.push(img.view(), n / 30.0, out) == StreamVerdict::unsampled) continue;
    ++sampled;
    CHECK(out.dihedral.has_dihedral);
    CHECK(out.dihedral.hashes == want.hashes);
    CHECK(out.result.hash == want.hashes[0]);
  }
  CHECK(g_allocs.load() - before == 0);
  CHECK(sampled > 10);
  s.push(img.view(), 5.0, out, /*dihedral=*/false);  // per push
  CHECK_FALSE(out.dihedral.has_dihedral);

  // C API: a matcher listing only the rot90 variant finds the frame when (and only
  // when) its PDQG_MATCHER_DIHEDRAL is on.
  const std::string list = (std::filesystem::temp_directory_path() / "pdqguard_stream_dih.txt").string();
  {
    std::ofstream l(list);
    l << want.hashes[static_cast<int>(Dihedral::rot90)].to_hex() << " rotated\n";
  }
  const char* paths[] = {list.c_str()};
  pdqg_matcher* m = nullptr;
  REQUIRE(pdqg_matcher_open(paths, 1, nullptr, &m) == PDQG_OK);
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_THRESHOLD, 0) == PDQG_OK);
  for (int on = 0; on < 2; ++on) {
    REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_DIHEDRAL, on) == PDQG_OK);
    pdqg_stream_options co = c_opts720();
    pdqg_stream* cs = nullptr;
    REQUIRE(pdqg_stream_create(&co, &cs) == PDQG_OK);
    const pdqg_frame f = img.c_frame();
    pdqg_stream_sample smp{};
    pdqg_match* matches = nullptr;
    size_t count = 0;
    REQUIRE(pdqg_stream_push(cs, &f, 0.0, m, &smp, &matches, &count) == PDQG_OK);
    CHECK(smp.result.has_dihedral == on);
    CHECK(count == static_cast<size_t>(on));
    if (count == 1) CHECK(matches[0].dihedral == PDQG_DIHEDRAL_ROT90);
    pdqg_matches_free(matches);
    pdqg_stream_free(cs);
  }
  pdqg_matcher_free(m);
  std::remove(list.c_str());
}
