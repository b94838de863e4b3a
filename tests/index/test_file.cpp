// Index files: round trip for every kind; truncated, corrupted, wrong-version,
// wrong-checksum and overflowing files are refused with index_corrupt.
#include <doctest/doctest.h>

#include <pdqguard/hasher.hpp>
#include <pdqguard/index.hpp>

#include "index/checksum.hpp"
#include "index/synth.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <unistd.h>
#include <xxhash.h>

using namespace pdqguard;

namespace {

// The suite runs once per SIMD path, in parallel, in one directory: the process id keeps
// one run from truncating a file that another has mapped (SIGBUS).
std::string tmp_path(const char* tag) {
  return std::string("test_index_") + tag + "_" + std::to_string(getpid()) + ".pdqidx";
}


std::shared_ptr<const Matcher> sample(IndexKind kind) {
  auto hs = synth::clustered(3000, 31);
  hs.push_back(hs[5]);
  hs.push_back(Hash256{});
  std::vector<HashList> lists(2);
  lists[0].name = "alpha";
  lists[1].name = "beta";
  for (std::size_t i = 0; i < hs.size(); ++i) {
    ListEntry e;
    e.hash = hs[i];
    e.id = i % 3 == 0 ? "id-" + std::to_string(i) : std::to_string(i + 1);
    e.label = i % 5 == 0 ? "label" + std::to_string(i % 7) : "";
    e.quality = i % 2 == 0 ? 90 : -1;
    lists[i % 2].entries.push_back(e);
  }
  BuildOptions bo;
  bo.kind = kind;
  return Matcher::build(lists, bo);
}

void expect_corrupt(const std::string& p, const char* what) {
  try {
    Matcher::open(p);
    FAIL("opened a damaged file: ", what);
  } catch (const Error& e) {
    CHECK_MESSAGE(e.code() == ErrorCode::index_corrupt, what, ": ", e.what());
  }
}

}  // namespace

TEST_CASE("save and open give identical answers for every kind") {
  for (IndexKind kind : {IndexKind::automatic, IndexKind::flat, IndexKind::bktree, IndexKind::mih}) {
    const auto m = sample(kind);
    const std::string p = tmp_path(index_kind_name(kind));
    m->save(p);
    OpenOptions copy;
    copy.copy_to_memory = true;
    const auto o = Matcher::open(p, kind == IndexKind::mih || kind == IndexKind::bktree ? copy : OpenOptions{});
    CHECK(o->kind() == kind);
    CHECK(o->slot_count() == m->slot_count());
    CHECK(o->entry_count() == m->entry_count());
    CHECK(o->list_names() == m->list_names());
    const auto qs = synth::queries(synth::clustered(3000, 31), 30, 40, 5);
    for (int r : {0, 8, 31, 50}) {
      for (const auto& q : qs) {
        QueryOptions opt;
        opt.radius = r;
        const auto a = m->query(q, opt), b = o->query(q, opt);
        REQUIRE(a.matches.size() == b.matches.size());
        for (std::size_t i = 0; i < a.matches.size(); ++i) {
          CHECK(a.matches[i].list == b.matches[i].list);
          CHECK(a.matches[i].id == b.matches[i].id);
          CHECK(a.matches[i].label == b.matches[i].label);
          CHECK(a.matches[i].hash == b.matches[i].hash);
          CHECK(a.matches[i].distance == b.matches[i].distance);
        }
      }
    }
    const IndexInfo in = index_file_info(p);
    CHECK(in.format_version == kIndexFormatVersion);
    CHECK(in.kind == kind);
    CHECK(in.slots == m->slot_count());
    CHECK(in.entries == m->entry_count());
    REQUIRE(in.lists.size() == 2);
    CHECK(in.lists[0].name == "alpha");
    CHECK(in.lists[0].entries + in.lists[1].entries == in.entries);
    CHECK(in.file_size > 0);
    const IndexInfo v = verify_index_file(p);
    CHECK(v.checksum == in.checksum);
    std::remove(p.c_str());
  }
}

