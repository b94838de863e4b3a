// The SIMD paths this CPU and build can run, for tests that compare every path.
#pragma once

#include <pdqguard/hasher.hpp>

#include <vector>

namespace pdqguard::test {

/// scalar first, then avx2 and avx512 where isa_supported() says so.
inline std::vector<Isa> isas_here() {
  std::vector<Isa> v;
  for (Isa i : {Isa::scalar, Isa::avx2, Isa::avx512})
    if (isa_supported(i)) v.push_back(i);
  return v;
}

}  // namespace pdqguard::test
