// FAISS comparison on the same data and queries as bench_index (single thread,
// radius 31, exact): IndexBinaryFlat and IndexBinaryMultiHash (11 x 23 bits,
// 2 flips: exact at radius 31 by pigeonhole), with pdqguard's auto matcher run
// in the same process. Each FAISS result set is checked against pdqguard's.
//   ./bench_faiss            (sizes: PDQGUARD_BENCH_SIZES, default 100000,1000000)
#include <benchmark/benchmark.h>

#include "bench_common.hpp"

#include <faiss/IndexBinaryFlat.h>
#include <faiss/IndexBinaryHash.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <memory>

using namespace pdqguard;

namespace {

std::vector<std::uint8_t> codes(const std::vector<Hash256>& hs) {
  std::vector<std::uint8_t> c(hs.size() * 32);
  std::memcpy(c.data(), hs.data(), c.size());
  return c;
}

struct FaissBuilt {
  std::string key;
  std::unique_ptr<faiss::IndexBinary> index;
  double build_s = 0;
  double rss_delta_mb = 0;
};

FaissBuilt& faiss_index(bool clustered, std::size_t n, bool multihash) {
  static FaissBuilt b;
  const auto& d = bench::data(clustered, n);
  const std::string key = d.key + (multihash ? "mh" : "flat");
  if (b.key != key) {
    b = FaissBuilt{};
    const auto c = codes(d.list);
    const double rss0 = bench::rss_mb();
    const auto t0 = std::chrono::steady_clock::now();
    if (multihash) {
      auto* mh = new faiss::IndexBinaryMultiHash(256, 11, 23);
      mh->nflip = 2;
      b.index.reset(mh);
    } else {
      b.index = std::make_unique<faiss::IndexBinaryFlat>(256);
    }
    b.index->add(static_cast<faiss::Index::idx_t>(n), c.data());
    b.build_s = bench::seconds_since(t0);
    b.rss_delta_mb = bench::rss_mb() - rss0;
    b.key = key;
  }
  return b;
}

void bm_faiss(benchmark::State& st, bool clustered, std::size_t n, bool multihash) {
  omp_set_num_threads(1);
  const auto& d = bench::data(clustered, n);
  FaissBuilt& b = faiss_index(clustered, n, multihash);
  const auto qc = codes(d.queries);
  // exactness check against pdqguard on the first 64 queries
  {
    const auto m = Matcher::build_from_hashes(d.list);
    long mismatches = 0;
    for (std::size_t q = 0; q < 64; ++q) {
      faiss::RangeSearchResult res(1);
      b.index->range_search(1, qc.data() + q * 32, bench::kRadius + 1, &res);
      std::vector<Hash256> f;
      for (std::size_t k = res.lims[0]; k < res.lims[1]; ++k) f.push_back(d.list[static_cast<std::size_t>(res.labels[k])]);
      std::vector<Hit> hits;
      m->search_radius(d.queries[q], bench::kRadius, hits);
      std::vector<Hash256> p;
      for (const Hit& h : hits) p.push_back(m->slot_hash(h.slot));
      std::sort(f.begin(), f.end());
      f.erase(std::unique(f.begin(), f.end()), f.end());
      std::sort(p.begin(), p.end());
      if (f != p) ++mismatches;
    }
    st.counters["mismatching_queries_of_64"] = static_cast<double>(mismatches);
  }
  std::size_t i = 0;
  for (auto _ : st) {
    faiss::RangeSearchResult res(1);
    b.index->range_search(1, qc.data() + (i++ % d.queries.size()) * 32, bench::kRadius + 1, &res);
    benchmark::DoNotOptimize(res.lims[1]);
  }
  st.counters["queries/s"] = benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
  st.counters["build_s"] = b.build_s;
  st.counters["index_rss_MB"] = b.rss_delta_mb;
  if (multihash) {
    auto* mh = static_cast<faiss::IndexBinaryMultiHash*>(b.index.get());
    st.counters["hashtable_entries"] = static_cast<double>(mh->hashtable_size());
  }
}

void register_all() {
  for (std::size_t n : bench::sizes())
    for (bool clustered : {false, true}) {
      const std::string base = std::string(clustered ? "clustered" : "uniform") + "/" + std::to_string(n);
      benchmark::RegisterBenchmark(("faiss_flat/" + base).c_str(), bm_faiss, clustered, n, false)
          ->Unit(benchmark::kMicrosecond)
          ->MinTime(0.5);
      benchmark::RegisterBenchmark(("faiss_multihash_11x23_2flips/" + base).c_str(), bm_faiss, clustered, n, true)
          ->Unit(benchmark::kMicrosecond)
          ->MinTime(0.5);
    }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
