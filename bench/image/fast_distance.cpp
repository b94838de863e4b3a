// Measures how far fast-mode hashes fall from exact ones, to choose the fast
// mode's scale rule. For every JPEG (shared corpus + generated photo-like files)
// and every candidate rule, prints the Hamming distance between the exact hash
// and the hash of a scaled decode.
//   fast_distance [corpus_dir] [generated_count]
#include "image/synth.hpp"

#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

using namespace pdqguard;

namespace {

struct Variant {
  const char* name;
  int min_side;
  bool gray;
};

int pick_denom(int w, int h, int t) {
  for (int d : {8, 4, 2})
    if ((w + d - 1) / d >= t && (h + d - 1) / d >= t) return d;
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string corpus = argc > 1 ? argv[1] : "";
  const int generated = argc > 2 ? std::atoi(argv[2]) : 60;
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> files;
  if (!corpus.empty())
    for (const auto& e : std::filesystem::recursive_directory_iterator(corpus + "/images"))
      if (e.path().extension() == ".jpg")
        files.emplace_back(e.path().string(), read_file_bytes(e.path().string(), 1u << 30));
  test::Rng rng(7);
  // Phone-camera sizes (8-12 MP) last: at 12 MP the 1/8 scale is ~375 pixels on
  // the short side, so they decide whether thresholds just under 384 are safe.
  const int sizes[][2] = {{640, 480},   {800, 600},   {1024, 768},  {1280, 960},  {1600, 1200},
                          {1920, 1080}, {2048, 1536}, {1080, 1350}, {3000, 2000}, {720, 1280},
                          {4000, 3000}, {4032, 3024}, {3024, 4032}, {3264, 2448}};
  constexpr int kSizes = static_cast<int>(std::size(sizes));
  for (int i = 0; i < generated; ++i) {
    const auto& sz = sizes[i % kSizes];
    const auto px = test::photo_like(sz[0], sz[1], 1000 + static_cast<std::uint64_t>(i), 2 + (i % 4) * 3);
    test::JpegSpec s;
    s.quality = 75 + (i * 7) % 25;
    s.progressive = (i % 3) == 1;
    if (i % 5 == 2) s.h_samp = s.v_samp = 1;
    if (i % 5 == 3) s.v_samp = 1;
    files.emplace_back("gen" + std::to_string(i) + "_" + std::to_string(sz[0]) + "x" + std::to_string(sz[1]) +
                           "_q" + std::to_string(s.quality) + (s.progressive ? "_prog" : ""),
                       test::encode_jpeg(px.data(), sz[0], sz[1], 3, s));
  }
  // "plain": libjpeg scaled decode of all coefficients (RGB or gray output);
  // "fast": pdqguard's fast mode (gray output, progressive early stop).
  const Variant variants[] = {{"plain rgb T256", 256, false}, {"fast T128", 128, true},
                              {"fast T192", 192, true},        {"fast T256", 256, true},
                              {"fast T320", 320, true},        {"fast T360", 360, true},
                              {"fast T384", 384, true},        {"fast T448", 448, true},
                              {"fast T512", 512, true},        {"fast T640", 640, true}};
  Hasher hasher;
  std::map<std::string, std::vector<int>> dists;
  std::printf("file,quality");
  for (const auto& v : variants) std::printf(",%s", v.name);
  std::printf("\n");
  for (const auto& [name, bytes] : files) {
    const DecodedImage exact = decode_image(bytes);
    const HashResult eh = hasher.hash(exact.view());
    std::printf("%s,%d", name.c_str(), eh.quality);
    for (const auto& v : variants) {
      int dist;
      if (v.gray) {
        DecodeOptions o;
        o.fast = true;
        o.fast_min_side = v.min_side;
        DecodedImage info;
        dist = distance(eh.hash, hash_image(bytes, hasher, info, o).hashes[0]);
      } else {
        if (exact.format != ImageFormat::jpeg || exact.gray) continue;
        const int d = pick_denom(exact.width, exact.height, v.min_side);
        const auto plain = test::plain_decode_jpeg(bytes, d, false);
        if (plain.components != 3) { std::printf(",-"); continue; }
        dist = distance(eh.hash, hasher.hash(FrameView::packed(PixelFormat::rgb8, plain.px.data(), plain.width,
                                                                plain.height)).hash);
      }
      std::printf(",%d", dist);
      if (eh.quality >= 80) dists[v.name].push_back(dist);
    }
    std::printf("\n");
  }
  std::printf("\nvariant,n,<=10,max,p50,p90,p99\n");
  for (const auto& v : variants) {
    auto x = dists[v.name];
    std::sort(x.begin(), x.end());
    const long ok = std::count_if(x.begin(), x.end(), [](int d) { return d <= 10; });
    auto pct = [&](double p) { return x.empty() ? 0 : x[static_cast<std::size_t>(p * (x.size() - 1))]; };
    std::printf("%s,%zu,%ld,%d,%d,%d,%d\n", v.name, x.size(), ok, x.empty() ? 0 : x.back(), pct(0.5), pct(0.9),
                pct(0.99));
  }
}
