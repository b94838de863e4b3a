// The C API applies the library's query rules (it re-decides nothing): the
// result order, the too-small / below-quality gate reported by
// pdqg_matcher_query, and the parameter bounds every binding reads instead of
// copying numbers. Self-contained (no shared corpus).
#include <doctest/doctest.h>

#include <pdqguard/blocklist.hpp>
#include <pdqguard/index.hpp>
#include <pdqguard/pdqguard.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct ListFile {
  fs::path path;
  explicit ListFile(const std::string& text, const std::string& name = "rules.csv") {
    path = fs::temp_directory_path() / ("pdqg-rules-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(path, std::ios::binary) << text;
  }
  ~ListFile() {
    std::error_code ec;
    fs::remove(path, ec);
  }
};

pdqg_matcher* open_list(const ListFile& f) {
  const std::string p = f.path.string();
  const char* lists[] = {p.c_str()};
  pdqg_matcher* m = nullptr;
  REQUIRE_MESSAGE(pdqg_matcher_open(lists, 1, nullptr, &m) == PDQG_OK, pdqg_last_error());
  return m;
}

/// A 4x4 gray frame hashed through the C API: too small (all-zero hash, quality 0).
pdqg_result tiny_result() {
  const std::uint8_t px[16] = {10, 200, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160};
  pdqg_result r;
  REQUIRE(pdqg_hash_pixels(nullptr, PDQG_FORMAT_GRAY8, px, sizeof px, 4, 4, 0, 0, &r) == PDQG_OK);
  REQUIRE(r.too_small != 0);
  return r;
}

}  // namespace

TEST_CASE("pdqg_match arrays come in the promised order: distance, then list, then id") {
  // Issue #16: ids a,b at equal distance came back b,a (slot order).
  ListFile f("id,hash\na,8000000000000000000000000000000000000000000000000000000000000000\n"
             "b,0000000000000000000000000000000000000000000000000000000000000001\n");
  pdqg_matcher* m = open_list(f);
  const pdqg_hash zero{};
  pdqg_match* hits = nullptr;
  std::size_t n = 0;
  REQUIRE(pdqg_matcher_query_hash(m, &zero, -1, &hits, &n) == PDQG_OK);
  REQUIRE(n == 2);
  CHECK(std::string(hits[0].id) == "a");
  CHECK(std::string(hits[1].id) == "b");
  pdqg_matches_free(hits);
  pdqg_matcher_free(m);
}

TEST_CASE("pdqg_matcher_query reports the gate with the matches") {
  ListFile f("id,hash\nzero," + std::string(64, '0') + "\n");
  pdqg_matcher* m = open_list(f);
  pdqg_match* hits = nullptr;
  std::size_t n = 9;
  int gate = -1;
  // Too small: never matches, even at minimum quality 0.
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_MIN_QUALITY, 0) == PDQG_OK);
  const pdqg_result tiny = tiny_result();
  REQUIRE(pdqg_matcher_query(m, &tiny, &hits, &n, &gate) == PDQG_OK);
  CHECK(n == 0);
  CHECK(hits == nullptr);
  CHECK(gate == PDQG_GATE_TOO_SMALL);
  CHECK(std::string(pdqg_gate_name(gate)) == "too_small");
  // A real all-zero hash of known quality 0 is searched at minimum 0 ...
  pdqg_result q{};
  q.quality = 0;
  REQUIRE(pdqg_matcher_query(m, &q, &hits, &n, &gate) == PDQG_OK);
  CHECK(gate == PDQG_GATE_NONE);
  CHECK(n == 1);
  pdqg_matches_free(hits);
  // ... and gated below the default minimum.
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_MIN_QUALITY, 50) == PDQG_OK);
  REQUIRE(pdqg_matcher_query(m, &q, &hits, &n, &gate) == PDQG_OK);
  CHECK(gate == PDQG_GATE_BELOW_QUALITY);
  CHECK(n == 0);
  // Unknown quality (-1) is never gated; out-of-range quality is refused.
  q.quality = -1;
  REQUIRE(pdqg_matcher_query(m, &q, &hits, &n, nullptr) == PDQG_OK);
  CHECK(n == 1);
  pdqg_matches_free(hits);
  q.quality = 101;
  CHECK(pdqg_matcher_query(m, &q, &hits, &n, &gate) == PDQG_INVALID_ARGUMENT);
  // A plain result is never searched through 8 variants, even in dihedral mode:
  // hand-filled dihedral[] without has_dihedral is ignored.
  ListFile low("id,hash\nlow,0000000000000000000000000000000000000000000000000000000000000003\n", "low.csv");
  pdqg_matcher* m2 = open_list(low);
  REQUIRE(pdqg_matcher_set(m2, PDQG_MATCHER_DIHEDRAL, 1) == PDQG_OK);
  pdqg_result plain{};
  plain.quality = 100;
  REQUIRE(pdqg_hash_from_hex("f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0", &plain.hash) ==
          PDQG_OK);
  REQUIRE(pdqg_matcher_query(m2, &plain, &hits, &n, &gate) == PDQG_OK);
  CHECK(n == 0);
  plain.has_dihedral = 1;  // now dihedral[1..7] (all zero) are declared real: entry 0003 is 2 away
  REQUIRE(pdqg_matcher_query(m2, &plain, &hits, &n, &gate) == PDQG_OK);
  CHECK(n == 1);
  pdqg_matches_free(hits);
  pdqg_matcher_free(m2);
  pdqg_matcher_free(m);
}

