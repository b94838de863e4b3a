// Loading shared libraries on first use: see dynlib.hpp.
#include "dl/dynlib.hpp"

#include <pdqguard/error.hpp>

#include <string>

#include <dlfcn.h>

namespace pdqguard::detail {

void* dl_open(const char* soname, const char* what) {
  // dlopen is thread-safe and returns the same handle for a library already
  // loaded; each caller keeps its result (see the API tables built once).
  void* h = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* why = ::dlerror();
    throw Error(ErrorCode::unsupported_format, std::string(what) + " needs " + soname +
                                                   ", which cannot be loaded: " + (why ? why : "unknown reason"));
  }
  return h;
}

void* dl_symbol(void* handle, const char* soname, const char* symbol, const char* what) {
  void* p = ::dlsym(handle, symbol);
  if (!p)
    throw Error(ErrorCode::unsupported_format,
                std::string(what) + " needs " + symbol + " from " + soname + ", which that library lacks");
  return p;
}

}  // namespace pdqguard::detail
