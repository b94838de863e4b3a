// doctest main shared by every suite. PDQGUARD_TEST_ISA=scalar|avx2|avx512 forces
// a SIMD path for the whole run; a path the CPU lacks exits 77 (CTest: skipped).
// PDQGUARD_TEST_DATA=corpus reads the full shared corpus instead of tests/data
// (common/corpus.hpp); exits 77 when it is absent. PDQGUARD_TEST_NEEDS_SIMD=1 (a suite
// that compares SIMD paths with scalar) exits 77 when the CPU has no SIMD path.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "common/corpus.hpp"

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

int main(int argc, char** argv) {
  if (pdqguard::test::full_corpus() && !std::filesystem::is_directory(pdqguard::test::full_corpus_dir())) {
    std::printf("shared corpus not found at %s: skipped (set PDQGUARD_SHARED_DIR)\n",
                pdqguard::test::full_corpus_dir().c_str());
    return 77;
  }
  if (const char* simd = std::getenv("PDQGUARD_TEST_NEEDS_SIMD"); simd != nullptr && *simd == '1' &&
      !pdqguard::isa_supported(pdqguard::Isa::avx2) && !pdqguard::isa_supported(pdqguard::Isa::avx512)) {
    std::printf("no SIMD path on this CPU: nothing to compare with scalar, skipped\n");
    return 77;
  }
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
