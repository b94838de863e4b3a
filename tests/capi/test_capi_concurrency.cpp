// Hot reload under load, through the C API: several threads query one matcher
// (by hash and by frame) while another thread reloads it again and again,
// alternating between two lists. Every answer must be exactly the right answer
// for one of the two lists (never a mix, never an error), and both lists must
// have been seen. Runs under ThreadSanitizer in CI (label `concurrency`).
#include "common/corpus.hpp"

#include <doctest/doctest.h>

#include <pdqguard/image.hpp>
#include <pdqguard/pdqguard.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

using Answer = std::map<std::string, int>;  // id -> distance

struct Entry {
  std::string hash, id;
};

void write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
  }
  fs::rename(tmp, path);  // atomic replace: a reload reads the old or the new file
}

std::string csv_of(const std::vector<Entry>& entries) {
  std::string s = "id,hash\n";
  for (const Entry& e : entries) s += e.id + "," + e.hash + "\n";
  return s;
}

pdqg_hash parse(const std::string& hex) {
  pdqg_hash h{};
  if (pdqg_hash_from_hex(hex.c_str(), &h) != PDQG_OK) std::abort();
  return h;
}

Answer brute(const std::vector<Entry>& entries, const pdqg_hash& q, int radius) {
  Answer out;
  for (const Entry& e : entries) {
    const pdqg_hash h = parse(e.hash);
    const int d = pdqg_hash_distance(&h, &q);
    if (d <= radius) out[e.id] = d;
  }
  return out;
}

Answer to_answer(const pdqg_match* m, std::size_t n) {
  Answer out;
  for (std::size_t i = 0; i < n; ++i) out[m[i].id] = m[i].distance;
  return out;
}

}  // namespace

