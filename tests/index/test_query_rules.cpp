// The query rules, which lib/index owns for every front end: the "cannot
// match" gate, the result order and dihedral querying (only real variants).
// Each of the three bugs found in issue #16 has a case here that failed before
// the rules moved into the library.
#include <doctest/doctest.h>

#include <pdqguard/blocklist.hpp>
#include <pdqguard/image.hpp>
#include <pdqguard/index.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <string>
#include <vector>

using namespace pdqguard;

namespace {

/// A binary PGM of a smooth diagonal gradient with a bright square: an
/// ordinary image, nothing like a near-zero hash.
std::vector<std::uint8_t> gradient_pgm(int w, int h) {
  const std::string head = "P5\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
  std::vector<std::uint8_t> out(head.begin(), head.end());
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const bool square = x > w / 4 && x < w / 2 && y > h / 3 && y < (2 * h) / 3;
      out.push_back(static_cast<std::uint8_t>(square ? 250 : (x * 3 + y * 2) % 200));
    }
  return out;
}

std::shared_ptr<const Matcher> one_list(const std::string& text) {
  std::vector<HashList> lists{parse_list_string(text, "list.csv")};
  return Matcher::build(lists);
}

}  // namespace

TEST_CASE("query_gate: too small never matches, whatever min_quality; unknown quality is not gated") {
  CHECK(query_gate(0, true, 0) == QueryGate::too_small);
  CHECK(query_gate(100, true, 0) == QueryGate::too_small);
  CHECK(query_gate(-1, true, 50) == QueryGate::too_small);
  CHECK(query_gate(49, false, 50) == QueryGate::below_quality);
  CHECK(query_gate(50, false, 50) == QueryGate::none);
  CHECK(query_gate(0, false, 0) == QueryGate::none);
  CHECK(query_gate(-1, false, 100) == QueryGate::none);
  CHECK(std::string(query_gate_name(QueryGate::too_small)) == "too_small");
  CHECK(std::string(query_gate_name(QueryGate::below_quality)) == "below_quality");
}

TEST_CASE("a too-small image never matches the all-zero list entry, even at min_quality 0") {
  // Issue #16: `pdqguard scan --min-quality 0` on a 4x4 image matched an
  // all-zero entry while the C API did not. Now the library decides.
  const auto m = one_list("id,hash\nzero," + std::string(64, '0') + "\n");
  QueryOptions o;
  o.min_quality = 0;
  HashResult tiny;  // what hashing a 4x4 image gives
  tiny.too_small = true;
  const QueryResult r = m->query(tiny, o);
  CHECK(r.gate == QueryGate::too_small);
  CHECK(r.matches.empty());
  CHECK(r.variants == 0);
  // The same through the dihedral and batch paths.
  DihedralResult d = DihedralResult::from_plain(tiny);
  d.has_dihedral = true;
  CHECK(m->query(d, o).gate == QueryGate::too_small);
  CHECK(m->query(d, o).matches.empty());
  const std::vector<QueryHash> batch{{Hash256{}, 0, true}, {Hash256{}, 0, false}};
  const auto rs = m->query_batch(batch, o);
  CHECK(rs[0].gate == QueryGate::too_small);
  CHECK(rs[0].matches.empty());
  CHECK(rs[1].matches.size() == 1);  // a real all-zero hash of quality 0 at min 0 does match
}