TEST_CASE("parameter bounds and defaults come from the library") {
  std::int64_t lo = -1, hi = -1, def = -1;
  REQUIRE(pdqg_matcher_param_bounds(PDQG_MATCHER_THRESHOLD, &lo, &hi, &def) == PDQG_OK);
  CHECK(lo == pdqguard::kMinRadius);
  CHECK(hi == pdqguard::kMaxRadius);
  CHECK(def == pdqguard::kDefaultRadius);
  REQUIRE(pdqg_matcher_param_bounds(PDQG_MATCHER_MIN_QUALITY, &lo, &hi, &def) == PDQG_OK);
  CHECK(lo == 0);
  CHECK(hi == 100);
  CHECK(def == pdqguard::kDefaultMinQuality);
  REQUIRE(pdqg_matcher_param_bounds(PDQG_MATCHER_LENIENT, nullptr, nullptr, &def) == PDQG_OK);
  CHECK(def == 0);  // strict is the one default policy
  REQUIRE(pdqg_matcher_param_bounds(PDQG_MATCHER_MAX_LIST_BYTES, nullptr, nullptr, &def) == PDQG_OK);
  CHECK(static_cast<std::uint64_t>(def) == pdqguard::kDefaultMaxListBytes);
  CHECK(pdqg_matcher_param_bounds(99, &lo, &hi, &def) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_matcher_param_name(PDQG_MATCHER_MIN_QUALITY)) == "min_quality");
  CHECK(pdqg_matcher_param_name(99) == nullptr);
  // A new matcher starts at every default, and set() accepts exactly the bounds.
  pdqg_matcher* m = nullptr;
  REQUIRE(pdqg_matcher_create(&m) == PDQG_OK);
  for (int p = PDQG_MATCHER_THRESHOLD; p <= PDQG_MATCHER_MAX_SHRINK_PERCENT; ++p) {
    CAPTURE(p);
    std::int64_t v = -1;
    REQUIRE(pdqg_matcher_param_bounds(p, &lo, &hi, &def) == PDQG_OK);
    REQUIRE(pdqg_matcher_get(m, p, &v) == PDQG_OK);
    CHECK(v == def);
    if (p == PDQG_MATCHER_ENTRIES || p == PDQG_MATCHER_HASHES || p == PDQG_MATCHER_GENERATION) continue;
    CHECK(pdqg_matcher_set(m, p, hi) == PDQG_OK);
    CHECK(pdqg_matcher_set(m, p, lo) == PDQG_OK);
    if (lo > INT64_MIN) CHECK(pdqg_matcher_set(m, p, lo - 1) == PDQG_INVALID_ARGUMENT);
    if (hi < INT64_MAX) CHECK(pdqg_matcher_set(m, p, hi + 1) == PDQG_INVALID_ARGUMENT);
  }
  pdqg_matcher_free(m);
  pdqg_hasher* h = nullptr;
  REQUIRE(pdqg_hasher_create(&h) == PDQG_OK);
  for (int p = PDQG_HASHER_MAX_PIXELS; p <= PDQG_HASHER_MAX_DECODE_CPU_MS; ++p) {
    CAPTURE(p);
    std::int64_t v = -1;
    REQUIRE(pdqg_hasher_param_bounds(p, &lo, &hi, &def) == PDQG_OK);
    REQUIRE(pdqg_hasher_get(h, p, &v) == PDQG_OK);
    CHECK(v == def);
    CHECK(pdqg_hasher_set(h, p, hi) == PDQG_OK);
    CHECK(pdqg_hasher_set(h, p, hi + 1) == PDQG_INVALID_ARGUMENT);
    CHECK(pdqg_hasher_set(h, p, lo - 1) == PDQG_INVALID_ARGUMENT);
  }
  CHECK(pdqg_hasher_param_bounds(99, &lo, &hi, &def) == PDQG_INVALID_ARGUMENT);
  pdqg_hasher_free(h);
}

