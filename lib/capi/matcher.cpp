// C API: the matcher handle — loading lists/index files, atomic reload, queries.
#include "capi/common.hpp"
#include "capi/convert.hpp"

#include <pdqguard/blocklist.hpp>
#include <pdqguard/index.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

static_assert(static_cast<int>(pdqguard::IndexKind::automatic) == PDQG_INDEX_AUTO);
static_assert(static_cast<int>(pdqguard::IndexKind::flat) == PDQG_INDEX_FLAT);
static_assert(static_cast<int>(pdqguard::IndexKind::bktree) == PDQG_INDEX_BKTREE);
static_assert(static_cast<int>(pdqguard::IndexKind::mih) == PDQG_INDEX_MIH);
static_assert(static_cast<int>(pdqguard::QueryGate::none) == PDQG_GATE_NONE);
static_assert(static_cast<int>(pdqguard::QueryGate::too_small) == PDQG_GATE_TOO_SMALL);
static_assert(static_cast<int>(pdqguard::QueryGate::below_quality) == PDQG_GATE_BELOW_QUALITY);

namespace pdqguard::capi {
namespace {

/// One matcher parameter: its C name, bounds and default, all taken from the
/// library's own constants and option defaults (never restated here).
struct ParamInfo {
  int param;
  const char* name;
  std::int64_t lower, upper, fallback;
  bool read_only;
};

constexpr std::int64_t kInt64Max = INT64_MAX;
constexpr std::int64_t kSizeMax = SIZE_MAX > static_cast<std::uint64_t>(INT64_MAX)
                                      ? INT64_MAX
                                      : static_cast<std::int64_t>(SIZE_MAX);

const ParamInfo* param_info(int param) noexcept {
  static const LoadOptions kLoad{};
  static const QueryOptions kQuery{};
  static const ReloadPolicy kReload{};
  static const ParamInfo kParams[] = {
      {PDQG_MATCHER_THRESHOLD, "threshold", kMinRadius, kMaxRadius, kQuery.radius, false},
      {PDQG_MATCHER_MIN_QUALITY, "min_quality", kMinMinQuality, kMaxMinQuality, kQuery.min_quality, false},
      {PDQG_MATCHER_DIHEDRAL, "dihedral", 0, 1, 0, false},
      {PDQG_MATCHER_INDEX_KIND, "index_kind", PDQG_INDEX_AUTO, PDQG_INDEX_MIH, static_cast<int>(kLoad.build.kind),
       false},
      {PDQG_MATCHER_MAX_MATCHES, "max_matches", 0, kInt64Max, static_cast<std::int64_t>(kQuery.max_matches), false},
      {PDQG_MATCHER_LENIENT, "lenient", 0, 1, kLoad.parse.policy == ParsePolicy::lenient ? 1 : 0, false},
      {PDQG_MATCHER_VERIFY_CHECKSUM, "verify_checksum", 0, 1, kLoad.open.verify_checksum ? 1 : 0, false},
      {PDQG_MATCHER_ENTRIES, "entries", 0, kInt64Max, 0, true},
      {PDQG_MATCHER_HASHES, "hashes", 0, kInt64Max, 0, true},
      {PDQG_MATCHER_GENERATION, "generation", 0, kInt64Max, 0, true},
      {PDQG_MATCHER_MAX_LIST_BYTES, "max_list_bytes", 0, kInt64Max,
       static_cast<std::int64_t>(kLoad.parse.max_list_bytes), false},
      {PDQG_MATCHER_MAX_LINE_BYTES, "max_line_bytes", 0, kSizeMax,
       static_cast<std::int64_t>(kLoad.parse.max_line_bytes), false},
      {PDQG_MATCHER_ALLOW_EMPTY, "allow_empty", 0, 1, kLoad.allow_empty ? 1 : 0, false},
      {PDQG_MATCHER_SETTLE_MS, "settle_ms", 0, kMaxSettleMs, kReload.settle.count(), false},
      {PDQG_MATCHER_MAX_SHRINK_PERCENT, "max_shrink_percent", 0, kMaxMaxShrinkPercent, kReload.max_shrink_percent,
       false},
  };
  for (const ParamInfo& p : kParams)
    if (p.param == param) return &p;
  return nullptr;
}

std::int64_t default_of(int param) noexcept { return param_info(param)->fallback; }

}  // namespace
}  // namespace pdqguard::capi

