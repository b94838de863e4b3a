// The C API's matching half: loading lists and index files, options, queries by
// hash, result and frame, reload, and errors — answers checked against a brute
// force over the same list.
#include "common/corpus.hpp"

#include <doctest/doctest.h>

#include <pdqguard/image.hpp>
#include <pdqguard/index.hpp>
#include <pdqguard/pdqguard.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/pdqg-capi-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

void write_file(const std::string& path, const std::string& text) {
  // Written aside and renamed over: a reader never sees a half-written list.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
  }
  fs::rename(tmp, path);
}

struct Entry {
  std::string hash, id, label;
};

/// The corpus's JPEG/PNG rows with a hash, as list entries with ids "e<N>".
std::vector<Entry> corpus_entries() {
  std::vector<Entry> out;
  for (const auto& row : pdqguard::test::read_csv(pdqguard::test::corpus_dir() + "/expected.csv")) {
    if (row.at("hash").empty()) continue;
    out.push_back({row.at("hash"), "e" + std::to_string(out.size()), row.at("relative_path")});
  }
  return out;
}

std::string csv_of(const std::vector<Entry>& entries) {
  std::string s = "id,hash,label\n";
  for (const Entry& e : entries) s += e.id + "," + e.hash + "," + e.label + "\n";
  return s;
}

std::string image(const std::string& rel) { return pdqguard::test::corpus_dir() + "/images/" + rel; }

pdqg_hash parse(const std::string& hex) {
  pdqg_hash h;
  REQUIRE(pdqg_hash_from_hex(hex.c_str(), &h) == PDQG_OK);
  return h;
}

/// id -> distance of every entry within `radius` of `q` (the brute-force answer).
std::map<std::string, int> brute(const std::vector<Entry>& entries, const pdqg_hash& q, int radius) {
  std::map<std::string, int> out;
  for (const Entry& e : entries) {
    const pdqg_hash h = parse(e.hash);
    const int d = pdqg_hash_distance(&h, &q);
    if (d <= radius) out[e.id] = d;
  }
  return out;
}

std::map<std::string, int> as_map(const pdqg_match* m, std::size_t n) {
  std::map<std::string, int> out;
  for (std::size_t i = 0; i < n; ++i) out[m[i].id] = m[i].distance;
  return out;
}

std::map<std::string, int> query(const pdqg_matcher* m, const pdqg_hash& h, int quality = -1) {
  pdqg_match* hits = nullptr;
  std::size_t n = 99;
  REQUIRE_MESSAGE(pdqg_matcher_query_hash(m, &h, quality, &hits, &n) == PDQG_OK, pdqg_last_error());
  std::map<std::string, int> out = as_map(hits, n);
  REQUIRE(out.size() == n);  // every entry reported once
  for (std::size_t i = 1; i < n; ++i) CHECK(hits[i - 1].distance <= hits[i].distance);
  if (n == 0) CHECK(hits == nullptr);
  pdqg_matches_free(hits);
  return out;
}

std::int64_t get(const pdqg_matcher* m, int param) {
  std::int64_t v = -7;
  REQUIRE(pdqg_matcher_get(m, param, &v) == PDQG_OK);
  return v;
}

}  // namespace

