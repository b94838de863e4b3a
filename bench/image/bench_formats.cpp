// Decode + hash against plain decoding with the same library, single thread,
// for WebP, GIF, TIFF, HEIC and AVIF at 0.3, 3 and 12 MP (issue 15's target:
// pdqguard's hash_image at most 1.25x the library's own decode). The files
// are made in memory at start-up from the same photo-like pixels as
// bench_image (tests/image/synth.hpp), with each library's encoder:
//   WebP  lossy q80 (WebPEncodeRGB)          plain: WebPDecodeRGBInto
//   GIF   a 6x7x6 colour cube, one frame     plain: DGifSlurp (indices only)
//   TIFF  LZW, RGB, 16 rows a strip          plain: TIFFReadEncodedStrip, every strip
//   HEIC  x265 q50 / AVIF aom q50 (libheif)  plain: heif_decode_image to interleaved RGB
// pdqguard: hash_image (sniff, decode into the canonical pixels, hash), the
// DecodedImage and Hasher reused as a scanning thread reuses them. Every
// plain decode also reuses its output buffer. CPU time is the process's (all
// threads: libheif decodes with worker threads). Results: bench/README.md.
#include "image/synth.hpp"

#include <benchmark/benchmark.h>

#include <pdqguard/hasher.hpp>
#include <pdqguard/image.hpp>

#include <gif_lib.h>
#include <libheif/heif.h>
#include <tiffio.h>
#include <webp/decode.h>
#include <webp/encode.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

using namespace pdqguard;

namespace {

enum Fmt { kWebp, kGif, kTiff, kHeic, kAvif };
const char* const kFmtName[] = {"webp", "gif", "tiff", "heic", "avif"};
struct Size {
  const char* name;
  int w, h;
};
const Size kSizes[] = {{"0.3MP", 640, 480}, {"3MP", 2000, 1500}, {"12MP", 4000, 3000}};

const std::vector<std::uint8_t>& pixels(int s) {
  static std::map<int, std::vector<std::uint8_t>> cache;
  auto it = cache.find(s);
  if (it == cache.end()) it = cache.emplace(s, test::photo_like(kSizes[s].w, kSizes[s].h, 4242)).first;
  return it->second;
}

std::vector<std::uint8_t> encode_webp(const std::uint8_t* px, int w, int h) {
  std::uint8_t* out = nullptr;
  const std::size_t n = WebPEncodeRGB(px, w, h, w * 3, 80.0f, &out);
  std::vector<std::uint8_t> v(out, out + n);
  WebPFree(out);
  return v;
}

int gif_write(GifFileType* g, const GifByteType* b, int n) {
  auto* v = static_cast<std::vector<std::uint8_t>*>(g->UserData);
  v->insert(v->end(), b, b + n);
  return n;
}

std::vector<std::uint8_t> encode_gif(const std::uint8_t* px, int w, int h) {
  std::vector<std::uint8_t> v;
  int err = 0;
  GifFileType* g = EGifOpen(&v, gif_write, &err);
  GifColorType colors[256] = {};
  for (int r = 0; r < 6; ++r)
    for (int gg = 0; gg < 7; ++gg)
      for (int b = 0; b < 6; ++b) {
        GifColorType& c = colors[(r * 7 + gg) * 6 + b];
        c.Red = static_cast<GifByteType>(r * 51), c.Green = static_cast<GifByteType>(gg * 42),
        c.Blue = static_cast<GifByteType>(b * 51);
      }
  ColorMapObject* map = GifMakeMapObject(256, colors);
  EGifPutScreenDesc(g, w, h, 8, 0, map);
  EGifPutImageDesc(g, 0, 0, w, h, false, nullptr);
  std::vector<GifPixelType> row(static_cast<std::size_t>(w));
  for (int y = 0; y < h; ++y) {
    const std::uint8_t* p = px + static_cast<std::size_t>(y) * w * 3;
    for (int x = 0; x < w; ++x)
      row[x] = static_cast<GifPixelType>(((p[3 * x] * 6 / 256) * 7 + p[3 * x + 1] * 7 / 256) * 6 + p[3 * x + 2] * 6 / 256);
    EGifPutLine(g, row.data(), w);
  }
  GifFreeMapObject(map);
  EGifCloseFile(g, &err);
  return v;
}

// A memory file (memfd) holding `bytes`, for libtiff's file-descriptor API.
int memfd_of(const std::vector<std::uint8_t>& bytes) {
  const int fd = memfd_create("bench_tiff", 0);
  if (fd < 0 || write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) std::abort();
  return fd;
}

std::vector<std::uint8_t> encode_tiff(const std::uint8_t* px, int w, int h) {
  const int fd = memfd_create("bench_tiff_out", 0);
  TIFF* t = TIFFFdOpen(dup(fd), "mem", "w");
  TIFFSetField(t, TIFFTAG_IMAGEWIDTH, w);
  TIFFSetField(t, TIFFTAG_IMAGELENGTH, h);
  TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 3);
  TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
  TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
  TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 16);
  for (int y = 0; y < h; ++y)
    TIFFWriteScanline(t, const_cast<std::uint8_t*>(px + static_cast<std::size_t>(y) * w * 3), y, 0);
  TIFFClose(t);  // closes the dup, fd stays open to read the file back
  std::vector<std::uint8_t> v(static_cast<std::size_t>(lseek(fd, 0, SEEK_END)));
  if (pread(fd, v.data(), v.size(), 0) != static_cast<ssize_t>(v.size())) std::abort();
  close(fd);
  return v;
}