TEST_CASE("result order: distance, then list, then id, whatever the slots") {
  // Issue #16: "a" sorts after "b" by slot (its hash has the larger top word),
  // and pdqg_match returned b,a. The promised order is by id.
  const auto m = one_list("id,hash\na,8000000000000000000000000000000000000000000000000000000000000000\n"
                          "b,0000000000000000000000000000000000000000000000000000000000000001\n");
  const QueryResult r = m->query(Hash256{}, QueryOptions{}, -1);
  REQUIRE(r.matches.size() == 2);
  CHECK(r.matches[0].distance == 1);
  CHECK(r.matches[1].distance == 1);
  CHECK(r.matches[0].id == "a");
  CHECK(r.matches[1].id == "b");
  // Lists before ids, and distance first of all.
  std::vector<HashList> lists{
      parse_list_string("id,hash\nz,0000000000000000000000000000000000000000000000000000000000000003\n", "b-list"),
      parse_list_string("id,hash\ny,8000000000000000000000000000000000000000000000000000000000000000\n"
                        "x,0000000000000000000000000000000000000000000000000000000000000000\n",
                        "a-list")};
  const auto m2 = Matcher::build(lists);
  const QueryResult r2 = m2->query(Hash256{}, QueryOptions{}, -1);
  REQUIRE(r2.matches.size() == 3);
  CHECK(r2.matches[0].id == "x");
  CHECK(r2.matches[1].id == "y");
  CHECK(r2.matches[2].id == "z");
  // knn answers in the same order.
  const QueryResult k = m->query_knn(Hash256{}, 2);
  REQUIRE(k.matches.size() == 2);
  CHECK(k.matches[0].id == "a");
}

TEST_CASE("a plain hash_image result is never queried as 8 variants (the README recipe)") {
  // Issue #16: hash_image(...) then m->query(result) searched the 7 zero
  // "variants" of a plain result: a low-popcount entry (000...0003) matched an
  // unrelated image with variant=1, d=2.
  const auto m = one_list("id,hash\nlow,0000000000000000000000000000000000000000000000000000000000000003\n");
  Hasher hasher;
  DecodedImage info;
  const auto bytes = gradient_pgm(96, 80);
  const DihedralResult plain = hash_image(bytes, hasher, info);
  CHECK_FALSE(plain.has_dihedral);
  CHECK(plain.quality >= kDefaultMinQuality);
  const QueryResult r = m->query(plain);
  CHECK(r.gate == QueryGate::none);
  CHECK(r.variants == 1);
  CHECK(r.matches.empty());
  // With dihedral hashing the 8 real variants are searched (and still nothing
  // is near this image), and the variants of a match are reported.
  const DihedralResult all = hash_image(bytes, hasher, info, {}, true);
  CHECK(all.has_dihedral);
  const QueryResult r8 = m->query(all);
  CHECK(r8.variants == 8);
  CHECK(r8.matches.empty());
  std::vector<HashList> lists{parse_list_string("id,hash\nrot," + all[Dihedral::rot90].to_hex() + "\n", "l")};
  const auto m2 = Matcher::build(lists);
  const QueryResult hit = m2->query(all);
  REQUIRE(hit.matches.size() == 1);
  CHECK(hit.matches[0].variant == Dihedral::rot90);
  CHECK(m2->query(plain).matches.size() <= 1);  // the original alone may or may not be near its rotation
}

TEST_CASE("BlocklistSource: strict by default, index + lists overlay, stamps change with the files") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("pdqguard-source-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto write = [](const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary) << text; };
  const std::string h1(64, '1'), h2(64, '2'), h3(64, '3');
  write(dir / "base.txt", h1 + "\n" + h2 + "\n");
  write(dir / "extra.txt", h3 + "\n");
  write(dir / "bad.txt", h3 + "\nnot a hash\n");
  Matcher::build(std::vector<HashList>{parse_list_file((dir / "base.txt").string())})->save((dir / "base.pdqi").string());

  CHECK(LoadOptions{}.parse.policy == ParsePolicy::strict);
  CHECK_THROWS_AS(BlocklistSource({}, {}), Error);
  // Strict by default: one malformed line refuses the list, naming file and line.
  try {
    BlocklistSource({(dir / "bad.txt").string()}).load();
    FAIL("a malformed line was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::list_parse_error);
    CHECK(std::string(e.what()).find("bad.txt:2") != std::string::npos);
  }
  LoadOptions lenient;
  lenient.parse.policy = ParsePolicy::lenient;
  std::vector<HashList> reports;
  CHECK(BlocklistSource({(dir / "bad.txt").string()}, {}, lenient).load(&reports)->entry_count() == 1);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].skipped == 1);
  // An index file plus lists: the lists are added to the index's entries.
  const BlocklistSource both({(dir / "extra.txt").string()}, (dir / "base.pdqi").string());
  const auto m = both.load();
  CHECK(m->entry_count() == 3);
  CHECK(m->query(Hash256::from_hex(h3)).matches.size() == 1);
  CHECK(m->query(Hash256::from_hex(h1)).matches.size() == 1);
  // The change stamp follows the files.
  const std::string before = both.stamp();
  CHECK(before == both.stamp());
  write(dir / "extra.txt", h3 + "\n" + h2 + "\n");
  CHECK(both.stamp() != before);
  fs::remove(dir / "extra.txt");
  CHECK(both.stamp().find("missing") != std::string::npos);
  CHECK_THROWS_AS(both.load(), Error);
  fs::remove_all(dir);
}

