// The C API and issue 21: pdqg_hash_file never blocks on or reads a special file
// (a FIFO, /dev/zero), and the decode budgets are hasher parameters that give
// PDQG_RESOURCE_LIMIT.
#include <doctest/doctest.h>

#include <pdqguard/pdqguard.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {
bool contains(const char* s, const char* part) { return std::string(s).find(part) != std::string::npos; }
}  // namespace

TEST_CASE("pdqg_hash_file refuses a FIFO and /dev/zero at once (PDQG_NOT_A_FILE)") {
  // A FIFO nobody writes: opening it blocking would wait forever.
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("pdqg_fifo_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string fifo = (dir / "upload.jpg").string();
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  pdqg_hasher* h = nullptr;
  REQUIRE(pdqg_hasher_create(&h) == PDQG_OK);
  pdqg_result r;
  for (pdqg_hasher* hasher : {static_cast<pdqg_hasher*>(nullptr), h}) {
    CHECK(pdqg_hash_file(hasher, fifo.c_str(), 0, &r) == PDQG_NOT_A_FILE);
    CHECK(contains(pdqg_last_error(), "FIFO"));
    CHECK(contains(pdqg_last_error(), fifo.c_str()));  // messages start with the path
    // /dev/zero used to be read up to max_bytes (512 MiB) before the refusal.
    CHECK(pdqg_hash_file(hasher, "/dev/zero", 0, &r) == PDQG_NOT_A_FILE);
    CHECK(contains(pdqg_last_error(), "character device"));
  }
  CHECK(contains(pdqg_hasher_error(h), "character device"));
  CHECK(std::string(pdqg_status_name(PDQG_NOT_A_FILE)) == "not_a_file");
  pdqg_hasher_free(h);
  std::filesystem::remove_all(dir);
}

TEST_CASE("decode budgets are hasher parameters and give PDQG_RESOURCE_LIMIT") {
  std::int64_t lo = 0, hi = 0, def = 0;
  REQUIRE(pdqg_hasher_param_bounds(PDQG_HASHER_MAX_DECODE_MEMORY, &lo, &hi, &def) == PDQG_OK);
  CHECK(def == 256 << 20);
  CHECK(lo == 1);
  REQUIRE(pdqg_hasher_param_bounds(PDQG_HASHER_MAX_DECODE_CPU_MS, &lo, &hi, &def) == PDQG_OK);
  CHECK(def == 0);
  CHECK(lo == 0);
  pdqg_hasher* h = nullptr;
  REQUIRE(pdqg_hasher_create(&h) == PDQG_OK);
  CHECK(pdqg_hasher_set(h, PDQG_HASHER_MAX_DECODE_MEMORY, 0) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_hasher_set(h, PDQG_HASHER_MAX_DECODE_CPU_MS, -1) == PDQG_INVALID_ARGUMENT);
  std::ifstream f(std::string(PDQGUARD_SOURCE_DIR) + "/tests/data/formats/lossy.webp", std::ios::binary);
  REQUIRE(f);
  const std::vector<char> webp((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  pdqg_result r;
  REQUIRE(pdqg_hash_buffer(h, webp.data(), webp.size(), 0, &r) == PDQG_OK);
  REQUIRE(pdqg_hasher_set(h, PDQG_HASHER_MAX_DECODE_MEMORY, 16) == PDQG_OK);
  std::int64_t v = 0;
  REQUIRE(pdqg_hasher_get(h, PDQG_HASHER_MAX_DECODE_MEMORY, &v) == PDQG_OK);
  CHECK(v == 16);
  CHECK(pdqg_hash_buffer(h, webp.data(), webp.size(), 0, &r) == PDQG_RESOURCE_LIMIT);
  CHECK(contains(pdqg_hasher_error(h), "max_decode_memory"));
  CHECK(std::string(pdqg_status_name(PDQG_RESOURCE_LIMIT)) == "resource_limit");
  pdqg_hasher_free(h);
}