TEST_CASE("pdqg_matcher_reload_if_changed reloads only when a source changed") {
  ListFile f("id,hash\none," + std::string(64, '1') + "\n", "watch.csv");
  pdqg_matcher* m = open_list(f);
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_SETTLE_MS, 0) == PDQG_OK);  // the settle time: the next test
  int reloaded = -1;
  REQUIRE(pdqg_matcher_reload_if_changed(m, &reloaded) == PDQG_OK);
  CHECK(reloaded == 0);
  std::int64_t gen = 0, entries = 0;
  REQUIRE(pdqg_matcher_get(m, PDQG_MATCHER_GENERATION, &gen) == PDQG_OK);
  CHECK(gen == 1);
  {
    const fs::path tmp = f.path.string() + ".new";
    std::ofstream(tmp, std::ios::binary) << "id,hash\none," << std::string(64, '1') << "\ntwo,"
                                         << std::string(64, '2') << "\n";
    fs::rename(tmp, f.path);  // a new inode: noticed whatever the timestamp granularity
  }
  REQUIRE(pdqg_matcher_reload_if_changed(m, &reloaded) == PDQG_OK);
  CHECK(reloaded == 1);
  REQUIRE(pdqg_matcher_get(m, PDQG_MATCHER_ENTRIES, &entries) == PDQG_OK);
  CHECK(entries == 2);
  REQUIRE(pdqg_matcher_reload_if_changed(m, &reloaded) == PDQG_OK);
  CHECK(reloaded == 0);
  // A broken list keeps the current one (strict), and is reported.
  {
    const fs::path tmp = f.path.string() + ".new";
    std::ofstream(tmp, std::ios::binary) << "id,hash\nbad,xyz\n";
    fs::rename(tmp, f.path);
  }
  CHECK(pdqg_matcher_reload_if_changed(m, &reloaded) == PDQG_LIST_PARSE_ERROR);
  CHECK(reloaded == 0);
  CHECK(pdqg_matcher_reload_if_changed(m, &reloaded) == PDQG_OK);  // the same broken files: not retried
  CHECK(reloaded == 0);
  REQUIRE(pdqg_matcher_get(m, PDQG_MATCHER_ENTRIES, &entries) == PDQG_OK);
  CHECK(entries == 2);
  pdqg_matcher* empty = nullptr;
  REQUIRE(pdqg_matcher_create(&empty) == PDQG_OK);
  CHECK(pdqg_matcher_reload_if_changed(empty, &reloaded) == PDQG_INVALID_ARGUMENT);
  pdqg_matcher_free(empty);
  pdqg_matcher_free(m);
}

namespace {
std::string hex_list(int first, int count) {
  std::string s = "id,hash\n";
  char line[96];
  for (int i = first; i < first + count; ++i) {
    std::snprintf(line, sizeof line, "e%d,%064x\n", i, i + 1);
    s += line;
  }
  return s;
}
std::int64_t entries_of(const pdqg_matcher* m) {
  std::int64_t n = -1;
  REQUIRE(pdqg_matcher_get(m, PDQG_MATCHER_ENTRIES, &n) == PDQG_OK);
  return n;
}
}  // namespace

