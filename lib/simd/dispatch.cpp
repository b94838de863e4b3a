// Run-time choice of the SIMD path for hashing and matching alike: one CPU
// check, one read of PDQGUARD_ISA (at first use), force_isa for tests.
#include "simd/kernels.hpp"

#include <pdqguard/error.hpp>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace pdqguard {

namespace {

std::atomic<const detail::KernelTable*> g_active{nullptr};
std::once_flag g_init_once;
std::string g_init_error;  // why PDQGUARD_ISA could not be honoured (written once)

/// What the CPU can run, read once.
struct CpuFeatures {
  bool avx2 = false;             ///< AVX2 and POPCNT: the avx2 tables
  bool avx512 = false;           ///< AVX-512 F/BW/VL/DQ (+ AVX2, POPCNT): the avx512 tables
  bool avx512_vpopcntdq = false; ///< the AVX-512 flat scan
};

const CpuFeatures& cpu() noexcept {
  static const CpuFeatures f = [] {
    CpuFeatures c;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    c.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    c.avx512 = c.avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
    c.avx512_vpopcntdq = c.avx512 && __builtin_cpu_supports("avx512vpopcntdq");
#endif
    return c;
  }();
  return f;
}

bool cpu_has(Isa isa) noexcept {
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::avx2: return cpu().avx2;
    case Isa::avx512: return cpu().avx512;
  }
  return false;
}

/// The table for `isa` if this build has one (for avx512, the variant this CPU's
/// flat scan needs), else null.
const detail::KernelTable* table_if_built(Isa isa) noexcept {
  switch (isa) {
    case Isa::scalar: return &detail::kScalarKernels;
    case Isa::avx2:
#if defined(PDQGUARD_HAVE_AVX2)
      return &detail::kAvx2Kernels;
#else
      return nullptr;
#endif
    case Isa::avx512:
#if defined(PDQGUARD_HAVE_AVX512)
      return cpu().avx512_vpopcntdq ? &detail::kAvx512Kernels : &detail::kAvx512NoVpopcntKernels;
#else
      return nullptr;
#endif
  }
  return nullptr;
}

void init_active() {
  const char* env = std::getenv("PDQGUARD_ISA");
  if (env != nullptr && *env != '\0') {
    // A bad value is remembered, not re-read: every later use reports it.
    try {
      g_active.store(&detail::kernels_for(parse_isa(env)));
    } catch (const Error& e) {
      g_init_error = std::string("PDQGUARD_ISA: ") + e.what();
    }
    return;
  }
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::scalar}) {
    if (isa_supported(isa)) {
      g_active.store(table_if_built(isa));
      return;
    }
  }
}

}  // namespace

const char* isa_name(Isa isa) noexcept {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "unknown";
}

bool isa_supported(Isa isa) noexcept { return table_if_built(isa) != nullptr && cpu_has(isa); }

Isa parse_isa(const char* name) {
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512})
    if (name != nullptr && std::strcmp(name, isa_name(isa)) == 0) return isa;
  throw Error(ErrorCode::unsupported_isa,
              std::string("unknown SIMD path '") + (name ? name : "") +
                  "' (expected scalar, avx2 or avx512)");
}

Isa active_isa() { return detail::active_kernels().isa; }

void force_isa(Isa isa) {
  const detail::KernelTable& t = detail::kernels_for(isa);
  std::call_once(g_init_once, [] {});  // a forced path wins over PDQGUARD_ISA
  g_active.store(&t);
}

namespace detail {

const KernelTable& kernels_for(Isa isa) {
  const KernelTable* t = table_if_built(isa);
  if (t == nullptr)
    throw Error(ErrorCode::unsupported_isa,
                std::string("SIMD path '") + isa_name(isa) + "' is not built into this pdqguard");
  if (!cpu_has(isa))
    throw Error(ErrorCode::unsupported_isa,
                std::string("this CPU cannot run the SIMD path '") + isa_name(isa) + "'");
  return *t;
}

const KernelTable& active_kernels() {
  const KernelTable* t = g_active.load(std::memory_order_acquire);
  if (t != nullptr) return *t;
  std::call_once(g_init_once, init_active);
  t = g_active.load(std::memory_order_acquire);
  if (t == nullptr) throw Error(ErrorCode::unsupported_isa, g_init_error);
  return *t;
}

}  // namespace detail
}  // namespace pdqguard
