// Fuzz target: hash-list parsing (plain, CSV/TSV, threatexchange) in both
// policies, then building a Matcher from whatever parsed and querying it.
#include <pdqguard/error.hpp>
#include <pdqguard/index.hpp>

#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto policy : {pdqguard::ParsePolicy::strict, pdqguard::ParsePolicy::lenient}) {
    pdqguard::ParseOptions opts;
    opts.policy = policy;
    opts.max_problems_kept = 16;
    try {
      pdqguard::HashList list = pdqguard::parse_list_string(text, "fuzz.txt", opts);
      if (list.problems.size() > 16) std::abort();
      if (policy == pdqguard::ParsePolicy::strict && list.skipped != 0) std::abort();
      const pdqguard::HashList lists[] = {std::move(list)};
      auto m = pdqguard::Matcher::build(lists);
      pdqguard::Hash256 q;
      if (!lists[0].entries.empty()) q = lists[0].entries.front().hash;
      const auto r = m->query(q);
      if (!lists[0].entries.empty() && r.matches.empty()) std::abort();  // its own hash must match
    } catch (const pdqguard::Error& e) {
      if (e.code() != pdqguard::ErrorCode::list_parse_error) std::abort();
    }
  }
  return 0;
}