TEST_CASE("lists fail closed: settle time, empty and shrunk reloads refused, empty loads refused") {
  // Issue #21: a list rewritten in place was read half-written (50001 -> 12584
  // entries) and a list truncated to 0 entries was served.
  ListFile f(hex_list(0, 10), "settle.csv");
  pdqg_matcher* m = open_list(f);
  std::int64_t v = -1;
  REQUIRE(pdqg_matcher_get(m, PDQG_MATCHER_SETTLE_MS, &v) == PDQG_OK);
  CHECK(v == pdqguard::kDefaultSettleMs);
  REQUIRE(pdqg_matcher_get(m, PDQG_MATCHER_MAX_SHRINK_PERCENT, &v) == PDQG_OK);
  CHECK(v == 50);
  REQUIRE(pdqg_matcher_get(m, PDQG_MATCHER_ALLOW_EMPTY, &v) == PDQG_OK);
  CHECK(v == 0);
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_SETTLE_MS, 300) == PDQG_OK);
  int reloaded = -1;
  // A change is not read until the files have been unchanged for the settle time.
  std::ofstream(f.path, std::ios::binary) << hex_list(0, 12);
  REQUIRE(pdqg_matcher_reload_if_changed(m, &reloaded) == PDQG_OK);
  CHECK(reloaded == 0);
  CHECK(entries_of(m) == 10);
  ::usleep(150 * 1000);
  std::ofstream(f.path, std::ios::binary) << hex_list(0, 14);  // still being written: the wait restarts
  REQUIRE(pdqg_matcher_reload_if_changed(m, &reloaded) == PDQG_OK);
  ::usleep(200 * 1000);
  REQUIRE(pdqg_matcher_reload_if_changed(m, &reloaded) == PDQG_OK);
  CHECK(reloaded == 0);  // 200 ms since the last change < 300 ms
  ::usleep(150 * 1000);
  REQUIRE(pdqg_matcher_reload_if_changed(m, &reloaded) == PDQG_OK);
  CHECK(reloaded == 1);
  CHECK(entries_of(m) == 14);

  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_SETTLE_MS, 0) == PDQG_OK);
  // Shrinking by more than half is refused, the old list kept; by half is accepted.
  std::ofstream(f.path, std::ios::binary) << hex_list(0, 6);
  CHECK(pdqg_matcher_reload_if_changed(m, &reloaded) == PDQG_LIST_PARSE_ERROR);
  CHECK(std::string(pdqg_matcher_error(m)).find("shrink from 14 to 6") != std::string::npos);
  CHECK(entries_of(m) == 14);
  CHECK(pdqg_matcher_reload(m) == PDQG_LIST_PARSE_ERROR);  // an explicit reload is checked too
  std::ofstream(f.path, std::ios::binary) << hex_list(0, 7);
  REQUIRE(pdqg_matcher_reload(m) == PDQG_OK);
  CHECK(entries_of(m) == 7);
  // The limit is configurable: 100 = any shrink, but never to empty.
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_MAX_SHRINK_PERCENT, 100) == PDQG_OK);
  std::ofstream(f.path, std::ios::binary) << hex_list(0, 1);
  REQUIRE(pdqg_matcher_reload(m) == PDQG_OK);
  CHECK(entries_of(m) == 1);
  std::ofstream(f.path, std::ios::binary) << "";  // truncated to 0 bytes
  CHECK(pdqg_matcher_reload_if_changed(m, &reloaded) == PDQG_LIST_PARSE_ERROR);
  CHECK(reloaded == 0);
  CHECK(entries_of(m) == 1);
  std::ofstream(f.path, std::ios::binary) << "id,hash\n";  // a header and no entries
  CHECK(pdqg_matcher_reload(m) == PDQG_LIST_PARSE_ERROR);
  CHECK(std::string(pdqg_matcher_error(m)).find("0 entries") != std::string::npos);
  CHECK(entries_of(m) == 1);
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_ALLOW_EMPTY, 1) == PDQG_OK);
  REQUIRE(pdqg_matcher_reload(m) == PDQG_OK);
  CHECK(entries_of(m) == 0);
  pdqg_matcher_free(m);

  // An empty list is refused at the first load too, unless allowed.
  const std::string p = f.path.string();
  const char* lists[] = {p.c_str()};
  pdqg_matcher* e = nullptr;
  CHECK(pdqg_matcher_open(lists, 1, nullptr, &e) == PDQG_LIST_PARSE_ERROR);
  CHECK(e == nullptr);
  REQUIRE(pdqg_matcher_create(&e) == PDQG_OK);
  REQUIRE(pdqg_matcher_set(e, PDQG_MATCHER_ALLOW_EMPTY, 1) == PDQG_OK);
  CHECK(pdqg_matcher_load(e, lists, 1, nullptr) == PDQG_OK);
  pdqg_matcher_free(e);
}