TEST_CASE("queries on many threads stay correct while another thread reloads") {
  char tmpl[] = "/tmp/pdqg-concurrency-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  const fs::path dir = tmpl;

  // Two lists: the corpus hashes split in two, each padded with random hashes
  // (far from everything) so a load takes real work.
  std::vector<Entry> corpus;
  for (const auto& row : pdqguard::test::read_csv(pdqguard::test::corpus_dir() + "/expected.csv"))
    if (!row.at("hash").empty()) corpus.push_back({row.at("hash"), "c" + std::to_string(corpus.size())});
  REQUIRE(corpus.size() >= 14);  // 44 in the full corpus, 14 in tests/data
  const auto half = corpus.begin() + static_cast<std::ptrdiff_t>(corpus.size() / 2);
  std::vector<Entry> list_a(corpus.begin(), half);
  std::vector<Entry> list_b(half, corpus.end());
  list_b.push_back(corpus[0]);  // one entry in both
  std::mt19937_64 rng(42);
  for (int i = 0; i < 3000; ++i) {
    char hex[PDQG_HEX_LENGTH + 1];
    pdqg_hash h;
    for (auto& w : h.words) w = rng();
    pdqg_hash_to_hex(&h, hex);
    (i % 2 ? list_a : list_b).push_back({hex, "r" + std::to_string(i)});
  }
  const std::string text_a = csv_of(list_a), text_b = csv_of(list_b);
  const std::string live = (dir / "live.csv").string();
  const std::string file_a = (dir / "a.csv").string(), file_b = (dir / "b.csv").string();
  write_file(live, text_a);
  write_file(file_a, text_a);
  write_file(file_b, text_b);

  // Queries: every corpus hash, with the right answer under each list.
  constexpr int kRadius = 31;
  std::vector<pdqg_hash> queries;
  std::vector<Answer> want_a, want_b;
  for (const Entry& e : corpus) {
    queries.push_back(parse(e.hash));
    want_a.push_back(brute(list_a, queries.back(), kRadius));
    want_b.push_back(brute(list_b, queries.back(), kRadius));
  }
  // A frame query too: the bridge, which only list A holds (plus the shared entry).
  const pdqguard::DecodedImage img =
      pdqguard::decode_image_file(pdqguard::test::corpus_dir() + "/images/bridge-mods/aaa-orig.jpg");
  pdqg_frame frame{};
  frame.format = img.gray ? PDQG_FORMAT_GRAY8 : PDQG_FORMAT_RGB8;
  frame.width = img.width;
  frame.height = img.height;
  frame.planes[0] = img.pixels.data();
  frame.sizes[0] = img.pixels.size();
  pdqg_result frame_hash;
  REQUIRE(pdqg_hash_frame(nullptr, &frame, 0, &frame_hash) == PDQG_OK);
  const Answer frame_a = brute(list_a, frame_hash.hash, kRadius);
  const Answer frame_b = brute(list_b, frame_hash.hash, kRadius);
  REQUIRE(frame_a != frame_b);

  pdqg_matcher* m = nullptr;
  REQUIRE(pdqg_matcher_create(&m) == PDQG_OK);
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_THRESHOLD, kRadius) == PDQG_OK);
  const char* live_list[] = {live.c_str()};
  REQUIRE(pdqg_matcher_load(m, live_list, 1, nullptr) == PDQG_OK);

  constexpr int kQueryThreads = 4;
  constexpr int kReloads = 12;
  std::atomic<bool> stop{false};
  std::atomic<int> started{0};
  std::atomic<long> wrong{0}, errors{0}, answered{0}, saw_a{0}, saw_b{0};

  auto querier = [&](int t) {
    pdqg_hasher* hasher = nullptr;
    if (pdqg_hasher_create(&hasher) != PDQG_OK) std::abort();
    bool counted = false;
    for (std::size_t round = 0; !stop.load(); ++round) {
      for (std::size_t i = 0; i < queries.size() && !stop.load(); ++i) {
        pdqg_match* hits = nullptr;
        std::size_t n = 0;
        const bool by_frame = (t == 0 && i % 8 == 0);
        const int st = by_frame ? pdqg_matcher_query_frame(m, hasher, &frame, nullptr, &hits, &n)
                                : pdqg_matcher_query_hash(m, &queries[i], -1, &hits, &n);
        if (st != PDQG_OK) {
          ++errors;
          continue;
        }
        const Answer got = to_answer(hits, n);
        pdqg_matches_free(hits);
        const Answer& a = by_frame ? frame_a : want_a[i];
        const Answer& b = by_frame ? frame_b : want_b[i];
        if (got != a && got != b) ++wrong;
        if (a != b) {
          if (got == a) ++saw_a;
          if (got == b) ++saw_b;
        }
        ++answered;
      }
      if (!counted) {
        counted = true;
        ++started;
      }
    }
    pdqg_hasher_free(hasher);
  };

  std::atomic<int> reload_failures{0};
  auto reloader = [&] {
    while (started.load() < kQueryThreads) std::this_thread::yield();
    for (int k = 1; k <= kReloads; ++k) {
      const bool to_b = k % 2 == 1;
      int st;
      if (k % 4 == 0) {  // switch sources with load, then back to the live file
        const char* one[] = {to_b ? file_b.c_str() : file_a.c_str()};
        st = pdqg_matcher_load(m, one, 1, nullptr);
        if (st == PDQG_OK) st = pdqg_matcher_load(m, live_list, 1, nullptr);
        write_file(live, to_b ? text_b : text_a);
        if (st == PDQG_OK) st = pdqg_matcher_reload(m);
      } else {
        write_file(live, to_b ? text_b : text_a);
        st = pdqg_matcher_reload(m);
      }
      if (st != PDQG_OK) ++reload_failures;
      // Give the queriers a moment on each list.
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    stop.store(true);
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kQueryThreads; ++t) threads.emplace_back(querier, t);
  threads.emplace_back(reloader);
  for (auto& th : threads) th.join();

  std::int64_t generation = 0;
  REQUIRE(pdqg_matcher_get(m, PDQG_MATCHER_GENERATION, &generation) == PDQG_OK);
  pdqg_matcher_free(m);
  fs::remove_all(dir);

  INFO("answered " << answered.load() << ", saw A " << saw_a.load() << ", saw B " << saw_b.load());
  CHECK(reload_failures.load() == 0);
  CHECK(generation == 1 + kReloads + kReloads / 4 * 2);
  CHECK(errors.load() == 0);
  CHECK(wrong.load() == 0);
  CHECK(answered.load() > 0);
  CHECK(saw_a.load() > 0);
  CHECK(saw_b.load() > 0);
}