TEST_CASE("a matcher over a CSV list answers exactly as a brute force") {
  TempDir dir;
  const std::vector<Entry> entries = corpus_entries();
  REQUIRE(entries.size() >= (pdqguard::test::full_corpus() ? 40u : 14u));
  const std::string list = dir.file("blocklist.csv");
  write_file(list, csv_of(entries));
  const char* lists[] = {list.c_str()};
  pdqg_matcher* m = nullptr;
  REQUIRE_MESSAGE(pdqg_matcher_open(lists, 1, nullptr, &m) == PDQG_OK, pdqg_last_error());
  CHECK(get(m, PDQG_MATCHER_ENTRIES) == static_cast<std::int64_t>(entries.size()));
  CHECK(get(m, PDQG_MATCHER_HASHES) <= get(m, PDQG_MATCHER_ENTRIES));
  CHECK(get(m, PDQG_MATCHER_GENERATION) == 1);
  CHECK(get(m, PDQG_MATCHER_THRESHOLD) == 31);
  CHECK(get(m, PDQG_MATCHER_MIN_QUALITY) == 50);

  for (int radius : {0, 10, 31, 70}) {
    CAPTURE(radius);
    REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_THRESHOLD, radius) == PDQG_OK);
    for (const Entry& e : entries) {
      CAPTURE(e.label);
      const pdqg_hash q = parse(e.hash);
      CHECK(query(m, q) == brute(entries, q, radius));
    }
  }
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_THRESHOLD, 31) == PDQG_OK);

  // The fields of a match.
  pdqg_result r;
  REQUIRE(pdqg_hash_file(nullptr, image("bridge-mods/aaa-orig.jpg").c_str(), 0, &r) == PDQG_OK);
  pdqg_match* hits = nullptr;
  std::size_t n = 0;
  REQUIRE(pdqg_matcher_query_result(m, &r, &hits, &n) == PDQG_OK);
  REQUIRE(n >= (pdqguard::test::full_corpus() ? 10u : 5u));  // the bridge and its many edits
  CHECK(hits[0].distance == 0);
  CHECK(std::string(hits[0].list) == "blocklist.csv");
  CHECK(std::string(hits[0].label).find("bridge") != std::string::npos);
  CHECK(pdqg_hash_distance(&hits[0].hash, &r.hash) == 0);
  CHECK(hits[0].dihedral == PDQG_DIHEDRAL_ORIGINAL);

  // max matches keeps the nearest.
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_MAX_MATCHES, 3) == PDQG_OK);
  pdqg_match* top = nullptr;
  std::size_t n3 = 0;
  REQUIRE(pdqg_matcher_query_result(m, &r, &top, &n3) == PDQG_OK);
  CHECK(n3 == 3);
  CHECK(top[2].distance <= hits[3].distance);
  pdqg_matches_free(top);
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_MAX_MATCHES, 0) == PDQG_OK);

  // Matches own their strings: still readable after the matcher is gone.
  pdqg_matcher_free(m);
  CHECK(std::string(hits[n - 1].list) == "blocklist.csv");
  pdqg_matches_free(hits);
  pdqg_matches_free(nullptr);
  pdqg_matcher_free(nullptr);
}

TEST_CASE("quality gate, too-small images and dihedral queries") {
  TempDir dir;
  const pdqg_hash orig = parse("f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22");
  const std::string list = dir.file("bridge.txt");
  write_file(list, "# the bridge\nf8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22 bridge\n");
  pdqg_matcher* m = nullptr;
  REQUIRE(pdqg_matcher_create(&m) == PDQG_OK);
  pdqg_match* hits = nullptr;
  std::size_t n = 0;
  CHECK(pdqg_matcher_query_hash(m, &orig, -1, &hits, &n) == PDQG_INVALID_ARGUMENT);  // nothing loaded
  CHECK(std::string(pdqg_last_error()).find("no list") != std::string::npos);
  CHECK(pdqg_matcher_reload(m) == PDQG_INVALID_ARGUMENT);
  const char* lists[] = {list.c_str()};
  REQUIRE(pdqg_matcher_load(m, lists, 1, nullptr) == PDQG_OK);

  // Plain list: id = line number, label = text after the hash.
  REQUIRE(pdqg_matcher_query_hash(m, &orig, -1, &hits, &n) == PDQG_OK);
  REQUIRE(n == 1);
  CHECK(std::string(hits[0].id) == "2");
  CHECK(std::string(hits[0].label) == "bridge");
  pdqg_matches_free(hits);

  // Quality: a hash query with a known low quality is gated, unknown is not.
  CHECK(query(m, orig, 49).empty());
  CHECK(query(m, orig, 50).size() == 1);
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_MIN_QUALITY, 0) == PDQG_OK);
  CHECK(query(m, orig, 10).size() == 1);
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_MIN_QUALITY, 50) == PDQG_OK);
  pdqg_result r{};
  r.hash = orig;
  r.quality = 30;
  REQUIRE(pdqg_matcher_query_result(m, &r, &hits, &n) == PDQG_OK);
  CHECK(n == 0);
  r.quality = 100;
  r.too_small = 1;  // never matched, whatever its hash
  REQUIRE(pdqg_matcher_query_result(m, &r, &hits, &n) == PDQG_OK);
  CHECK(n == 0);

  // Dihedral: the bridge rotated by 90 degrees only matches with dihedral on.
  REQUIRE(pdqg_hash_file(nullptr, image("reg-test-input/dih/bridge-2-rotate-90.jpg").c_str(),
                         PDQG_FLAG_DIHEDRAL, &r) == PDQG_OK);
  REQUIRE(pdqg_matcher_query_result(m, &r, &hits, &n) == PDQG_OK);
  CHECK(n == 0);
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_DIHEDRAL, 1) == PDQG_OK);
  REQUIRE(pdqg_matcher_query_result(m, &r, &hits, &n) == PDQG_OK);
  REQUIRE(n == 1);
  CHECK(hits[0].dihedral != PDQG_DIHEDRAL_ORIGINAL);
  CHECK(hits[0].distance <= 31);
  pdqg_matches_free(hits);

  // The same through a raw frame (the matcher hashes with the dihedral flag itself).
  const pdqguard::DecodedImage img =
      pdqguard::decode_image_file(image("reg-test-input/dih/bridge-2-rotate-90.jpg"));
  pdqg_frame f{};
  f.format = img.gray ? PDQG_FORMAT_GRAY8 : PDQG_FORMAT_RGB8;
  f.width = img.width;
  f.height = img.height;
  f.planes[0] = img.pixels.data();
  f.sizes[0] = img.pixels.size();
  pdqg_result fr;
  REQUIRE(pdqg_matcher_query_frame(m, nullptr, &f, &fr, &hits, &n) == PDQG_OK);
  CHECK(n == 1);
  CHECK(fr.has_dihedral == 1);
  CHECK(pdqg_hash_distance(&fr.hash, &r.hash) == 0);
  pdqg_matches_free(hits);
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_DIHEDRAL, 0) == PDQG_OK);
  pdqg_hasher* hasher = nullptr;
  REQUIRE(pdqg_hasher_create(&hasher) == PDQG_OK);
  REQUIRE(pdqg_matcher_query_frame(m, hasher, &f, nullptr, &hits, &n) == PDQG_OK);
  CHECK(n == 0);
  f.sizes[0] -= 1;  // a bad frame fails as pdqg_hash_frame does
  CHECK(pdqg_matcher_query_frame(m, hasher, &f, nullptr, &hits, &n) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_hasher_error(hasher)).find("too small") != std::string::npos);
  pdqg_hasher_free(hasher);
  pdqg_matcher_free(m);
}