TEST_CASE("frame geometry: plane sizes and packed sizes per pixel format") {
  std::size_t row = 0, rows = 0, bytes = 0;
  REQUIRE(pdqg_frame_plane_size(PDQG_FORMAT_RGBA8, 5, 3, 0, &row, &rows) == PDQG_OK);
  CHECK(row == 20);
  CHECK(rows == 3);
  CHECK(pdqg_frame_plane_size(PDQG_FORMAT_RGBA8, 5, 3, 1, &row, &rows) == PDQG_INVALID_ARGUMENT);
  REQUIRE(pdqg_frame_plane_size(PDQG_FORMAT_I420, 5, 3, 2, &row, &rows) == PDQG_OK);
  CHECK(row == 3);  // (5+1)/2
  CHECK(rows == 2);  // (3+1)/2
  REQUIRE(pdqg_frame_plane_size(PDQG_FORMAT_NV12, 5, 3, 1, &row, &rows) == PDQG_OK);
  CHECK(row == 6);
  CHECK(rows == 2);
  CHECK(pdqg_frame_plane_size(PDQG_FORMAT_NV12, 5, 3, 2, &row, &rows) == PDQG_INVALID_ARGUMENT);
  REQUIRE(pdqg_frame_packed_size(PDQG_FORMAT_I420, 5, 3, &bytes) == PDQG_OK);
  CHECK(bytes == 15 + 6 + 6);
  REQUIRE(pdqg_frame_packed_size(PDQG_FORMAT_NV12, 5, 3, &bytes) == PDQG_OK);
  CHECK(bytes == 15 + 12);
  REQUIRE(pdqg_frame_packed_size(PDQG_FORMAT_BGR8, 4, 4, &bytes) == PDQG_OK);
  CHECK(bytes == 48);
  CHECK(pdqg_frame_packed_size(99, 4, 4, &bytes) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_frame_packed_size(PDQG_FORMAT_GRAY8, 0, 4, &bytes) == PDQG_INVALID_ARGUMENT);
  // A packed I420 frame laid out by the helper hashes like its Y plane alone.
  std::vector<std::uint8_t> frame(15 * 15 + 2 * 8 * 8);
  for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<std::uint8_t>(i * 37 % 251);
  REQUIRE(pdqg_frame_packed_size(PDQG_FORMAT_I420, 15, 15, &bytes) == PDQG_OK);
  REQUIRE(bytes == frame.size());
  pdqg_frame f{};
  f.format = PDQG_FORMAT_I420;
  f.width = f.height = 15;
  std::size_t off = 0;
  for (int p = 0; p < 3; ++p) {
    REQUIRE(pdqg_frame_plane_size(f.format, 15, 15, p, &row, &rows) == PDQG_OK);
    f.planes[p] = frame.data() + off;
    f.sizes[p] = row * rows;
    off += row * rows;
  }
  pdqg_result a, b;
  REQUIRE(pdqg_hash_frame(nullptr, &f, 0, &a) == PDQG_OK);
  REQUIRE(pdqg_hash_pixels(nullptr, PDQG_FORMAT_GRAY8, frame.data(), 225, 15, 15, 0, 0, &b) == PDQG_OK);
  CHECK(pdqg_hash_distance(&a.hash, &b.hash) == 0);
  f.sizes[2] -= 1;  // one byte short in a chroma plane: refused before reading
  CHECK(pdqg_hash_frame(nullptr, &f, 0, &a) == PDQG_INVALID_ARGUMENT);
}

