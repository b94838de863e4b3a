// Readers query through a MatcherHandle while a writer swaps and updates it:
// every query sees one consistent Matcher (old or new), never a mixture.
#include <doctest/doctest.h>

#include <pdqguard/index.hpp>

#include "index/synth.hpp"

#include <atomic>
#include <thread>

using namespace pdqguard;

TEST_CASE("queries in flight finish on the matcher they started on") {
  const auto a = synth::uniform(3000, 1);
  const auto b = synth::uniform(3000, 2);
  const std::vector<HashList> la{{"A", ListFormat::plain, {}, 0, 0, 0, {}}};
  auto ma = Matcher::build_from_hashes(a, {}, "A");
  auto mb = Matcher::build_from_hashes(b, {}, "B");
  MatcherHandle handle(ma);
  std::atomic<bool> stop{false};
  std::atomic<long> queries{0}, bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      std::size_t i = static_cast<std::size_t>(t);
      while (!stop.load(std::memory_order_relaxed)) {
        const auto snap = handle.get();
        const std::string name = snap->list_names().front();
        const auto& src = name == "A" ? a : b;
        const auto r = snap->query(src[i % src.size()]);
        // the hash of the snapshot's own list must match, with that list's name
        if (r.matches.empty() || r.matches[0].list != name || r.matches[0].distance != 0) ++bad;
        ++queries;
        i += 7;
      }
    });
  }
  for (int k = 0; k < 200; ++k) {
    handle.store(k % 2 == 0 ? mb : ma);
    MatcherUpdate up;
    up.add.push_back(HashList{"extra", ListFormat::plain, {ListEntry{synth::uniform(1, 100 + static_cast<std::uint64_t>(k))[0], "1", "", "", -1, 1}}, 0, 0, 0, {}});
    handle.update(up);
  }
  while (queries.load() < 2000) std::this_thread::yield();
  stop = true;
  for (auto& th : readers) th.join();
  CHECK(bad.load() == 0);
  CHECK(queries.load() >= 2000);
  (void)la;
}