TEST_CASE("reload swaps in the changed list; a failed reload keeps the old one") {
  TempDir dir;
  const std::vector<Entry> all = corpus_entries();
  const std::vector<Entry> first(all.begin(), all.begin() + 12), second(all.begin() + 12, all.end());
  const std::string list = dir.file("live.csv");
  write_file(list, csv_of(first));
  const char* lists[] = {list.c_str()};
  pdqg_matcher* m = nullptr;
  REQUIRE(pdqg_matcher_open(lists, 1, nullptr, &m) == PDQG_OK);
  // This test swaps whole lists (12 -> 8 -> 1 entries): no shrink limit (tested in test_capi_rules.cpp).
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_MAX_SHRINK_PERCENT, 100) == PDQG_OK);
  const pdqg_hash a = parse(first[0].hash), b = parse(second.back().hash);
  CHECK(query(m, a) == brute(first, a, 31));
  CHECK(query(m, b) == brute(first, b, 31));

  write_file(list, csv_of(second));
  REQUIRE(pdqg_matcher_reload(m) == PDQG_OK);
  CHECK(get(m, PDQG_MATCHER_GENERATION) == 2);
  CHECK(get(m, PDQG_MATCHER_ENTRIES) == static_cast<std::int64_t>(second.size()));
  CHECK(query(m, a) == brute(second, a, 31));
  CHECK(query(m, b) == brute(second, b, 31));
  CHECK(!query(m, b).empty());

  write_file(list, "id,hash\n1,not-a-hash\n");  // strict: refused, old list stays
  CHECK(pdqg_matcher_reload(m) == PDQG_LIST_PARSE_ERROR);
  CHECK(std::string(pdqg_matcher_error(m)).find("live.csv") != std::string::npos);
  CHECK(get(m, PDQG_MATCHER_GENERATION) == 2);
  CHECK(query(m, b) == brute(second, b, 31));
  fs::remove(list);
  CHECK(pdqg_matcher_reload(m) == PDQG_IO_ERROR);
  CHECK(query(m, b) == brute(second, b, 31));

  // Lenient parsing skips the bad line.
  write_file(list, "id,hash\n1,not-a-hash\n2," + first[0].hash + "\n");
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_LENIENT, 1) == PDQG_OK);
  REQUIRE(pdqg_matcher_reload(m) == PDQG_OK);
  CHECK(get(m, PDQG_MATCHER_ENTRIES) == 1);
  CHECK(query(m, a).count("2") == 1);

  // A different source set through load.
  const std::string other = dir.file("other.txt");
  write_file(other, second[0].hash + "\n");
  const char* others[] = {other.c_str(), list.c_str()};
  REQUIRE(pdqg_matcher_load(m, others, 2, nullptr) == PDQG_OK);
  CHECK(get(m, PDQG_MATCHER_ENTRIES) == 2);
  pdqg_matcher_free(m);
}

