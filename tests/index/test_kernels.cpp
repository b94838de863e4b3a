// The search kernels of every SIMD path (lib/simd's KernelTable) against the
// scalar path's, and matching's use of the one SIMD dispatch (force_isa and
// PDQGUARD_ISA choose the kernels of hashing and matching alike).
#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/index.hpp>

#include "common/isa.hpp"
#include "index/core.hpp"
#include "index/synth.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tuple>

using namespace pdqguard;

namespace {

void sort_hits(std::vector<Hit>& v) {
  std::sort(v.begin(), v.end(), [](const Hit& x, const Hit& y) {
    return std::tie(x.query, x.slot, x.distance) < std::tie(y.query, y.slot, y.distance);
  });
}

}  // namespace

TEST_CASE("every flat kernel this CPU runs equals the scalar one") {
  const auto list = synth::clustered(1003, 17);  // not a multiple of 4 or 8: the tails run too
  const auto qs = synth::queries(list, 19, 50, 4);
  const detail::KernelTable& ref = detail::kernels_for(Isa::scalar);
  CHECK(std::string(ref.flat.name) == "scalar");
  for (Isa isa : test::isas_here()) {
    const detail::FlatKernels& k = detail::kernels_for(isa).flat;
    for (int r : {0, 10, 31, 64, 128, 256}) {
      std::vector<Hit> a, b;
      ref.flat.radius(list.data(), list.size(), qs.data(), qs.size(), r, a);
      k.radius(list.data(), list.size(), qs.data(), qs.size(), r, b);
      sort_hits(a);
      sort_hits(b);
      CHECK_MESSAGE(a == b, k.name, " r=", r);
      if (r == 256) CHECK(b.size() == list.size() * qs.size());  // every pair is a hit
    }
  }
}

TEST_CASE("every MIH and BK-tree query loop this CPU runs equals the scalar one") {
  auto list = synth::clustered(3001, 29, 8, 20);
  list.push_back(list[5]);  // a shared substring value in every MIH table
  list.push_back(Hash256{});
  const auto qs = synth::queries(list, 24, 40, 8);
  const detail::View<Hash256> hs{list.data(), list.size()};
  detail::MihOwned owned;
  detail::MihView mih;
  detail::mih_build(hs, detail::mih_choose(list.size(), 0), owned, mih);
  detail::BigVec<detail::BkNode> bk_nodes;
  detail::bk_build(hs, bk_nodes);
  const detail::View<detail::BkNode> bk{bk_nodes.data(), bk_nodes.size()};
  const detail::KernelTable& ref = detail::kernels_for(Isa::scalar);
  for (int r : {0, 4, 15, 31, 40}) {
    std::vector<Hit> flat;
    ref.flat.radius(list.data(), list.size(), qs.data(), qs.size(), r, flat);
    sort_hits(flat);
    for (Isa isa : test::isas_here()) {
      const detail::KernelTable& k = detail::kernels_for(isa);
      std::vector<Hit> m, b;
      k.mih_radius(mih, hs, qs.data(), qs.size(), r, m);
      k.bk_radius(bk, hs, qs.data(), qs.size(), r, b);
      sort_hits(m);
      sort_hits(b);
      CHECK_MESSAGE(m == flat, "mih, path ", isa_name(isa), " r=", r);
      CHECK_MESSAGE(b == flat, "bktree, path ", isa_name(isa), " r=", r);
    }
  }
}

TEST_CASE("the scalar path searches with the portable loops, the SIMD paths with popcount ones") {
  const detail::KernelTable& s = detail::kernels_for(Isa::scalar);
  CHECK((s.mih_radius == &detail::mih_radius_generic));
  CHECK((s.bk_radius == &detail::bk_radius_generic));
  for (Isa isa : test::isas_here()) {
    if (isa == Isa::scalar) continue;
    const detail::KernelTable& k = detail::kernels_for(isa);
    CHECK(k.isa == isa);
    CHECK((k.mih_radius != s.mih_radius));
    CHECK((k.flat.radius != s.flat.radius));
  }
}

TEST_CASE("matching uses the active path's kernels (force_isa, PDQGUARD_TEST_ISA)") {
  const Isa isa = active_isa();
  const detail::KernelTable& k = detail::active_kernels();
  CHECK(k.isa == isa);
  CHECK(&k == &detail::kernels_for(isa));
  CHECK(std::strcmp(detail::flat_kernels().name, k.flat.name) == 0);
  if (const char* forced = std::getenv("PDQGUARD_TEST_ISA"); forced != nullptr && *forced != '\0')
    CHECK(std::string(isa_name(isa)) == forced);
  BuildOptions bo;
  bo.kind = IndexKind::flat;
  const auto m = Matcher::build_from_hashes(synth::uniform(100, 3), bo);
  const std::string d = m->describe();
  CHECK_MESSAGE(d.find(std::string("flat scan (") + k.flat.name + ")") != std::string::npos, d);
}

// Run by CTest with PDQGUARD_ISA set (tests/index/CMakeLists.txt): skipped in
// the ordinary runs, where the variable is not set.
TEST_CASE("PDQGUARD_ISA is read once and chooses hashing and matching alike" * doctest::skip()) {
  const char* env = std::getenv("PDQGUARD_ISA");
  REQUIRE(env != nullptr);
  const auto m = Matcher::build_from_hashes(synth::uniform(3000, 5), BuildOptions{});
  const Hash256 q = synth::uniform(1, 6)[0];
  std::vector<Hit> out;
  bool valid = true;
  try {
    valid = isa_supported(parse_isa(env));
  } catch (const Error&) {
    valid = false;
  }
  if (valid) {
    CHECK(std::string(isa_name(active_isa())) == env);
    CHECK(&detail::active_kernels() == &detail::kernels_for(parse_isa(env)));
    m->search_radius(q, 31, out);  // no throw
  } else {
    // An unknown or unrunnable path fails every call that needs a kernel, the
    // same way each time: matching never falls back to some other path quietly.
    for (int i = 0; i < 2; ++i) {
      try {
        m->search_radius(q, 31, out);
        FAIL("a query ran although PDQGUARD_ISA=", env, " cannot be honoured");
      } catch (const Error& e) {
        CHECK(e.code() == ErrorCode::unsupported_isa);
        CHECK(std::string(e.what()).find(env) != std::string::npos);
      }
    }
    CHECK_THROWS_AS(active_isa(), Error);
  }
}
