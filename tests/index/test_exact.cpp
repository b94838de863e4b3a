// Every index kind returns exactly the brute-force result, at every radius 0..64,
// on uniform and clustered lists with duplicates and the all-zero hash.
#include <doctest/doctest.h>

#include <pdqguard/index.hpp>

#include "index/core.hpp"
#include "index/synth.hpp"

#include <algorithm>
#include <random>

using namespace pdqguard;

namespace {

std::vector<Hit> brute(const Matcher& m, const Hash256& q, int r) {
  std::vector<Hit> out;
  for (std::uint32_t s = 0; s < m.slot_count(); ++s) {
    const int d = distance(q, m.slot_hash(s));
    if (d <= r && !m.slot_entries(s).empty()) out.push_back(Hit{s, static_cast<std::uint32_t>(d), 0});
  }
  std::sort(out.begin(), out.end(), [](const Hit& a, const Hit& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.slot < b.slot;
  });
  return out;
}

std::vector<Hash256> test_list(bool clustered, std::size_t n, std::uint64_t seed) {
  auto v = clustered ? synth::clustered(n, seed, 12, 20) : synth::uniform(n, seed);
  // duplicates and the all-zero hash (and its near neighbours)
  std::mt19937_64 rng(seed + 1);
  for (int i = 0; i < 40; ++i) v.push_back(v[rng() % v.size()]);
  v.push_back(Hash256{});
  v.push_back(Hash256{});
  v.push_back(synth::flip_bits(Hash256{}, 3, rng));
  return v;
}

void check_kind(IndexKind kind, bool clustered) {
  const auto list = test_list(clustered, 3000, clustered ? 11 : 7);
  BuildOptions bo;
  bo.kind = kind;
  const auto m = Matcher::build_from_hashes(list, bo);
  CHECK(m->slot_count() < list.size());  // duplicates merged
  CHECK(m->entry_count() == list.size());
  auto qs = synth::queries(list, 24, 64, 99);
  qs.push_back(Hash256{});  // the all-zero query
  qs.push_back(list.front());
  std::vector<Hit> got;
  for (int r = 0; r <= 64; ++r) {
    for (std::size_t i = 0; i < qs.size(); ++i) {
      got.clear();
      m->search_radius(qs[i], r, got);
      const auto want = brute(*m, qs[i], r);
      REQUIRE_MESSAGE(got == want, index_kind_name(kind), " radius ", r, " query ", i);
    }
    // a batch gives the same hits, tagged with the query index
    got.clear();
    m->search_radius_batch(qs, r, got);
    std::size_t k = 0;
    for (std::size_t i = 0; i < qs.size(); ++i) {
      for (Hit h : brute(*m, qs[i], r)) {
        h.query = static_cast<std::uint32_t>(i);
        REQUIRE(k < got.size());
        REQUIRE(got[k] == h);
        ++k;
      }
    }
    CHECK(k == got.size());
  }
  // large radii too (the flat fallback of mih / auto)
  for (int r : {96, 128, 200, 256}) {
    got.clear();
    m->search_radius(qs[0], r, got);
    CHECK(got == brute(*m, qs[0], r));
  }
}

}  // namespace

TEST_CASE("flat equals brute force") {
  check_kind(IndexKind::flat, false);
  check_kind(IndexKind::flat, true);
}
TEST_CASE("bktree equals brute force") {
  check_kind(IndexKind::bktree, false);
  check_kind(IndexKind::bktree, true);
}
TEST_CASE("mih equals brute force") {
  check_kind(IndexKind::mih, false);
  check_kind(IndexKind::mih, true);
}
TEST_CASE("auto equals brute force") {
  check_kind(IndexKind::automatic, false);
  check_kind(IndexKind::automatic, true);
}

TEST_CASE("mih with forced substring counts equals brute force") {
  const auto list = test_list(true, 1500, 5);
  const auto qs = synth::queries(list, 10, 40, 3);
  for (int m : {16, 19, 23, 32}) {
    BuildOptions bo;
    bo.kind = IndexKind::mih;
    bo.mih_substrings = m;
    const auto mt = Matcher::build_from_hashes(list, bo);
    for (int r : {0, 1, 7, 15, 31, 45}) {
      for (const auto& q : qs) {
        std::vector<Hit> got;
        mt->search_radius(q, r, got);
        REQUIRE_MESSAGE(got == brute(*mt, q, r), "m=", m, " r=", r);
      }
    }
  }
}

TEST_CASE("k nearest equals brute force for every kind") {
  const auto list = test_list(true, 2500, 23);
  const auto qs = synth::queries(list, 12, 40, 8);
  for (IndexKind kind : {IndexKind::flat, IndexKind::bktree, IndexKind::mih, IndexKind::automatic}) {
    BuildOptions bo;
    bo.kind = kind;
    const auto m = Matcher::build_from_hashes(list, bo);
    for (const auto& q : qs) {
      for (std::size_t k : {1u, 5u, 40u}) {
        std::vector<Hit> got;
        m->search_knn(q, k, got);
        auto want = brute(*m, q, 256);
        want.resize(std::min(k, want.size()));
        REQUIRE_MESSAGE(got == want, index_kind_name(kind), " k=", k);
      }
      std::vector<Hit> got;
      m->search_knn(q, 10, got, 20);
      auto want = brute(*m, q, 20);
      if (want.size() > 10) want.resize(10);
      CHECK(got == want);
    }
  }
}