heif_error heif_write_vec(heif_context*, const void* data, size_t size, void* user) {
  auto* v = static_cast<std::vector<std::uint8_t>*>(user);
  v->insert(v->end(), static_cast<const std::uint8_t*>(data), static_cast<const std::uint8_t*>(data) + size);
  return heif_error{heif_error_Ok, heif_suberror_Unspecified, "ok"};
}

std::vector<std::uint8_t> encode_heif(const std::uint8_t* px, int w, int h, heif_compression_format f) {
  std::vector<std::uint8_t> v;
  if (!heif_have_encoder_for_format(f)) return v;
  heif_context* ctx = heif_context_alloc();
  heif_encoder* enc = nullptr;
  if (heif_context_get_encoder_for_format(ctx, f, &enc).code != heif_error_Ok) return v;
  heif_encoder_set_lossy_quality(enc, 50);
  if (f == heif_compression_AV1) heif_encoder_set_parameter(enc, "speed", "8");
  else heif_encoder_set_parameter(enc, "preset", "fast");
  heif_image* img = nullptr;
  heif_image_create(w, h, heif_colorspace_RGB, heif_chroma_interleaved_RGB, &img);
  heif_image_add_plane(img, heif_channel_interleaved, w, h, 8);
  int stride = 0;
  std::uint8_t* plane = heif_image_get_plane(img, heif_channel_interleaved, &stride);
  for (int y = 0; y < h; ++y)
    std::memcpy(plane + static_cast<std::size_t>(y) * stride, px + static_cast<std::size_t>(y) * w * 3,
                static_cast<std::size_t>(w) * 3);
  if (heif_context_encode_image(ctx, img, enc, nullptr, nullptr).code == heif_error_Ok) {
    heif_writer writer{1, heif_write_vec};
    heif_context_write(ctx, &writer, &v);
  }
  heif_image_release(img);
  heif_encoder_release(enc);
  heif_context_free(ctx);
  return v;
}

const std::vector<std::uint8_t>& file(Fmt f, int s) {
  static std::map<std::pair<int, int>, std::vector<std::uint8_t>> cache;
  auto it = cache.find({f, s});
  if (it != cache.end()) return it->second;
  const std::uint8_t* px = pixels(s).data();
  const int w = kSizes[s].w, h = kSizes[s].h;
  std::vector<std::uint8_t> v;
  switch (f) {
    case kWebp: v = encode_webp(px, w, h); break;
    case kGif: v = encode_gif(px, w, h); break;
    case kTiff: v = encode_tiff(px, w, h); break;
    case kHeic: v = encode_heif(px, w, h, heif_compression_HEVC); break;
    case kAvif: v = encode_heif(px, w, h, heif_compression_AV1); break;
  }
  return cache.emplace(std::pair{int(f), s}, std::move(v)).first->second;
}

