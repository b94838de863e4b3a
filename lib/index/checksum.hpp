// Internal: the index file checksum (XXH3-64) at the speed of the CPU's widest
// vector unit. libxxhash as Debian ships it is built for baseline x86-64 (SSE2)
// and its static archive has no run-time dispatch; verifying a 200 MB index took
// ~25 ms of an open that way.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pdqguard::detail {

/// XXH3-64 (seed 0) of [p, p + n): always the value libxxhash's XXH3_64bits
/// gives (the algorithm does not depend on the vector path), computed on the
/// SIMD path hashing and matching use (lib/simd's active_kernels(): AVX-512, AVX2
/// or libxxhash itself for scalar). Thread-safe; throws Error(unsupported_isa)
/// as active_kernels() does when PDQGUARD_ISA names a path this CPU lacks.
std::uint64_t checksum64(const void* p, std::size_t n);

std::uint64_t checksum64_avx2(const void* p, std::size_t n) noexcept;
std::uint64_t checksum64_avx512(const void* p, std::size_t n) noexcept;

}  // namespace pdqguard::detail
