// Overlay additions, tombstoned removals, rebuild, and saving a changed matcher.
#include <doctest/doctest.h>

#include <unistd.h>

#include <pdqguard/index.hpp>

#include "index/synth.hpp"

#include <cstdio>
#include <random>

using namespace pdqguard;

namespace {
HashList one_list(const std::string& name, const std::vector<Hash256>& hs, int first_id) {
  HashList l;
  l.name = name;
  for (std::size_t i = 0; i < hs.size(); ++i) {
    ListEntry e;
    e.hash = hs[i];
    e.id = std::to_string(first_id + static_cast<int>(i));
    l.entries.push_back(e);
  }
  return l;
}
std::vector<std::string> ids(const QueryResult& r) {
  std::vector<std::string> v;
  for (const auto& m : r.matches) v.push_back(m.list + "/" + m.id);
  return v;
}
}  // namespace

TEST_CASE("add and remove without rebuild, then rebuild and save") {
  for (IndexKind kind : {IndexKind::automatic, IndexKind::flat, IndexKind::bktree, IndexKind::mih}) {
    const auto base_hashes = synth::uniform(4000, 1);
    BuildOptions bo;
    bo.kind = kind;
    const std::vector<HashList> lists{one_list("base", base_hashes, 1)};
    const auto m0 = Matcher::build(lists, bo);
    const auto fresh = synth::uniform(50, 2);
    MatcherUpdate up;
    up.add.push_back(one_list("daily", fresh, 1000));
    up.add.push_back(one_list("base", {base_hashes[10]}, 9999));  // a duplicate of a base hash
    up.remove.push_back({base_hashes[3], "", ""});             // by hash
    up.remove.push_back({std::nullopt, "base", "6"});          // by list and id
    const auto m1 = m0->with_updates(up);
    CHECK(m1->overlay_slots() == 50);
    CHECK(m1->removed_entries() == 2);
    CHECK(m1->entry_count() == m0->entry_count() + 51 - 2);
    // the old matcher is unchanged
    CHECK(m0->query(base_hashes[3]).matches.size() == 1);
    CHECK(m0->query(fresh[0]).matches.empty());
    // the new one sees the changes
    CHECK(m1->query(base_hashes[3]).matches.empty());
    CHECK(m1->query(base_hashes[5]).matches.empty());  // id 6 = hash index 5
    CHECK(ids(m1->query(fresh[7])) == std::vector<std::string>{"daily/1007"});
    CHECK(ids(m1->query(base_hashes[10])) == std::vector<std::string>{"base/11", "base/9999"});
    std::mt19937_64 rng(4);
    const Hash256 near = synth::flip_bits(fresh[9], 5, rng);
    const auto r = m1->query(near);
    REQUIRE(r.matches.size() == 1);
    CHECK(r.matches[0].distance == 5);
    // removing an overlay entry
    MatcherUpdate up2;
    up2.remove.push_back({fresh[7], "daily", ""});
    const auto m2 = m1->with_updates(up2);
    CHECK(m2->query(fresh[7]).matches.empty());
    CHECK(m2->entry_count() == m1->entry_count() - 1);
    // knn skips removed slots
    std::vector<Hit> nn;
    m2->search_knn(base_hashes[3], 1, nn);
    REQUIRE(nn.size() == 1);
    CHECK(m2->slot_hash(nn[0].slot) != base_hashes[3]);
    // rebuild merges everything and keeps the answers
    const auto m3 = m2->rebuild();
    CHECK(m3->overlay_slots() == 0);
    CHECK(m3->removed_entries() == 0);
    CHECK(m3->entry_count() == m2->entry_count());
    CHECK(m3->kind() == kind);
    for (const auto& q : {base_hashes[3], base_hashes[5], base_hashes[10], fresh[7], fresh[8], near}) {
      CHECK(ids(m3->query(q)) == ids(m2->query(q)));
    }
    // save merges too
    const std::string p = "test_index_update_" + std::to_string(getpid()) + ".pdqidx";  // unique per parallel run
    m2->save(p);
    const auto m4 = Matcher::open(p);
    CHECK(m4->entry_count() == m2->entry_count());
    CHECK(ids(m4->query(base_hashes[10])) == ids(m2->query(base_hashes[10])));
    CHECK(m4->query(fresh[7]).matches.empty());
    std::remove(p.c_str());
  }
}

TEST_CASE("a removal must name a hash or an id") {
  const auto m = Matcher::build_from_hashes(synth::uniform(10, 1));
  MatcherUpdate up;
  up.remove.push_back({std::nullopt, "hashes", ""});
  CHECK_THROWS_AS(m->with_updates(up), Error);
}

TEST_CASE("MatcherHandle update and exchange") {
  const auto hs = synth::uniform(100, 8);
  MatcherHandle h(Matcher::build_from_hashes(hs));
  const auto before = h.get();
  MatcherUpdate up;
  up.remove.push_back({hs[0], "", ""});
  h.update(up);
  CHECK(before->query(hs[0]).matches.size() == 1);  // a snapshot never changes
  CHECK(h.get()->query(hs[0]).matches.empty());
  const auto old = h.exchange(before);
  CHECK(old->query(hs[0]).matches.empty());
  CHECK(h.get() == before);
  MatcherHandle empty;
  CHECK(empty.get() == nullptr);
  CHECK_THROWS_AS(empty.update(up), Error);
}