// Issue #21: a hashing result can neither bring an impossible quality nor claim
// "unknown" to get past the minimum quality, and every failed call made with a
// hasher leaves its reason in pdqg_hasher_error().
TEST_CASE("pdqg_matcher_query_result validates the quality of a hashing result") {
  ListFile f("id,hash\nzero," + std::string(64, '0') + "\n", "quality.csv");
  pdqg_matcher* m = open_list(f);
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_MIN_QUALITY, 50) == PDQG_OK);
  pdqg_match* hits = nullptr;
  std::size_t n = 7;
  pdqg_result r{};
  for (const int bad : {-5, -1, 101, INT32_MIN}) {
    r.quality = bad;
    CHECK_MESSAGE(pdqg_matcher_query_result(m, &r, &hits, &n) == PDQG_INVALID_ARGUMENT, bad);
    CHECK(std::string(pdqg_last_error()).find("quality") != std::string::npos);
    CHECK(n == 7);  // outputs untouched on failure
  }
  r.quality = 49;  // gated
  REQUIRE(pdqg_matcher_query_result(m, &r, &hits, &n) == PDQG_OK);
  CHECK(n == 0);
  r.quality = 50;
  REQUIRE(pdqg_matcher_query_result(m, &r, &hits, &n) == PDQG_OK);
  CHECK(n == 1);
  pdqg_matches_free(hits);
  // Hash queries and hand-filled pdqg_matcher_query may still say "unknown" (-1),
  // but nothing below it.
  const pdqg_hash zero{};
  REQUIRE(pdqg_matcher_query_hash(m, &zero, -1, &hits, &n) == PDQG_OK);
  CHECK(n == 1);
  pdqg_matches_free(hits);
  CHECK(pdqg_matcher_query_hash(m, &zero, -5, &hits, &n) == PDQG_INVALID_ARGUMENT);
  r.quality = -5;
  CHECK(pdqg_matcher_query(m, &r, &hits, &n, nullptr) == PDQG_INVALID_ARGUMENT);
  pdqg_matcher_free(m);
}

TEST_CASE("every failed call made with a hasher sets its error") {
  pdqg_hasher* h = nullptr;
  REQUIRE(pdqg_hasher_create(&h) == PDQG_OK);
  CHECK(std::string(pdqg_hasher_error(h)).empty());
  std::int64_t v = 0;
  CHECK(pdqg_hasher_get(h, 99, &v) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_hasher_error(h)).find("99") != std::string::npos);
  CHECK(pdqg_hasher_get(h, PDQG_HASHER_MAX_PIXELS, nullptr) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_hasher_error(h)) == "value is NULL");
  CHECK(pdqg_hasher_set(h, PDQG_HASHER_MAX_PIXELS, 0) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_hasher_error(h)).find("range") != std::string::npos);
  CHECK(pdqg_hasher_set(h, 42, 1) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_hasher_error(h)).find("42") != std::string::npos);
  pdqg_result r;
  CHECK(pdqg_hash_buffer(h, "x", 1, 0, &r) != PDQG_OK);
  CHECK(std::string(pdqg_hasher_error(h)) == pdqg_last_error());
  CHECK(pdqg_hash_pixels(h, PDQG_FORMAT_I420, "x", 1, 1, 1, 0, 0, &r) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_hasher_error(h)).find("i420") != std::string::npos);
  CHECK(pdqg_hash_frame(h, nullptr, 0, &r) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_hasher_error(h)).find("NULL") != std::string::npos);
  CHECK(pdqg_hash_buffer(h, "x", 1, 8u, &r) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_hasher_error(h)) == "unknown flag bits");
  CHECK(pdqg_hash_file(h, "/nonexistent/pdqg-audit.jpg", 0, &r) == PDQG_IO_ERROR);
  CHECK(std::string(pdqg_hasher_error(h)).find("/nonexistent/pdqg-audit.jpg") == 0);
  // pdqg_matcher_query_frame with this hasher: its query failure is recorded too.
  pdqg_matcher* empty = nullptr;
  REQUIRE(pdqg_matcher_create(&empty) == PDQG_OK);
  const std::vector<std::uint8_t> pixels(64 * 64, 128);
  pdqg_frame f{};
  f.format = PDQG_FORMAT_GRAY8;
  f.width = f.height = 64;
  f.planes[0] = pixels.data();
  f.sizes[0] = pixels.size();
  pdqg_match* hits = nullptr;
  std::size_t n = 0;
  CHECK(pdqg_matcher_query_frame(empty, h, &f, nullptr, &hits, &n) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_hasher_error(h)).find("no list loaded") != std::string::npos);
  CHECK(pdqg_matcher_query_frame(nullptr, h, &f, nullptr, &hits, &n) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_hasher_error(h)) == "NULL matcher or output");
  pdqg_matcher_free(empty);
  REQUIRE(pdqg_hasher_get(h, PDQG_HASHER_MAX_PIXELS, &v) == PDQG_OK);  // success keeps the message
  CHECK(!std::string(pdqg_hasher_error(h)).empty());
  pdqg_hasher_free(h);
}