TEST_CASE("queries report list, id, label, hash, distance; duplicates keep every entry") {
  const Hash256 a = synth::uniform(1, 1)[0];
  std::mt19937_64 rng(3);
  const Hash256 b = synth::flip_bits(a, 10, rng);
  HashList l1{"one.txt", ListFormat::plain, {}, 0, 0, 0, {}};
  l1.entries.push_back(ListEntry{a, "7", "cats", "", -1, 7});
  l1.entries.push_back(ListEntry{b, "8", "", "", -1, 8});
  HashList l2{"two.csv", ListFormat::csv, {}, 0, 0, 0, {}};
  l2.entries.push_back(ListEntry{a, "x-1", "dogs", "", 80, 2});
  const std::vector<HashList> lists{l1, l2};
  const auto m = Matcher::build(lists);
  CHECK(m->slot_count() == 2);
  CHECK(m->entry_count() == 3);
  CHECK(m->list_names() == std::vector<std::string>{"one.txt", "two.csv"});
  const QueryResult r = m->query(a);
  REQUIRE(r.matches.size() == 3);
  CHECK(r.matches[0].distance == 0);
  CHECK(r.matches[0].list == "one.txt");
  CHECK(r.matches[0].id == "7");
  CHECK(r.matches[0].label == "cats");
  CHECK(r.matches[0].hash == a);
  CHECK(r.matches[1].list == "two.csv");
  CHECK(r.matches[1].id == "x-1");
  CHECK(r.matches[2].distance == 10);
  CHECK(r.matches[2].hash == b);
  QueryOptions o;
  o.radius = 5;
  CHECK(m->query(a, o).matches.size() == 2);
  o.max_matches = 1;
  CHECK(m->query(a, o).matches.size() == 1);
  const auto nn = m->query_knn(b, 1);
  REQUIRE(nn.matches.size() == 1);
  CHECK(nn.matches[0].id == "8");
}

TEST_CASE("quality gate: below the minimum is reported, not matched") {
  const auto list = synth::uniform(100, 2);
  const auto m = Matcher::build_from_hashes(list);
  HashResult hr{list[5], 49, false};
  QueryResult r = m->query(hr);
  CHECK(r.gate == QueryGate::below_quality);
  CHECK(r.matches.empty());
  CHECK(r.quality == 49);
  hr.quality = 50;
  r = m->query(hr);
  CHECK(r.gate == QueryGate::none);
  CHECK(r.matches.size() == 1);
  QueryOptions o;
  o.min_quality = 0;
  hr.quality = 10;
  CHECK(m->query(hr, o).matches.size() == 1);
  const std::vector<QueryHash> batch{{list[1], 100}, {list[2], 20}, {list[3], -1}};
  const auto rs = m->query_batch(batch);
  REQUIRE(rs.size() == 3);
  CHECK(rs[0].matches.size() == 1);
  CHECK(rs[1].gate == QueryGate::below_quality);
  CHECK(rs[1].matches.empty());
  CHECK(rs[2].matches.size() == 1);
  CHECK(rs[2].matches[0].id == "4");
}

TEST_CASE("dihedral query reports the variant that matched") {
  const auto list = synth::uniform(500, 9);
  const auto m = Matcher::build_from_hashes(list);
  DihedralResult d;
  const auto rnd = synth::uniform(8, 77);
  for (int i = 0; i < 8; ++i) d.hashes[static_cast<std::size_t>(i)] = rnd[static_cast<std::size_t>(i)];
  std::mt19937_64 rng(1);
  d.hashes[static_cast<int>(Dihedral::rot90)] = synth::flip_bits(list[42], 4, rng);
  d.hashes[static_cast<int>(Dihedral::flipx)] = synth::flip_bits(list[42], 9, rng);
  d.hashes[static_cast<int>(Dihedral::flipy)] = list[7];
  d.quality = 100;
  d.has_dihedral = true;  // hand-filled variants are queried only when marked real
  const QueryResult r = m->query(d);
  REQUIRE(r.matches.size() == 2);
  CHECK(r.matches[0].id == "8");
  CHECK(r.matches[0].variant == Dihedral::flipy);
  CHECK(r.matches[0].distance == 0);
  CHECK(r.matches[1].id == "43");
  CHECK(r.matches[1].variant == Dihedral::rot90);
  CHECK(r.matches[1].distance == 4);
  d.quality = 10;
  CHECK(m->query(d).gate == QueryGate::below_quality);
}

TEST_CASE("auto says what it picked; kind names round-trip") {
  const auto big = Matcher::build_from_hashes(synth::uniform(20000, 3));
  CHECK(big->kind() == IndexKind::automatic);
  CHECK(big->kind_for_radius(31) == IndexKind::mih);
  CHECK(big->kind_for_radius(200) == IndexKind::flat);
  CHECK(big->describe().find("picked") != std::string::npos);
  const auto small = Matcher::build_from_hashes(synth::uniform(100, 3));
  CHECK(small->kind_for_radius(31) == IndexKind::flat);
  for (IndexKind k : {IndexKind::automatic, IndexKind::flat, IndexKind::bktree, IndexKind::mih})
    CHECK(parse_index_kind(index_kind_name(k)) == k);
  CHECK_THROWS_AS(parse_index_kind("lsh"), Error);
  std::vector<Hit> out;
  CHECK_THROWS_AS(big->search_radius(Hash256{}, 257, out), Error);
  CHECK_THROWS_AS(big->search_radius(Hash256{}, -1, out), Error);
}

TEST_CASE("an empty matcher matches nothing") {
  const auto m = Matcher::build_from_hashes({});
  CHECK(m->slot_count() == 0);
  CHECK(m->query(Hash256{}).matches.empty());
  std::vector<Hit> out;
  m->search_knn(Hash256{}, 3, out);
  CHECK(out.empty());
}