/// The opaque matcher: atomic options (initialised from the parameter table),
/// the current Matcher (swapped atomically by MatcherHandle), the source of the
/// last successful load and its change stamp, an error slot.
struct pdqg_matcher {
  std::atomic<int> threshold{static_cast<int>(pdqguard::capi::default_of(PDQG_MATCHER_THRESHOLD))};
  std::atomic<int> min_quality{static_cast<int>(pdqguard::capi::default_of(PDQG_MATCHER_MIN_QUALITY))};
  std::atomic<int> dihedral{static_cast<int>(pdqguard::capi::default_of(PDQG_MATCHER_DIHEDRAL))};
  std::atomic<int> kind{static_cast<int>(pdqguard::capi::default_of(PDQG_MATCHER_INDEX_KIND))};
  std::atomic<std::int64_t> max_matches{pdqguard::capi::default_of(PDQG_MATCHER_MAX_MATCHES)};
  std::atomic<int> lenient{static_cast<int>(pdqguard::capi::default_of(PDQG_MATCHER_LENIENT))};
  std::atomic<int> verify_checksum{static_cast<int>(pdqguard::capi::default_of(PDQG_MATCHER_VERIFY_CHECKSUM))};
  std::atomic<std::uint64_t> max_list_bytes{
      static_cast<std::uint64_t>(pdqguard::capi::default_of(PDQG_MATCHER_MAX_LIST_BYTES))};
  std::atomic<std::uint64_t> max_line_bytes{
      static_cast<std::uint64_t>(pdqguard::capi::default_of(PDQG_MATCHER_MAX_LINE_BYTES))};
  std::atomic<int> allow_empty{static_cast<int>(pdqguard::capi::default_of(PDQG_MATCHER_ALLOW_EMPTY))};
  std::atomic<std::int64_t> settle_ms{pdqguard::capi::default_of(PDQG_MATCHER_SETTLE_MS)};
  std::atomic<int> max_shrink_percent{
      static_cast<int>(pdqguard::capi::default_of(PDQG_MATCHER_MAX_SHRINK_PERCENT))};
  std::atomic<std::uint64_t> generation{0};

  pdqguard::MatcherHandle current;

  std::mutex load_mu;  ///< serialises loads; guards `source` and `watcher`
  std::optional<pdqguard::BlocklistSource> source;
  /// The settle rule over source->stamp(): settled at the stamp taken before the
  /// last load or reload attempt.
  pdqguard::ChangeWatcher watcher;

  std::mutex error_mu;  ///< guards `error` (loads and sets may race each other)
  pdqguard::capi::ErrorSlot error;

  int fail(pdqguard::ErrorCode code, const std::string& msg) noexcept {
    std::lock_guard<std::mutex> lock(error_mu);
    return pdqguard::capi::fail(&error, code, msg);
  }
};

