// Property tests: every SIMD path this CPU can run gives bit-for-bit the values of
// the scalar path (the definition), kernel by kernel and for whole hashes. Runs
// once (not per ISA): it compares all paths itself.
#include <doctest/doctest.h>

#include <pdqguard/hasher.hpp>

#include "simd/kernels.hpp"

#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace pdqguard;

namespace {

std::vector<Isa> simd_paths() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::avx2, Isa::avx512})
    if (isa_supported(isa)) out.push_back(isa);
  return out;
}

constexpr PixelFormat kFormats[] = {PixelFormat::gray8, PixelFormat::rgb8,  PixelFormat::rgba8,
                                    PixelFormat::bgr8,  PixelFormat::bgra8, PixelFormat::i420,
                                    PixelFormat::nv12};

/// A frame with its own pixel memory: planes[0] is allocated to exactly
/// stride * (h - 1) + w * bpp bytes, so any read past the last pixel is a heap
/// overflow the sanitizer build reports. Content: a smooth picture plus noise
/// of the given amplitude (0..255), so both flat runs and edges are exercised.
struct OwnedFrame {
  std::vector<std::uint8_t> y, u, v;
  FrameView view;

  OwnedFrame(PixelFormat fmt, int w, int h, int pad, int noise, std::mt19937& rng) {
    const int bpp = bytes_per_pixel(fmt);
    const std::ptrdiff_t stride = static_cast<std::ptrdiff_t>(w) * bpp + pad;
    y.resize(static_cast<std::size_t>(stride) * (h - 1) + static_cast<std::size_t>(w) * bpp);
    const int fx = static_cast<int>(rng() % 7) + 1, fy = static_cast<int>(rng() % 5) + 1;
    for (int r = 0; r < h; ++r)
      for (std::ptrdiff_t c = 0; c < (r + 1 < h ? stride : static_cast<std::ptrdiff_t>(w) * bpp); ++c) {
        const int x = static_cast<int>(c / bpp), ch = static_cast<int>(c % bpp);
        const int smooth = (x * fx * 255 / w + r * fy * 255 / h + ch * 40) & 255;
        const int n = noise > 0 ? static_cast<int>(rng() % static_cast<unsigned>(noise + 1)) : 0;
        y[static_cast<std::size_t>(r * stride + c)] = static_cast<std::uint8_t>((smooth + n) & 255);
      }
    const int cw = (w + 1) / 2, chh = (h + 1) / 2;
    if (fmt == PixelFormat::i420) {
      u.assign(static_cast<std::size_t>(cw) * chh, 17);
      v.assign(static_cast<std::size_t>(cw) * chh, 200);
      view = FrameView::i420(y.data(), stride, u.data(), cw, v.data(), cw, w, h);
    } else if (fmt == PixelFormat::nv12) {
      u.assign(static_cast<std::size_t>(cw) * 2 * chh, 99);
      view = FrameView::nv12(y.data(), stride, u.data(), cw * 2, w, h);
    } else {
      view = FrameView::packed(fmt, y.data(), w, h, pad != 0 ? stride : 0);
    }
  }
};

struct Size {
  int w, h;
};

/// ~40 sizes: fixed edge cases, random small and odd ones, and a few large ones.
std::vector<Size> test_sizes(std::mt19937& rng) {
  std::vector<Size> s = {{5, 5},     {5, 2000}, {2000, 5}, {6, 7},     {63, 64},    {64, 64},
                         {65, 65},   {127, 129}, {128, 128}, {255, 257}, {512, 512}, {17, 301},
                         {1280, 720}, {1919, 1081}, {4000, 3000}};
  while (s.size() < 40) {
    const int w = 5 + static_cast<int>(rng() % 400), h = 5 + static_cast<int>(rng() % 400);
    s.push_back({w | 1, h});  // mostly odd widths
  }
  return s;
}

}  // namespace

TEST_CASE("SIMD downsample64 equals scalar bit for bit on random frames") {
  const auto paths = simd_paths();
  if (paths.empty()) {
    MESSAGE("no SIMD path on this CPU: nothing to compare");
    return;
  }
  std::mt19937 rng(20261129);
  detail::Scratch s_ref, s_simd;
  alignas(64) float ref[64 * 64], got[64 * 64];
  int compared = 0;
  std::size_t i = 0;
  for (const Size& sz : test_sizes(rng)) {
    // Large frames get one format each; small ones several.
    const bool large = static_cast<long long>(sz.w) * sz.h > 1000000;
    const int n_formats = large ? 1 : 3;
    for (int k = 0; k < n_formats; ++k, ++i) {
      const PixelFormat fmt = kFormats[(i * 3 + static_cast<std::size_t>(k)) % 7];
      const int pad = (rng() % 3 == 0) ? 0 : static_cast<int>(rng() % 70);
      const int noise = static_cast<int>(rng() % 3) * 127;
      const OwnedFrame fr(fmt, sz.w, sz.h, pad, noise, rng);
      CAPTURE(sz.w);
      CAPTURE(sz.h);
      CAPTURE(pixel_format_name(fmt));
      CAPTURE(pad);
      detail::kScalarKernels.downsample64(fr.view, ref, s_ref);
      for (Isa isa : paths) {
        CAPTURE(isa_name(isa));
        std::memset(got, 0xA5, sizeof got);
        detail::kernels_for(isa).downsample64(fr.view, got, s_simd);
        CHECK(std::memcmp(ref, got, sizeof ref) == 0);
        ++compared;
      }
    }
  }
  CHECK(compared >= 40 * static_cast<int>(paths.size()));
}

