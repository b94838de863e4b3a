// HEIC/HEIF and AVIF through libheif (HEVC via libde265, AV1 via dav1d/aom):
// the primary image decoded with libheif's default options (transformations
// such as irot/imir applied, as heif-convert does) to interleaved 8-bit RGB;
// an alpha plane is dropped. "As stored" for HEIF therefore means after the
// irot/imir (and clap) transform properties, which are the format's own
// orientation: libheif applies them by default and the canonical pixels (the
// corpus, heif-convert) include them. An Exif orientation inside a HEIF file
// only describes those transforms (HEIF/MIAF: not to be applied again), so
// apply_exif_orientation changes nothing for HEIF/AVIF.
#include "image/decoders.hpp"

#include <pdqguard/error.hpp>

#include "dl/dynlib.hpp"

#include <libheif/heif.h>

#include <cstring>
#include <memory>
#include <utility>

namespace pdqguard::detail {

namespace {
// libheif is loaded on first use (lib/dl), not linked: it brings the HEVC and
// AV1 codec libraries, which a process that meets no HEIF/AVIF file need not
// load. Every libheif function this file calls, through lheif::.
static_assert(LIBHEIF_NUMERIC_VERSION >> 24 == 1, "libheif's soname is libheif.so.1 for 1.x");
constexpr const char* kSonameHeif = "libheif.so.1";
#define PDQGUARD_LIBHEIF_FUNCTIONS(X)                                                                    \
  X(heif_context_alloc) X(heif_context_free) X(heif_context_get_primary_image_handle)                   \
  X(heif_context_read_from_memory_without_copy) X(heif_context_set_maximum_image_size_limit)            \
  X(heif_decode_image) X(heif_image_get_height) X(heif_image_get_plane_readonly) X(heif_image_get_width) \
  X(heif_image_handle_get_height) X(heif_image_handle_get_width) X(heif_image_handle_release)           \
  X(heif_image_release)
namespace lheif {
struct Api {
#define PDQGUARD_LIBHEIF_MEMBER(fn) decltype(&::fn) fn = nullptr;
  PDQGUARD_LIBHEIF_FUNCTIONS(PDQGUARD_LIBHEIF_MEMBER)
#undef PDQGUARD_LIBHEIF_MEMBER
};
Api load() {
  const char* what = "HEIF/AVIF decoding";
  void* const handle = dl_open(kSonameHeif, what);
  Api api;
#define PDQGUARD_LIBHEIF_RESOLVE(fn)                                   \
  {                                                                    \
    void* p = dl_symbol(handle, kSonameHeif, #fn, what);               \
    static_assert(sizeof api.fn == sizeof p);                          \
    std::memcpy(&api.fn, &p, sizeof p); /* as dlsym intends */         \
  }
  PDQGUARD_LIBHEIF_FUNCTIONS(PDQGUARD_LIBHEIF_RESOLVE)
#undef PDQGUARD_LIBHEIF_RESOLVE
  return api;
}
// The table, loaded on the first call; throws Error(unsupported_format) when
// libheif cannot be loaded (a later call tries again). Thread-safe.
const Api& api() {
  static const Api table = load();
  return table;
}
#define PDQGUARD_LIBHEIF_CALL(fn)                     \
  template <class... A>                               \
  inline decltype(auto) fn(A&&... a) {                \
    return api().fn(std::forward<A>(a)...);          \
  }
PDQGUARD_LIBHEIF_FUNCTIONS(PDQGUARD_LIBHEIF_CALL)
#undef PDQGUARD_LIBHEIF_CALL
}  // namespace lheif

struct CtxFree {
  void operator()(heif_context* c) const noexcept { lheif::heif_context_free(c); }
};
struct HandleFree {
  void operator()(heif_image_handle* h) const noexcept { lheif::heif_image_handle_release(h); }
};
struct ImageFree {
  void operator()(heif_image* i) const noexcept { lheif::heif_image_release(i); }
};

void check(const heif_error& e, const char* what, ImageFormat f) {
  if (e.code == heif_error_Ok) return;
  const std::string name = f == ImageFormat::avif ? "AVIF" : "HEIF";
  const ErrorCode code = e.code == heif_error_Memory_allocation_error ? ErrorCode::out_of_memory
                         : e.code == heif_error_Unsupported_feature || e.code == heif_error_Unsupported_filetype
                             ? ErrorCode::unsupported_format
                             : ErrorCode::decode_error;
  throw Error(code, name + " " + what + ": " + (e.message ? e.message : "libheif error"));
}
}  // namespace

void decode_heif(std::span<const std::uint8_t> bytes, const DecodeOptions& opts, DecodedImage& img,
                 ImageFormat format) {
  std::unique_ptr<heif_context, CtxFree> ctx(lheif::heif_context_alloc());
  if (!ctx) throw std::bad_alloc();
  // libheif's own guard against huge images (a side limit, its only knob here);
  // the exact pixel limit is checked from the primary image's header below.
  std::uint64_t side = 1;
  while (side * side < opts.max_pixels && side < (1u << 30)) side *= 2;
  lheif::heif_context_set_maximum_image_size_limit(ctx.get(), static_cast<int>(std::min<std::uint64_t>(side, 1u << 30)));
  check(lheif::heif_context_read_from_memory_without_copy(ctx.get(), bytes.data(), bytes.size(), nullptr),
        "container unreadable", format);
  heif_image_handle* raw_handle = nullptr;
  check(lheif::heif_context_get_primary_image_handle(ctx.get(), &raw_handle), "has no primary image", format);
  std::unique_ptr<heif_image_handle, HandleFree> handle(raw_handle);
  const int w = lheif::heif_image_handle_get_width(handle.get());
  const int h = lheif::heif_image_handle_get_height(handle.get());
  if (w <= 0 || h <= 0) throw Error(ErrorCode::decode_error, "HEIF primary image has no size");
  check_pixel_limit(static_cast<std::uint64_t>(w), static_cast<std::uint64_t>(h), opts);
  // libheif's decoded YCbCr planes (4:2:0: 1.5 bytes a pixel) and its interleaved
  // RGB conversion (3 bytes): an estimate, as libheif 1.15 has no memory limit.
  check_decode_memory(std::uint64_t(w) * std::uint64_t(h) * 9 / 2, opts,
                      std::string(format == ImageFormat::avif ? "AVIF" : "HEIF") + " decoded image of " +
                          std::to_string(w) + "x" + std::to_string(h));
  const DecodeDeadline deadline(opts);
  heif_image* raw_img = nullptr;
  check(lheif::heif_decode_image(handle.get(), &raw_img, heif_colorspace_RGB, heif_chroma_interleaved_RGB, nullptr),
        "image could not be decoded", format);
  std::unique_ptr<heif_image, ImageFree> decoded(raw_img);
  deadline.check(format == ImageFormat::avif ? "AVIF" : "HEIF");
  const int dw = lheif::heif_image_get_width(decoded.get(), heif_channel_interleaved);
  const int dh = lheif::heif_image_get_height(decoded.get(), heif_channel_interleaved);
  int stride = 0;
  const std::uint8_t* plane = lheif::heif_image_get_plane_readonly(decoded.get(), heif_channel_interleaved, &stride);
  if (!plane || dw <= 0 || dh <= 0 || stride < dw * 3)
    throw Error(ErrorCode::decode_error, "HEIF decoder returned no interleaved RGB plane");
  check_pixel_limit(static_cast<std::uint64_t>(dw), static_cast<std::uint64_t>(dh), opts);
  img.format = format;
  img.width = img.source_width = dw;
  img.height = img.source_height = dh;
  img.gray = false;
  const std::size_t row = static_cast<std::size_t>(dw) * 3;
  img.pixels.resize(row * dh);
  for (int y = 0; y < dh; ++y)
    std::memcpy(img.pixels.data() + row * y, plane + static_cast<std::size_t>(stride) * y, row);
}

}  // namespace pdqguard::detail