TEST_CASE("BlocklistSource: an empty blocklist is an error unless allowed") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("pdqguard-empty-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string empty = (dir / "empty.csv").string(), blank = (dir / "blank.txt").string();
  std::ofstream(empty, std::ios::binary) << "id,hash,label\n";
  std::ofstream(blank, std::ios::binary) << "";
  CHECK_FALSE(LoadOptions{}.allow_empty);
  for (const std::string& p : {empty, blank}) {
    CAPTURE(p);
    try {
      BlocklistSource({p}).load();
      FAIL("an empty list was accepted");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::list_parse_error);
      CHECK(std::string(e.what()).find("0 entries") != std::string::npos);
    }
    LoadOptions allow;
    allow.allow_empty = true;
    CHECK(BlocklistSource({p}, {}, allow).load()->entry_count() == 0);
  }
  CHECK_THROWS_AS(build_matcher_from_files(std::vector<std::string>{empty}), Error);
  fs::remove_all(dir);
}

TEST_CASE("check_reload: empty and over-shrunk reloads are refused") {
  const ReloadPolicy half;  // defaults: 50 %
  CHECK(half.max_shrink_percent == kDefaultMaxShrinkPercent);
  CHECK_NOTHROW(check_reload(0, 0, half, false));  // nothing loaded yet: nothing to protect
  CHECK_NOTHROW(check_reload(100, 50, half, false));
  CHECK_NOTHROW(check_reload(100, 500, half, false));
  CHECK_THROWS_AS(check_reload(100, 49, half, false), Error);
  CHECK_THROWS_AS(check_reload(50001, 12584, half, false), Error);  // issue #21's torn read
  CHECK_THROWS_AS(check_reload(3, 0, half, false), Error);
  ReloadPolicy any;
  any.max_shrink_percent = 100;
  CHECK_NOTHROW(check_reload(100, 1, any, false));
  CHECK_THROWS_AS(check_reload(100, 0, any, false), Error);
  CHECK_NOTHROW(check_reload(100, 0, any, true));
  ReloadPolicy none;
  none.max_shrink_percent = 0;
  CHECK_THROWS_AS(check_reload(100, 99, none, false), Error);
  try {
    check_reload(10, 2, half, false);
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::list_parse_error);
    CHECK(std::string(e.what()).find("from 10 to 2") != std::string::npos);
  }
}

TEST_CASE("ChangeWatcher: due only after the stamp has settled") {
  using namespace std::chrono_literals;
  ChangeWatcher w("a");
  const auto t0 = ChangeWatcher::Clock::now();
  CHECK_FALSE(w.due("a", t0, 100ms));
  CHECK_FALSE(w.due("b", t0, 100ms));           // a change: its settle time starts
  CHECK_FALSE(w.due("b", t0 + 50ms, 100ms));
  CHECK_FALSE(w.due("c", t0 + 120ms, 100ms));   // changed again: starts over
  CHECK_FALSE(w.due("c", t0 + 200ms, 100ms));
  CHECK(w.due("c", t0 + 220ms, 100ms));
  w.settled("c");
  CHECK_FALSE(w.due("c", t0 + 400ms, 100ms));   // loaded (or attempted): not due again
  CHECK(w.due("d", t0 + 400ms, 0ms));           // no settle time: due at once
  CHECK(w.settled_stamp() == "c");
}
