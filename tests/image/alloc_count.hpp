// Counts the bytes allocated through operator new (replaced in
// alloc_count.cpp for the whole test binary) between start and stop.
#pragma once

#include <cstdint>

namespace pdqguard::test {
/// Starts counting from 0 (any thread; the tests using it are single-threaded).
void alloc_count_start() noexcept;
/// Stops counting; the bytes requested through operator new since start.
std::uint64_t alloc_count_stop() noexcept;
}  // namespace pdqguard::test