TEST_CASE("list size limits: defaults, refusals with their codes, 0 = no limit") {
  TempDir dir;
  const std::vector<Entry> all = corpus_entries();
  const std::string list = dir.file("limits.csv");
  const std::string good = "id,hash\n1," + all[0].hash + "\n";
  write_file(list, good + "2," + std::string(300, 'f') + "\n");
  pdqg_matcher* m = nullptr;
  REQUIRE(pdqg_matcher_create(&m) == PDQG_OK);
  CHECK(get(m, PDQG_MATCHER_MAX_LIST_BYTES) == std::int64_t{4} << 30);
  CHECK(get(m, PDQG_MATCHER_MAX_LINE_BYTES) == std::int64_t{64} << 10);
  CHECK(pdqg_matcher_set(m, PDQG_MATCHER_MAX_LIST_BYTES, -1) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_matcher_set(m, PDQG_MATCHER_MAX_LINE_BYTES, -5) == PDQG_INVALID_ARGUMENT);
  const char* lists[] = {list.c_str()};

  // The 300-character line is malformed anyway; with a 200-byte line limit it is
  // refused for its length, strict or skipped when lenient.
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_MAX_LINE_BYTES, 200) == PDQG_OK);
  CHECK(get(m, PDQG_MATCHER_MAX_LINE_BYTES) == 200);
  CHECK(pdqg_matcher_load(m, lists, 1, nullptr) == PDQG_LIST_PARSE_ERROR);
  CHECK(std::string(pdqg_matcher_error(m)).find("max_line_bytes") != std::string::npos);
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_LENIENT, 1) == PDQG_OK);
  REQUIRE(pdqg_matcher_load(m, lists, 1, nullptr) == PDQG_OK);
  CHECK(get(m, PDQG_MATCHER_ENTRIES) == 1);

  // A list above max_list_bytes is refused whole, before parsing, in both policies.
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_MAX_LIST_BYTES, 100) == PDQG_OK);
  CHECK(pdqg_matcher_load(m, lists, 1, nullptr) == PDQG_FILE_TOO_LARGE);
  CHECK(get(m, PDQG_MATCHER_GENERATION) == 1);  // the old list stays
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_MAX_LIST_BYTES, 0) == PDQG_OK);  // no limit
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_MAX_LINE_BYTES, 0) == PDQG_OK);
  REQUIRE(pdqg_matcher_load(m, lists, 1, nullptr) == PDQG_OK);
  CHECK(get(m, PDQG_MATCHER_ENTRIES) == 1);
  pdqg_matcher_free(m);
}