bool label(benchmark::State& st, Fmt f, int s) {
  const auto& b = file(f, s);
  if (b.empty()) {
    st.SkipWithError("no encoder for this format in this libheif");
    return false;
  }
  st.SetLabel(std::string(kFmtName[f]) + " " + kSizes[s].name + " " + std::to_string(b.size() / 1024) + " KiB");
  return true;
}

int gif_read(GifFileType* g, GifByteType* buf, int n) {
  auto* r = static_cast<std::pair<const std::vector<std::uint8_t>*, std::size_t>*>(g->UserData);
  const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(n), r->first->size() - r->second);
  std::memcpy(buf, r->first->data() + r->second, k);
  r->second += k;
  return static_cast<int>(k);
}

void plain_decode(Fmt f, const std::vector<std::uint8_t>& b, std::vector<std::uint8_t>& out, int w, int h, int tiff_fd) {
  switch (f) {
    case kWebp:
      out.resize(static_cast<std::size_t>(w) * h * 3);
      if (!WebPDecodeRGBInto(b.data(), b.size(), out.data(), out.size(), w * 3)) std::abort();
      break;
    case kGif: {
      std::pair<const std::vector<std::uint8_t>*, std::size_t> r{&b, 0};
      int err = 0;
      GifFileType* g = DGifOpen(&r, gif_read, &err);
      if (!g || DGifSlurp(g) != GIF_OK) std::abort();
      benchmark::DoNotOptimize(g->SavedImages[0].RasterBits[0]);
      DGifCloseFile(g, &err);
      break;
    }
    case kTiff: {
      lseek(tiff_fd, 0, SEEK_SET);
      TIFF* t = TIFFFdOpen(dup(tiff_fd), "mem", "r");
      const tstrip_t strips = TIFFNumberOfStrips(t);
      out.resize(static_cast<std::size_t>(TIFFStripSize(t)) * strips);
      for (tstrip_t k = 0; k < strips; ++k)
        if (TIFFReadEncodedStrip(t, k, out.data() + static_cast<std::size_t>(TIFFStripSize(t)) * k, -1) < 0) std::abort();
      TIFFClose(t);
      break;
    }
    case kHeic:
    case kAvif: {
      heif_context* ctx = heif_context_alloc();
      heif_context_read_from_memory_without_copy(ctx, b.data(), b.size(), nullptr);
      heif_image_handle* hd = nullptr;
      heif_context_get_primary_image_handle(ctx, &hd);
      heif_image* img = nullptr;
      if (heif_decode_image(hd, &img, heif_colorspace_RGB, heif_chroma_interleaved_RGB, nullptr).code != heif_error_Ok)
        std::abort();
      int stride = 0;
      benchmark::DoNotOptimize(heif_image_get_plane_readonly(img, heif_channel_interleaved, &stride));
      heif_image_release(img);
      heif_image_handle_release(hd);
      heif_context_free(ctx);
      break;
    }
  }
}

void BM_plain(benchmark::State& st) {
  const Fmt f = static_cast<Fmt>(st.range(0));
  const int s = static_cast<int>(st.range(1));
  if (!label(st, f, s)) return;
  const auto& b = file(f, s);
  const int fd = f == kTiff ? memfd_of(b) : -1;
  std::vector<std::uint8_t> out;
  for (auto _ : st) plain_decode(f, b, out, kSizes[s].w, kSizes[s].h, fd);
  if (fd >= 0) close(fd);
}

void BM_pdqguard(benchmark::State& st) {
  const Fmt f = static_cast<Fmt>(st.range(0));
  const int s = static_cast<int>(st.range(1));
  if (!label(st, f, s)) return;
  const auto& b = file(f, s);
  Hasher hasher;
  DecodedImage info;
  for (auto _ : st) benchmark::DoNotOptimize(hash_image(b, hasher, info).hashes[0]);
}

void args(benchmark::internal::Benchmark* b) {
  for (int f = kWebp; f <= kAvif; ++f)
    for (int s = 0; s < 3; ++s) b->Args({f, s});
  b->Unit(benchmark::kMillisecond);
  // libheif decodes with worker threads: count every thread's CPU time.
  b->MeasureProcessCPUTime();
}
}  // namespace

BENCHMARK(BM_plain)->Apply(args);
BENCHMARK(BM_pdqguard)->Apply(args);
BENCHMARK_MAIN();