TEST_CASE("SIMD scratch reuse across sizes does not leak between frames") {
  // Same Scratch for a large then a small then the large frame again.
  const auto paths = simd_paths();
  std::mt19937 rng(7);
  const OwnedFrame big(PixelFormat::rgb8, 701, 333, 5, 255, rng);
  const OwnedFrame small(PixelFormat::gray8, 9, 6, 0, 255, rng);
  alignas(64) float ref_big[4096], ref_small[4096], got[4096];
  detail::Scratch s0;
  detail::kScalarKernels.downsample64(big.view, ref_big, s0);
  detail::kScalarKernels.downsample64(small.view, ref_small, s0);
  for (Isa isa : paths) {
    CAPTURE(isa_name(isa));
    detail::Scratch s;
    const auto& k = detail::kernels_for(isa);
    k.downsample64(big.view, got, s);
    CHECK(std::memcmp(ref_big, got, sizeof got) == 0);
    k.downsample64(small.view, got, s);
    CHECK(std::memcmp(ref_small, got, sizeof got) == 0);
    k.downsample64(big.view, got, s);
    CHECK(std::memcmp(ref_big, got, sizeof got) == 0);
  }
}

TEST_CASE("SIMD dct64to16 equals scalar bit for bit") {
  std::mt19937 rng(99);
  std::uniform_real_distribution<float> pix(0.0f, 255.0f), wide(-1e6f, 1e6f);
  alignas(64) float in[64 * 64], ref[256], got[256];
  for (int trial = 0; trial < 50; ++trial) {
    for (float& x : in) x = trial % 2 ? wide(rng) : pix(rng);
    if (trial == 0)
      for (float& x : in) x = 0.0f;  // -0 / +0 behaviour of the first add
    detail::kScalarKernels.dct64to16(in, ref);
    for (Isa isa : simd_paths()) {
      CAPTURE(isa_name(isa));
      CAPTURE(trial);
      std::memset(got, 0x5A, sizeof got);
      detail::kernels_for(isa).dct64to16(in, got);
      CHECK(std::memcmp(ref, got, sizeof ref) == 0);
    }
  }
}

TEST_CASE("whole hashes, qualities and dihedral hashes agree on every path") {
  const Isa before = active_isa();
  std::mt19937 rng(4242);
  const Size sizes[] = {{5, 5}, {64, 64}, {97, 41}, {640, 480}, {333, 1001}, {1280, 720}};
  std::size_t i = 0;
  for (const Size& sz : sizes) {
    for (int k = 0; k < 2; ++k, ++i) {
      const PixelFormat fmt = kFormats[(i * 5) % 7];
      const OwnedFrame fr(fmt, sz.w, sz.h, static_cast<int>(rng() % 9), 60, rng);
      CAPTURE(sz.w);
      CAPTURE(sz.h);
      CAPTURE(pixel_format_name(fmt));
      force_isa(Isa::scalar);
      const HashResult h_ref = hash_frame(fr.view);
      const DihedralResult d_ref = hash_frame_dihedral(fr.view);
      for (Isa isa : simd_paths()) {
        CAPTURE(isa_name(isa));
        force_isa(isa);
        REQUIRE(active_isa() == isa);
        const HashResult h = hash_frame(fr.view);
        const DihedralResult d = hash_frame_dihedral(fr.view);
        CHECK(h.hash == h_ref.hash);
        CHECK(h.quality == h_ref.quality);
        CHECK(d.hashes == d_ref.hashes);
        CHECK(d.quality == d_ref.quality);
      }
    }
  }
  force_isa(before);
}

TEST_CASE("forcing a path the CPU lacks is refused") {
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512}) {
    CAPTURE(isa_name(isa));
    if (isa_supported(isa)) {
      CHECK(&detail::kernels_for(isa) != nullptr);
      CHECK(detail::kernels_for(isa).isa == isa);
    } else {
      CHECK_THROWS(detail::kernels_for(isa));
    }
  }
  CHECK_THROWS(parse_isa("sse9"));
  CHECK(parse_isa("avx512") == Isa::avx512);
}