TEST_CASE("damaged index files are refused, never crash") {
  const std::string good = tmp_path("good");
  sample(IndexKind::automatic)->save(good);
  const std::vector<char> bytes = synth::read_all(good);
  const std::string bad = tmp_path("bad");

  SUBCASE("truncated at many lengths") {
    for (std::size_t len : {std::size_t{0}, std::size_t{7}, std::size_t{64}, std::size_t{127}, std::size_t{128},
                            std::size_t{200}, bytes.size() / 2, bytes.size() - 1}) {
      synth::write_all(bad, std::vector<char>(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len)));
      expect_corrupt(bad, "truncated");
      CHECK_THROWS_AS(verify_index_file(bad), Error);
    }
  }
  SUBCASE("trailing bytes") {
    auto b = bytes;
    b.push_back('x');
    synth::write_all(bad, b);
    expect_corrupt(bad, "trailing");
  }
  SUBCASE("a flipped bit anywhere is caught by a checksum") {
    std::mt19937_64 rng(5);
    for (int i = 0; i < 60; ++i) {
      auto b = bytes;
      const std::size_t at = i < 20 ? static_cast<std::size_t>(i) * 6 : rng() % b.size();
      b[at] = static_cast<char>(b[at] ^ (1 << (rng() % 8)));
      synth::write_all(bad, b);
      expect_corrupt(bad, "flipped bit");
      CHECK_THROWS_AS(verify_index_file(bad), Error);
    }
  }
  SUBCASE("wrong magic, version, endianness") {
    auto b = bytes;
    b[0] = 'X';
    synth::write_all(bad, b);
    expect_corrupt(bad, "magic");
    b = bytes;
    b[8] = 2;  // version 2 (header checksum also mismatches, but the version is reported first)
    synth::write_all(bad, b);
    try {
      Matcher::open(bad);
      FAIL("opened");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("format version 2") != std::string::npos);
    }
    b = bytes;
    std::swap(b[12], b[15]);
    std::swap(b[13], b[14]);
    synth::write_all(bad, b);
    expect_corrupt(bad, "endianness");
  }
  SUBCASE("consistent checksums but overflowing counts") {
    // Forge a header whose own checksum is right but whose counts are absurd.
    auto b = bytes;
    std::uint64_t huge = 0xffffffffffffull;
    std::memcpy(b.data() + 48, &huge, 8);  // slots
    std::uint64_t zero = 0;
    std::memcpy(b.data() + 32, &zero, 8);
    const std::uint64_t hh = XXH3_64bits(b.data(), 128);
    std::memcpy(b.data() + 32, &hh, 8);
    synth::write_all(bad, b);
    expect_corrupt(bad, "overflowing count");
  }
  SUBCASE("not an index at all") {
    synth::write_all(bad, std::vector<char>(4096, 'a'));
    expect_corrupt(bad, "text");
  }
  SUBCASE("missing file is an io_error") {
    try {
      Matcher::open("/nonexistent/x.pdqidx");
      FAIL("opened");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::io_error);
    }
  }
  std::remove(bad.c_str());
  std::remove(good.c_str());
}

TEST_CASE("index checksum: the vector paths give libxxhash's XXH3-64 for every length and alignment") {
  std::vector<std::uint8_t> buf(1 << 20);
  std::uint64_t x = 0x243F6A8885A308D3ull;
  for (auto& b : buf) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    b = static_cast<std::uint8_t>(x);
  }
  for (std::size_t off : {0, 1, 7, 33}) {
    for (std::size_t n : {0, 1, 3, 16, 17, 128, 129, 240, 241, 1024, 4095, 65536, 1000003}) {
      if (off + n > buf.size()) continue;
      CAPTURE(off);
      CAPTURE(n);
      const std::uint64_t want = XXH3_64bits(buf.data() + off, n);
      CHECK(pdqguard::detail::checksum64(buf.data() + off, n) == want);
      if (pdqguard::isa_supported(pdqguard::Isa::avx2))
        CHECK(pdqguard::detail::checksum64_avx2(buf.data() + off, n) == want);
      if (pdqguard::isa_supported(pdqguard::Isa::avx512))
        CHECK(pdqguard::detail::checksum64_avx512(buf.data() + off, n) == want);
    }
  }
}
