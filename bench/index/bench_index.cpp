// Matching throughput (single thread, radius 31) per index kind, list size and
// list shape; build time, index memory, file open time, dihedral images/s.
//   PDQGUARD_BENCH_SIZES=100000,1000000,10000000 ./bench_index
#include <benchmark/benchmark.h>

#include "bench_common.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string_view>
#include <unistd.h>

using namespace pdqguard;

namespace {

struct Built {
  std::string key;
  std::shared_ptr<const Matcher> m;
  double build_s = 0;
  double build_cpu_s = 0;
};

const Built& built(bool clustered, std::size_t n, IndexKind kind) {
  static Built b;
  const auto& d = bench::data(clustered, n);
  const std::string key = d.key + index_kind_name(kind);
  if (b.key != key) {
    b = Built{};
    BuildOptions o;
    o.kind = kind;
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = bench::thread_cpu_seconds();
    b.m = Matcher::build_from_hashes(d.list, o);
    b.build_cpu_s = bench::thread_cpu_seconds() - c0;
    b.build_s = bench::seconds_since(t0);
    b.key = key;
  }
  return b;
}

void set_common(benchmark::State& st, const Built& b, std::size_t n) {
  st.counters["build_s"] = b.build_s;
  st.counters["build_cpu_s_per_M"] = b.build_cpu_s / (static_cast<double>(n) / 1e6);
  const IndexInfo in = b.m->info();
  // index = hashes + search structure; entries (ids, labels) are reported apart
  const double entries_mb = static_cast<double>(n) * (16 + 4) / 1e6;
  st.counters["mem_MB"] = static_cast<double>(in.memory_bytes) / 1e6;
  st.counters["index_MB"] = static_cast<double>(in.memory_bytes) / 1e6 - entries_mb;
  st.SetLabel(b.m->describe());
}

void bm_query(benchmark::State& st, bool clustered, std::size_t n, IndexKind kind, int radius) {
  const auto& d = bench::data(clustered, n);
  const Built& b = built(clustered, n, kind);
  std::vector<Hit> hits;
  std::size_t i = 0, total = 0;
  for (auto _ : st) {
    hits.clear();
    b.m->search_radius(d.queries[i++ % d.queries.size()], radius, hits);
    total += hits.size();
    benchmark::DoNotOptimize(hits.data());
  }
  st.counters["queries/s"] = benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
  st.counters["hits/query"] = static_cast<double>(total) / static_cast<double>(st.iterations());
  set_common(st, b, n);
}

void bm_batch8(benchmark::State& st, bool clustered, std::size_t n, IndexKind kind) {
  const auto& d = bench::data(clustered, n);
  const Built& b = built(clustered, n, kind);
  std::vector<Hit> hits;
  std::size_t i = 0;
  for (auto _ : st) {
    hits.clear();
    const std::size_t at = (i += 8) % (d.queries.size() - 8);
    b.m->search_radius_batch(std::span<const Hash256>(d.queries.data() + at, 8), bench::kRadius, hits);
    benchmark::DoNotOptimize(hits.data());
  }
  st.counters["queries/s"] =
      benchmark::Counter(static_cast<double>(st.iterations()) * 8, benchmark::Counter::kIsRate);
  set_common(st, b, n);
}

// One image = its 8 dihedral hashes (one of them planted near a list hash).
void bm_dihedral(benchmark::State& st, bool clustered, std::size_t n, IndexKind kind) {
  const auto& d = bench::data(clustered, n);
  const Built& b = built(clustered, n, kind);
  std::vector<DihedralResult> imgs(256);
  for (std::size_t k = 0; k < imgs.size(); ++k) {
    for (std::size_t v = 0; v < 8; ++v) imgs[k].hashes[v] = d.queries[(k * 8 + v * 2 + 1) % d.queries.size()];
    imgs[k].hashes[k % 8] = d.queries[(k * 2) % d.queries.size()];  // planted
    imgs[k].quality = 100;
    imgs[k].has_dihedral = true;  // hand-filled variants: mark them real
  }
  std::size_t i = 0, matches = 0;
  for (auto _ : st) {
    const QueryResult r = b.m->query(imgs[i++ % imgs.size()]);
    matches += r.matches.size();
  }
  st.counters["images/s"] = benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
  st.counters["matches/image"] = static_cast<double>(matches) / static_cast<double>(st.iterations());
  set_common(st, b, n);
}

void bm_open(benchmark::State& st, bool clustered, std::size_t n, IndexKind kind, bool verify) {
  const Built& b = built(clustered, n, kind);
  const std::string path = "/tmp/pdqguard_bench_" + std::to_string(::getpid()) + ".pdqidx";
  b.m->save(path);
  OpenOptions o;
  o.verify_checksum = verify;
  const auto& d = bench::data(clustered, n);
  for (auto _ : st) {
    auto m = Matcher::open(path, o);
    std::vector<Hit> hits;
    m->search_radius(d.queries[0], bench::kRadius, hits);  // ready to answer
    benchmark::DoNotOptimize(hits.data());
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f != nullptr) {
    std::fseek(f, 0, SEEK_END);
    st.counters["file_MB"] = static_cast<double>(std::ftell(f)) / 1e6;
    std::fclose(f);
  }
  std::remove(path.c_str());
}

// Queries on an index opened from its file: mapped as is, or copied to huge pages.
void bm_query_opened(benchmark::State& st, bool clustered, std::size_t n, IndexKind kind, bool copy) {
  const Built& b = built(clustered, n, kind);
  const auto& d = bench::data(clustered, n);
  const std::string path = "/tmp/pdqguard_bench_q_" + std::to_string(::getpid()) + ".pdqidx";
  b.m->save(path);
  OpenOptions o;
  o.copy_to_memory = copy;
  const auto t0 = std::chrono::steady_clock::now();
  auto m = Matcher::open(path, o);
  st.counters["open_s"] = bench::seconds_since(t0);
  std::vector<Hit> hits;
  std::size_t i = 0;
  for (auto _ : st) {
    hits.clear();
    m->search_radius(d.queries[i++ % d.queries.size()], bench::kRadius, hits);
    benchmark::DoNotOptimize(hits.data());
  }
  st.counters["queries/s"] = benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
  m.reset();
  std::remove(path.c_str());
}

// Like for like with the CLI (`match --index FILE --hashes QUERIES`): its own index
// file and query file, set by PDQGUARD_BENCH_INDEX_FILE and PDQGUARD_BENCH_QUERY_FILE
// (one 64-hex hash per line), cycled through Matcher::query as the CLI's worker does.
void bm_query_file(benchmark::State& st, const std::string& index_path, const std::string& query_path) {
  auto m = Matcher::open(index_path);
  std::vector<Hash256> qs;
  std::ifstream f(query_path);
  for (std::string line; std::getline(f, line);)
    if (line.size() >= 64) qs.push_back(Hash256::from_hex(std::string_view(line).substr(0, 64)));
  if (qs.empty()) {
    st.SkipWithError("no queries");
    return;
  }
  QueryOptions o;
  o.radius = bench::kRadius;
  std::size_t i = 0, matches = 0;
  for (auto _ : st) {
    const QueryResult r = m->query(qs[i++ % qs.size()], o);
    matches += r.matches.size();
  }
  st.counters["queries/s"] = benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
  st.counters["matches/query"] = static_cast<double>(matches) / static_cast<double>(st.iterations());
  st.counters["distinct_queries"] = static_cast<double>(qs.size());
}

void register_all() {
  const char* qi = std::getenv("PDQGUARD_BENCH_INDEX_FILE");
  const char* qq = std::getenv("PDQGUARD_BENCH_QUERY_FILE");
  if (qi != nullptr && qq != nullptr)
    benchmark::RegisterBenchmark("query_file", bm_query_file, std::string(qi), std::string(qq))
        ->Unit(benchmark::kMicrosecond)
        ->MinTime(1.0);
  for (std::size_t n : bench::sizes()) {
    for (bool clustered : {false, true}) {
      const std::string shape = clustered ? "clustered" : "uniform";
      for (IndexKind kind : {IndexKind::automatic, IndexKind::mih, IndexKind::flat, IndexKind::bktree}) {
        if (kind == IndexKind::bktree && n > 1000000) continue;  // ~1 query/s at 10M
        if (kind == IndexKind::mih) continue;  // auto picks mih at radius 31; see the label
        const std::string base = shape + "/" + index_kind_name(kind) + "/" + std::to_string(n);
        const double min_time = kind == IndexKind::automatic ? 1.0 : 0.5;
        benchmark::RegisterBenchmark(("query/" + base + "/r31").c_str(), bm_query, clustered, n, kind, 31)
            ->Unit(benchmark::kMicrosecond)
            ->MinTime(min_time);
        if (!clustered && (kind == IndexKind::automatic || kind == IndexKind::flat))
          for (int r : {45, 64})
            benchmark::RegisterBenchmark(("query/" + base + "/r" + std::to_string(r)).c_str(), bm_query, clustered,
                                         n, kind, r)
                ->Unit(benchmark::kMicrosecond)
                ->MinTime(0.5);
        if (kind == IndexKind::bktree) continue;
        benchmark::RegisterBenchmark(("batch8/" + base).c_str(), bm_batch8, clustered, n, kind)
            ->Unit(benchmark::kMicrosecond)
            ->MinTime(min_time);
        if (kind != IndexKind::automatic) continue;
        benchmark::RegisterBenchmark(("dihedral/" + base).c_str(), bm_dihedral, clustered, n, kind)
            ->Unit(benchmark::kMicrosecond)
            ->MinTime(min_time);
        if (clustered) continue;
        benchmark::RegisterBenchmark(("open_verified/" + base).c_str(), bm_open, clustered, n, kind, true)
            ->Unit(benchmark::kMillisecond)
            ->Iterations(3);
        benchmark::RegisterBenchmark(("open_unverified/" + base).c_str(), bm_open, clustered, n, kind, false)
            ->Unit(benchmark::kMillisecond)
            ->Iterations(3);
        benchmark::RegisterBenchmark(("query_opened_mapped/" + base).c_str(), bm_query_opened, clustered, n, kind,
                                     false)
            ->Unit(benchmark::kMicrosecond)
            ->MinTime(1.0);
        benchmark::RegisterBenchmark(("query_opened_copied/" + base).c_str(), bm_query_opened, clustered, n, kind,
                                     true)
            ->Unit(benchmark::kMicrosecond)
            ->MinTime(1.0);
      }
    }
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
