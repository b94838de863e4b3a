// doctest main shared by every suite. PDQGUARD_TEST_ISA=scalar|avx2|avx512 forces
// a SIMD path for the whole run; a path the CPU lacks exits 77 (CTest: skipped).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (const char* isa = std::getenv("PDQGUARD_TEST_ISA"); isa != nullptr && *isa != '\0') {
    const pdqguard::Isa want = pdqguard::parse_isa(isa);
    if (!pdqguard::isa_supported(want)) {
      std::printf("SIMD path %s is not available on this machine: skipped\n", isa);
      return 77;
    }
    pdqguard::force_isa(want);
    std::printf("testing with SIMD path %s\n", pdqguard::isa_name(pdqguard::active_isa()));
  }
  doctest::Context ctx(argc, argv);
  return ctx.run();
}
