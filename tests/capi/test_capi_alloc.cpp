// Steady state of pdqg_hash_file (issue 17): a hasher reading file after file
// keeps the buffer its files are read into, so a call does not allocate (and
// the kernel does not zero-fill) the file's size again. Counted with the
// replaced operator new of tests/image/alloc_count.cpp.
#include "image/alloc_count.hpp"

#include <doctest/doctest.h>

#include <pdqguard/pdqguard.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>

TEST_CASE("pdqg_hash_file with a hasher does not allocate the file's size per call") {
  const std::string path = std::string(PDQGUARD_SOURCE_DIR) + "/tests/data/images/bridge-mods/aaa-orig.jpg";
  const std::uintmax_t file_size = std::filesystem::file_size(path);
  REQUIRE(file_size > 100'000);
  pdqg_hasher* h = nullptr;
  REQUIRE(pdqg_hasher_create(&h) == PDQG_OK);
  pdqg_result first{}, r{};
  for (int i = 0; i < 3; ++i) REQUIRE(pdqg_hash_file(h, path.c_str(), 0, &first) == PDQG_OK);
  constexpr int kCalls = 10;
  pdqguard::test::alloc_count_start();
  for (int i = 0; i < kCalls; ++i) {
    if (pdqg_hash_file(h, path.c_str(), 0, &r) != PDQG_OK) break;
  }
  const std::uint64_t bytes = pdqguard::test::alloc_count_stop();
  CHECK(std::memcmp(&r.hash, &first.hash, sizeof r.hash) == 0);
  MESSAGE("bytes allocated per call: " << bytes / kCalls << " (file: " << file_size << ")");
  CHECK(bytes / kCalls < file_size / 4);
  pdqg_hasher_free(h);
}