namespace pdqguard::capi {

namespace {

/// The load parameters as the library's LoadOptions (defaults: the table's).
LoadOptions load_options(const pdqg_matcher& m) {
  LoadOptions o;
  o.parse.policy = m.lenient.load() ? ParsePolicy::lenient : ParsePolicy::strict;
  o.parse.max_list_bytes = m.max_list_bytes.load();
  o.parse.max_line_bytes = static_cast<std::size_t>(m.max_line_bytes.load());
  o.build.kind = static_cast<IndexKind>(m.kind.load());
  o.open.verify_checksum = m.verify_checksum.load() != 0;
  o.allow_empty = m.allow_empty.load() != 0;
  return o;
}

ReloadPolicy reload_policy(const pdqg_matcher& m) {
  ReloadPolicy p;
  p.settle = std::chrono::milliseconds(m.settle_ms.load());
  p.max_shrink_percent = m.max_shrink_percent.load();
  return p;
}

/// Loads the sources through BlocklistSource, swaps the result in and
/// remembers the source; on any failure nothing changes. A reload (`reload`)
/// must also pass check_reload against the current list. Called with m.load_mu held.
int load_locked(pdqg_matcher& m, std::vector<std::string> lists, std::string index, bool reload) {
  try {
    BlocklistSource source(std::move(lists), std::move(index), load_options(m));
    std::string stamp = source.stamp();  // before reading: a change while reading reloads again
    std::shared_ptr<const Matcher> fresh = source.load();
    if (reload) {
      const std::shared_ptr<const Matcher> old = m.current.get();
      check_reload(old ? old->entry_count() : 0, fresh->entry_count(), reload_policy(m),
                   source.options().allow_empty);
    }
    m.current.store(std::move(fresh));  // the atomic swap; the old list lives on in queries
    m.generation.fetch_add(1);
    m.source = std::move(source);
    m.watcher.settled(std::move(stamp));
    return 0;
  } catch (const Error& e) {
    return m.fail(e.code(), e.what());
  } catch (const std::bad_alloc&) {
    return m.fail(ErrorCode::out_of_memory, "out of memory while loading the list");
  } catch (const std::exception& e) {
    return m.fail(ErrorCode::internal_error, e.what());
  } catch (...) {
    return m.fail(ErrorCode::internal_error, "unknown exception while loading the list");
  }
}

/// Copies a query's matches into one malloc'd block: the pdqg_match array
/// followed by the strings it points at. Throws std::bad_alloc.
void export_matches(const QueryResult& q, pdqg_match** out, std::size_t* count) {
  *out = export_match_block<pdqg_match>(
      q.matches, [](const Match& m) -> const Match& { return m; },
      [](pdqg_match& c) -> pdqg_match& { return c; }, [](pdqg_match&, const Match&) {});
  *count = q.matches.size();
}

QueryOptions query_options(const pdqg_matcher& m) noexcept {
  QueryOptions o;
  o.radius = m.threshold.load(std::memory_order_relaxed);
  o.min_quality = m.min_quality.load(std::memory_order_relaxed);
  o.max_matches = static_cast<std::size_t>(m.max_matches.load(std::memory_order_relaxed));
  return o;
}

std::shared_ptr<const Matcher> snapshot(const pdqg_matcher& m) {
  std::shared_ptr<const Matcher> s = m.current.get();
  if (!s) throw Error(ErrorCode::invalid_argument, "the matcher has no list loaded yet");
  return s;
}

/// Which qualities a query entry point takes: hand-filled queries and hashes
/// may say "unknown" (-1, never gated); a hashing result always knows its
/// quality, so -1 there would be a way around PDQG_MATCHER_MIN_QUALITY.
enum class QualityRule { unknown_allowed, known_required };

/// pdqg_matcher_query: the pdqg_result as the library's DihedralResult (the
/// variants marked real only when hashed so and PDQG_MATCHER_DIHEDRAL is on),
/// then Matcher::query, which applies every rule.
int query_impl(const pdqg_matcher* m, const pdqg_result* r, pdqg_match** matches, std::size_t* count,
               int* gate, QualityRule rule) noexcept {
  if (m == nullptr || r == nullptr || matches == nullptr || count == nullptr)
    return fail(nullptr, ErrorCode::invalid_argument, "NULL matcher, query or output");
  const int lowest = rule == QualityRule::unknown_allowed ? -1 : 0;
  if (r->quality < lowest || r->quality > 100)
    return fail(nullptr, ErrorCode::invalid_argument,
                std::string("quality must be ") +
                    (rule == QualityRule::unknown_allowed ? "-1 (unknown) or 0..100"
                                                          : "0..100 in a hashing result") +
                    ", not " + std::to_string(r->quality));
  return guard(nullptr, [&] {
    const std::shared_ptr<const Matcher> s = snapshot(*m);
    DihedralResult d;
    d.hashes[0] = to_cpp(r->hash);
    d.quality = r->quality;
    d.too_small = r->too_small != 0;
    if (r->has_dihedral && m->dihedral.load(std::memory_order_relaxed)) {
      for (int i = 0; i < 8; ++i) d.hashes[static_cast<std::size_t>(i)] = to_cpp(r->dihedral[i]);
      d.has_dihedral = true;
    }
    const QueryResult q = s->query(d, query_options(*m));
    export_matches(q, matches, count);
    if (gate != nullptr) *gate = static_cast<int>(q.gate);
    return 0;
  });
}

}  // namespace
}  // namespace pdqguard::capi

