// Flat scan: the portable kernel and the run-time choice among flat kernels.
#include "index/core.hpp"

#include <bit>
#include <cstdlib>

namespace pdqguard::detail {

void flat_radius_scalar(const Hash256* hs, std::size_t n, const Hash256* qs, std::size_t nq, int r, HitVec& out) {
  const auto ur = static_cast<unsigned>(r);
  for (std::size_t i = 0; i < n; ++i) {
    const Hash256& h = hs[i];
    for (std::size_t j = 0; j < nq; ++j) {
      const unsigned d = static_cast<unsigned>(distance(h, qs[j]));
      if (d <= ur) out.push_back(Hit{static_cast<std::uint32_t>(i), d, static_cast<std::uint32_t>(j)});
    }
  }
}

#if defined(PDQGUARD_INDEX_HAVE_AVX2)
void flat_radius_avx2(const Hash256* hs, std::size_t n, const Hash256* qs, std::size_t nq, int r, HitVec& out);
#endif
#if defined(PDQGUARD_INDEX_HAVE_AVX512)
void flat_radius_avx512(const Hash256* hs, std::size_t n, const Hash256* qs, std::size_t nq, int r, HitVec& out);
#endif

namespace {
const FlatKernels kScalar{"scalar", &flat_radius_scalar};
#if defined(PDQGUARD_INDEX_HAVE_AVX2)
const FlatKernels kAvx2{"avx2", &flat_radius_avx2};
#endif
#if defined(PDQGUARD_INDEX_HAVE_AVX512)
const FlatKernels kAvx512{"avx512-vpopcntdq", &flat_radius_avx512};
#endif
}  // namespace

const FlatKernels* flat_kernels_for(Isa isa) noexcept {
#if defined(__x86_64__)
  __builtin_cpu_init();
#endif
  switch (isa) {
    case Isa::scalar: return &kScalar;
    case Isa::avx2:
#if defined(PDQGUARD_INDEX_HAVE_AVX2)
      if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) return &kAvx2;
#endif
      return nullptr;
    case Isa::avx512:
#if defined(PDQGUARD_INDEX_HAVE_AVX512)
      if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vpopcntdq")) return &kAvx512;
#endif
      return nullptr;
  }
  return nullptr;
}

const FlatKernels& flat_kernels() {
  // The best kernel this CPU runs, capped by the hashing path's choice
  // (PDQGUARD_ISA / force_isa) when the build has SIMD hashing paths to choose
  // from; otherwise capped only by PDQGUARD_ISA.
  Isa want = Isa::avx512;
  try {
    if (isa_supported(Isa::avx2) || isa_supported(Isa::avx512)) {
      want = active_isa();
    } else if (const char* env = std::getenv("PDQGUARD_ISA"); env != nullptr && *env != '\0') {
      want = parse_isa(env);
    }
  } catch (...) {
    want = Isa::scalar;
  }
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::scalar}) {
    if (static_cast<int>(isa) > static_cast<int>(want)) continue;
    if (const FlatKernels* k = flat_kernels_for(isa)) return *k;
  }
  return kScalar;
}

}  // namespace pdqguard::detail