TEST_CASE("index files, alone and with lists; every index kind answers the same") {
  TempDir dir;
  const std::vector<Entry> all = corpus_entries();
  const auto split = all.begin() + (pdqguard::test::full_corpus() ? 30 : 10);  // of 44 or 14
  const std::vector<Entry> base(all.begin(), split), extra(split, all.end());
  const std::string base_list = dir.file("base.csv"), extra_list = dir.file("extra.csv");
  write_file(base_list, csv_of(base));
  write_file(extra_list, csv_of(extra));
  const std::string index = dir.file("base.pdqidx");
  pdqguard::build_matcher_from_files(std::vector<std::string>{base_list})->save(index);

  pdqg_matcher* m = nullptr;
  REQUIRE_MESSAGE(pdqg_matcher_open(nullptr, 0, index.c_str(), &m) == PDQG_OK, pdqg_last_error());
  CHECK(get(m, PDQG_MATCHER_ENTRIES) == static_cast<std::int64_t>(base.size()));
  for (const Entry& e : all) {
    const pdqg_hash q = parse(e.hash);
    CHECK(query(m, q) == brute(base, q, 31));
  }
  const char* lists[] = {extra_list.c_str()};
  REQUIRE(pdqg_matcher_load(m, lists, 1, index.c_str()) == PDQG_OK);
  CHECK(get(m, PDQG_MATCHER_ENTRIES) == static_cast<std::int64_t>(all.size()));
  for (const Entry& e : all) {
    const pdqg_hash q = parse(e.hash);
    CHECK(query(m, q) == brute(all, q, 31));
  }
  pdqg_matcher_free(m);

  for (int kind : {PDQG_INDEX_AUTO, PDQG_INDEX_FLAT, PDQG_INDEX_BKTREE, PDQG_INDEX_MIH}) {
    CAPTURE(kind);
    REQUIRE(pdqg_matcher_create(&m) == PDQG_OK);
    REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_INDEX_KIND, kind) == PDQG_OK);
    const char* both[] = {base_list.c_str(), extra_list.c_str()};
    REQUIRE(pdqg_matcher_load(m, both, 2, nullptr) == PDQG_OK);
    for (const Entry& e : all) {
      const pdqg_hash q = parse(e.hash);
      CHECK(query(m, q) == brute(all, q, 31));
    }
    pdqg_matcher_free(m);
  }

  // A damaged index file is refused with index_corrupt.
  const std::string bad = dir.file("bad.pdqidx");
  {
    std::ifstream in(index, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    bytes.resize(bytes.size() / 2);
    write_file(bad, bytes);
  }
  m = reinterpret_cast<pdqg_matcher*>(0x1);  // untouched on failure
  CHECK(pdqg_matcher_open(nullptr, 0, bad.c_str(), &m) == PDQG_INDEX_CORRUPT);
  CHECK(m == reinterpret_cast<pdqg_matcher*>(0x1));
  CHECK(pdqg_matcher_open(nullptr, 0, dir.file("missing.pdqidx").c_str(), &m) == PDQG_IO_ERROR);
}

TEST_CASE("matcher argument checks") {
  pdqg_matcher* m = nullptr;
  REQUIRE(pdqg_matcher_create(&m) == PDQG_OK);
  CHECK(pdqg_matcher_set(m, PDQG_MATCHER_THRESHOLD, 257) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_matcher_error(m)).find("257") != std::string::npos);
  CHECK(pdqg_matcher_set(m, PDQG_MATCHER_THRESHOLD, -1) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_matcher_set(m, PDQG_MATCHER_MIN_QUALITY, 101) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_matcher_set(m, PDQG_MATCHER_DIHEDRAL, 2) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_matcher_set(m, PDQG_MATCHER_INDEX_KIND, 4) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_matcher_set(m, PDQG_MATCHER_MAX_MATCHES, -1) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_matcher_set(m, PDQG_MATCHER_ENTRIES, 5) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_matcher_error(m)).find("read-only") != std::string::npos);
  CHECK(pdqg_matcher_set(m, 99, 5) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_matcher_set(nullptr, PDQG_MATCHER_THRESHOLD, 5) == PDQG_INVALID_ARGUMENT);
  std::int64_t v = 0;
  CHECK(pdqg_matcher_get(m, 99, &v) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_matcher_get(m, PDQG_MATCHER_ENTRIES, nullptr) == PDQG_INVALID_ARGUMENT);
  CHECK(get(m, PDQG_MATCHER_ENTRIES) == 0);
  CHECK(get(m, PDQG_MATCHER_GENERATION) == 0);
  CHECK(get(m, PDQG_MATCHER_VERIFY_CHECKSUM) == 1);
  CHECK(pdqg_matcher_load(m, nullptr, 0, nullptr) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_matcher_load(m, nullptr, 2, nullptr) == PDQG_INVALID_ARGUMENT);
  const char* with_null[] = {nullptr};
  CHECK(pdqg_matcher_load(m, with_null, 1, nullptr) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_matcher_load(nullptr, with_null, 0, "x") == PDQG_INVALID_ARGUMENT);
  const pdqg_hash zero{};
  pdqg_match* hits = nullptr;
  std::size_t n = 0;
  CHECK(pdqg_matcher_query_hash(m, &zero, 101, &hits, &n) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_matcher_query_hash(m, nullptr, -1, &hits, &n) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_matcher_query_result(m, nullptr, &hits, &n) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_matcher_query_frame(m, nullptr, nullptr, nullptr, &hits, &n) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_matcher_create(nullptr) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_matcher_open(nullptr, 0, "x", nullptr) == PDQG_INVALID_ARGUMENT);
  CHECK(std::string(pdqg_matcher_error(nullptr)).empty());
  pdqg_matcher_free(m);
}
