// --version: pdqguard and library versions, the SIMD path, and the decoders.
#include "commands.hpp"

#include <pdqguard/hasher.hpp>

#include <cstdio>
#include <string>

#include <jpeglib.h>
#include <png.h>

#define PDQGUARD_STR2(x) #x
#define PDQGUARD_STR(x) PDQGUARD_STR2(x)

namespace pdqguard::cli {

std::string version_text() {
  std::string s = "pdqguard " PDQGUARD_CLI_VERSION "\n";
  s += std::string("library: pdqguard ") + pdqguard::version() + "\n";
  std::string isa;
  try {
    isa = isa_name(active_isa());
  } catch (const std::exception& e) {
    isa = std::string("error: ") + e.what();
  }
  s += "SIMD path: " + isa + " (supported here:";
  for (Isa i : {Isa::scalar, Isa::avx2, Isa::avx512})
    if (isa_supported(i)) s += std::string(" ") + isa_name(i);
  s += ")\n";
#ifdef LIBJPEG_TURBO_VERSION
  s += "libjpeg-turbo: " PDQGUARD_STR(LIBJPEG_TURBO_VERSION) " (compile time; libjpeg API " +
       std::to_string(JPEG_LIB_VERSION) + ")\n";
#else
  s += "libjpeg: API " + std::to_string(JPEG_LIB_VERSION) + " (compile time)\n";
#endif
  s += std::string("libpng: ") + png_get_libpng_ver(nullptr) + " (run time; built with " +
       PNG_LIBPNG_VER_STRING + ")\n";
  return s;
}

}  // namespace pdqguard::cli
