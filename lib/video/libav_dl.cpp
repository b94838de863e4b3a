// FFmpeg's libraries, loaded on first use: the lav::Api table of libav.hpp.
#include "video/libav.hpp"

#include "dl/dynlib.hpp"

extern "C" {
#include <libavutil/macros.h>
}

#include <cstring>

namespace pdqguard::video::lav {

namespace {
// The sonames of the major versions pdqguard was compiled against.
constexpr const char* kSoname_avutil = "libavutil.so." AV_STRINGIFY(LIBAVUTIL_VERSION_MAJOR);
constexpr const char* kSoname_avcodec = "libavcodec.so." AV_STRINGIFY(LIBAVCODEC_VERSION_MAJOR);
constexpr const char* kSoname_avformat = "libavformat.so." AV_STRINGIFY(LIBAVFORMAT_VERSION_MAJOR);
constexpr const char* kSoname_swscale = "libswscale.so." AV_STRINGIFY(LIBSWSCALE_VERSION_MAJOR);

template <class Fn>
Fn symbol(void* handle, const char* soname, const char* name) {
  void* p = detail::dl_symbol(handle, soname, name, "video decoding");
  Fn f;
  static_assert(sizeof f == sizeof p);
  std::memcpy(&f, &p, sizeof f);  // an object pointer to a function pointer, as dlsym intends
  return f;
}

Api load() {
  const char* what = "video decoding";
  void* const handle_avutil = detail::dl_open(kSoname_avutil, what);
  void* const handle_avcodec = detail::dl_open(kSoname_avcodec, what);
  void* const handle_avformat = detail::dl_open(kSoname_avformat, what);
  void* const handle_swscale = detail::dl_open(kSoname_swscale, what);
  Api api;
#define PDQGUARD_LIBAV_RESOLVE(lib, fn) \
  api.fn = symbol<decltype(&::fn)>(handle_##lib, kSoname_##lib, #fn);
  PDQGUARD_LIBAV_FUNCTIONS(PDQGUARD_LIBAV_RESOLVE)
#undef PDQGUARD_LIBAV_RESOLVE
  return api;
}
}  // namespace

const Api& api() {
  static const Api table = load();  // a throw leaves it for the next call to try again
  return table;
}

}  // namespace pdqguard::video::lav