using namespace pdqguard;
using namespace pdqguard::capi;

extern "C" {

int pdqg_matcher_create(pdqg_matcher** out) {
  if (out == nullptr) return fail(nullptr, ErrorCode::invalid_argument, "out is NULL");
  return guard(nullptr, [&] {
    *out = new pdqg_matcher();
    return 0;
  });
}

void pdqg_matcher_free(pdqg_matcher* matcher) { delete matcher; }

int pdqg_matcher_set(pdqg_matcher* m, int param, std::int64_t value) {
  if (m == nullptr) return fail(nullptr, ErrorCode::invalid_argument, "matcher is NULL");
  const ParamInfo* info = param_info(param);
  if (info == nullptr)
    return m->fail(ErrorCode::invalid_argument, "unknown matcher parameter " + std::to_string(param));
  if (info->read_only)
    return m->fail(ErrorCode::invalid_argument,
                   "matcher parameter " + std::to_string(param) + " (" + info->name + ") is read-only");
  if (value < info->lower || value > info->upper)
    return m->fail(ErrorCode::invalid_argument, std::string(info->name) + " must be in " +
                                                    std::to_string(info->lower) + ".." +
                                                    std::to_string(info->upper) + ", not " + std::to_string(value));
  switch (param) {
    case PDQG_MATCHER_THRESHOLD: m->threshold.store(static_cast<int>(value)); break;
    case PDQG_MATCHER_MIN_QUALITY: m->min_quality.store(static_cast<int>(value)); break;
    case PDQG_MATCHER_DIHEDRAL: m->dihedral.store(static_cast<int>(value)); break;
    case PDQG_MATCHER_INDEX_KIND: m->kind.store(static_cast<int>(value)); break;
    case PDQG_MATCHER_MAX_MATCHES: m->max_matches.store(value); break;
    case PDQG_MATCHER_LENIENT: m->lenient.store(static_cast<int>(value)); break;
    case PDQG_MATCHER_VERIFY_CHECKSUM: m->verify_checksum.store(static_cast<int>(value)); break;
    case PDQG_MATCHER_MAX_LIST_BYTES: m->max_list_bytes.store(static_cast<std::uint64_t>(value)); break;
    case PDQG_MATCHER_MAX_LINE_BYTES: m->max_line_bytes.store(static_cast<std::uint64_t>(value)); break;
    case PDQG_MATCHER_ALLOW_EMPTY: m->allow_empty.store(static_cast<int>(value)); break;
    case PDQG_MATCHER_SETTLE_MS: m->settle_ms.store(value); break;
    case PDQG_MATCHER_MAX_SHRINK_PERCENT: m->max_shrink_percent.store(static_cast<int>(value)); break;
    default: return m->fail(ErrorCode::internal_error, "matcher parameter without storage");
  }
  return 0;
}

int pdqg_matcher_param_bounds(int param, std::int64_t* lower, std::int64_t* upper, std::int64_t* default_value) {
  const ParamInfo* info = param_info(param);
  if (info == nullptr)
    return fail(nullptr, ErrorCode::invalid_argument, "unknown matcher parameter " + std::to_string(param));
  if (lower != nullptr) *lower = info->lower;
  if (upper != nullptr) *upper = info->upper;
  if (default_value != nullptr) *default_value = info->fallback;
  return 0;
}

const char* pdqg_matcher_param_name(int param) {
  const ParamInfo* info = param_info(param);
  return info ? info->name : nullptr;
}

int pdqg_matcher_get(const pdqg_matcher* m, int param, std::int64_t* value) {
  if (m == nullptr || value == nullptr)
    return fail(nullptr, ErrorCode::invalid_argument, "NULL matcher or value");
  switch (param) {
    case PDQG_MATCHER_THRESHOLD: *value = m->threshold.load(); return 0;
    case PDQG_MATCHER_MIN_QUALITY: *value = m->min_quality.load(); return 0;
    case PDQG_MATCHER_DIHEDRAL: *value = m->dihedral.load(); return 0;
    case PDQG_MATCHER_INDEX_KIND: *value = m->kind.load(); return 0;
    case PDQG_MATCHER_MAX_MATCHES: *value = m->max_matches.load(); return 0;
    case PDQG_MATCHER_LENIENT: *value = m->lenient.load(); return 0;
    case PDQG_MATCHER_VERIFY_CHECKSUM: *value = m->verify_checksum.load(); return 0;
    case PDQG_MATCHER_MAX_LIST_BYTES: *value = static_cast<std::int64_t>(m->max_list_bytes.load()); return 0;
    case PDQG_MATCHER_MAX_LINE_BYTES: *value = static_cast<std::int64_t>(m->max_line_bytes.load()); return 0;
    case PDQG_MATCHER_ALLOW_EMPTY: *value = m->allow_empty.load(); return 0;
    case PDQG_MATCHER_SETTLE_MS: *value = m->settle_ms.load(); return 0;
    case PDQG_MATCHER_MAX_SHRINK_PERCENT: *value = m->max_shrink_percent.load(); return 0;
    case PDQG_MATCHER_GENERATION: *value = static_cast<std::int64_t>(m->generation.load()); return 0;
    case PDQG_MATCHER_ENTRIES:
    case PDQG_MATCHER_HASHES: {
      const std::shared_ptr<const Matcher> s = m->current.get();
      *value = !s ? 0
                  : static_cast<std::int64_t>(param == PDQG_MATCHER_ENTRIES ? s->entry_count()
                                                                            : s->slot_count());
      return 0;
    }
    default:
      return fail(nullptr, ErrorCode::invalid_argument,
                  "unknown matcher parameter " + std::to_string(param));
  }
}

int pdqg_matcher_load(pdqg_matcher* m, const char* const* list_paths, std::size_t n_lists,
                      const char* index_path) {
  if (m == nullptr) return fail(nullptr, ErrorCode::invalid_argument, "matcher is NULL");
  if (n_lists > 0 && list_paths == nullptr)
    return m->fail(ErrorCode::invalid_argument, "list_paths is NULL but n_lists is not 0");
  if (n_lists == 0 && index_path == nullptr)
    return m->fail(ErrorCode::invalid_argument, "no list file and no index file given");
  try {
    std::vector<std::string> lists;
    lists.reserve(n_lists);
    for (std::size_t i = 0; i < n_lists; ++i) {
      if (list_paths[i] == nullptr)
        return m->fail(ErrorCode::invalid_argument, "list path " + std::to_string(i) + " is NULL");
      lists.emplace_back(list_paths[i]);
    }
    std::string index = index_path ? index_path : "";
    if (index_path != nullptr && index.empty())
      return m->fail(ErrorCode::invalid_argument, "index path is empty");
    std::lock_guard<std::mutex> lock(m->load_mu);
    return load_locked(*m, std::move(lists), std::move(index), false);
  } catch (const std::bad_alloc&) {
    return m->fail(ErrorCode::out_of_memory, "out of memory");
  } catch (...) {
    return m->fail(ErrorCode::internal_error, "unexpected exception in pdqg_matcher_load");
  }
}

int pdqg_matcher_reload(pdqg_matcher* m) {
  if (m == nullptr) return fail(nullptr, ErrorCode::invalid_argument, "matcher is NULL");
  try {
    std::lock_guard<std::mutex> lock(m->load_mu);
    if (!m->source)
      return m->fail(ErrorCode::invalid_argument, "nothing to reload: no successful load yet");
    const int st = load_locked(*m, m->source->lists(), m->source->index(), true);
    if (st != 0) m->watcher.settled(m->source->stamp());  // the watcher does not retry what failed
    return st;
  } catch (const std::bad_alloc&) {
    return m->fail(ErrorCode::out_of_memory, "out of memory");
  } catch (...) {
    return m->fail(ErrorCode::internal_error, "unexpected exception in pdqg_matcher_reload");
  }
}

int pdqg_matcher_reload_if_changed(pdqg_matcher* m, int* reloaded) {
  if (reloaded != nullptr) *reloaded = 0;
  if (m == nullptr) return fail(nullptr, ErrorCode::invalid_argument, "matcher is NULL");
  try {
    std::lock_guard<std::mutex> lock(m->load_mu);
    if (!m->source)
      return m->fail(ErrorCode::invalid_argument, "nothing to reload: no successful load yet");
    std::string now = m->source->stamp();
    if (!m->watcher.due(now, ChangeWatcher::Clock::now(), std::chrono::milliseconds(m->settle_ms.load())))
      return 0;  // unchanged, or changed but not yet settled
    const int st = load_locked(*m, m->source->lists(), m->source->index(), true);
    if (st != 0) {
      m->watcher.settled(std::move(now));  // not retried until the files change again
      return st;
    }
    if (reloaded != nullptr) *reloaded = 1;
    return 0;
  } catch (const std::bad_alloc&) {
    return m->fail(ErrorCode::out_of_memory, "out of memory");
  } catch (...) {
    return m->fail(ErrorCode::internal_error, "unexpected exception in pdqg_matcher_reload_if_changed");
  }
}

int pdqg_matcher_open(const char* const* list_paths, std::size_t n_lists, const char* index_path,
                      pdqg_matcher** out) {
  if (out == nullptr) return fail(nullptr, ErrorCode::invalid_argument, "out is NULL");
  pdqg_matcher* m = nullptr;
  if (const int st = pdqg_matcher_create(&m)) return st;
  if (const int st = pdqg_matcher_load(m, list_paths, n_lists, index_path)) {
    pdqg_matcher_free(m);
    return st;
  }
  *out = m;
  return 0;
}

const char* pdqg_matcher_error(const pdqg_matcher* m) { return m ? m->error.text : ""; }

int pdqg_matcher_query_hash(const pdqg_matcher* m, const pdqg_hash* hash, int quality,
                            pdqg_match** matches, std::size_t* count) {
  if (hash == nullptr) return fail(nullptr, ErrorCode::invalid_argument, "NULL hash");
  pdqg_result q{};
  q.hash = *hash;
  q.quality = quality;
  return query_impl(m, &q, matches, count, nullptr, QualityRule::unknown_allowed);
}

const char* pdqg_gate_name(int gate) {
  switch (gate) {
    case PDQG_GATE_NONE:
    case PDQG_GATE_TOO_SMALL:
    case PDQG_GATE_BELOW_QUALITY: return query_gate_name(static_cast<QueryGate>(gate));
    default: return "unknown";
  }
}

int pdqg_matcher_query(const pdqg_matcher* m, const pdqg_result* query, pdqg_match** matches,
                       std::size_t* count, int* gate) {
  return query_impl(m, query, matches, count, gate, QualityRule::unknown_allowed);
}

int pdqg_matcher_query_result(const pdqg_matcher* m, const pdqg_result* result,
                              pdqg_match** matches, std::size_t* count) {
  return query_impl(m, result, matches, count, nullptr, QualityRule::known_required);
}

int pdqg_matcher_query_frame(const pdqg_matcher* m, pdqg_hasher* hasher, const pdqg_frame* frame,
                             pdqg_result* result, pdqg_match** matches, std::size_t* count) {
  if (m == nullptr || matches == nullptr || count == nullptr)
    return fail(hasher_error_slot(hasher), ErrorCode::invalid_argument, "NULL matcher or output");
  pdqg_result local;
  pdqg_result* r = result ? result : &local;
  const unsigned flags = m->dihedral.load(std::memory_order_relaxed) ? PDQG_FLAG_DIHEDRAL : 0u;
  if (const int st = pdqg_hash_frame(hasher, frame, flags, r)) return st;
  const int st = query_impl(m, r, matches, count, nullptr, QualityRule::known_required);
  if (st != 0 && hasher != nullptr) hasher_error_slot(hasher)->set(pdqg_last_error());  // a call made with it
  return st;
}

void pdqg_matches_free(pdqg_match* matches) { std::free(matches); }

}  // extern "C"
