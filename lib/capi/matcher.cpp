// C API: the matcher handle — loading lists/index files, atomic reload, queries.
#include "capi/common.hpp"
#include "capi/convert.hpp"

#include <pdqguard/index.hpp>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

static_assert(static_cast<int>(pdqguard::IndexKind::automatic) == PDQG_INDEX_AUTO);
static_assert(static_cast<int>(pdqguard::IndexKind::flat) == PDQG_INDEX_FLAT);
static_assert(static_cast<int>(pdqguard::IndexKind::bktree) == PDQG_INDEX_BKTREE);
static_assert(static_cast<int>(pdqguard::IndexKind::mih) == PDQG_INDEX_MIH);

/// The opaque matcher: atomic options, the current Matcher (swapped atomically
/// by MatcherHandle), the sources of the last successful load, an error slot.
struct pdqg_matcher {
  std::atomic<int> threshold{pdqguard::kDefaultRadius};
  std::atomic<int> min_quality{pdqguard::kDefaultMinQuality};
  std::atomic<int> dihedral{0};
  std::atomic<int> kind{PDQG_INDEX_AUTO};
  std::atomic<std::int64_t> max_matches{0};
  std::atomic<int> lenient{0};
  std::atomic<int> verify_checksum{1};
  std::atomic<std::uint64_t> max_list_bytes{pdqguard::kDefaultMaxListBytes};
  std::atomic<std::uint64_t> max_line_bytes{pdqguard::kDefaultMaxLineBytes};
  std::atomic<std::uint64_t> generation{0};

  pdqguard::MatcherHandle current;

  std::mutex load_mu;  ///< serialises loads; guards the sources
  std::vector<std::string> lists;
  std::string index;
  bool has_sources = false;

  std::mutex error_mu;  ///< guards `error` (loads and sets may race each other)
  pdqguard::capi::ErrorSlot error;

  int fail(pdqguard::ErrorCode code, const std::string& msg) noexcept {
    std::lock_guard<std::mutex> lock(error_mu);
    return pdqguard::capi::fail(&error, code, msg);
  }
};

namespace pdqguard::capi {

namespace {

/// Builds the Matcher the sources describe with the matcher's load options.
std::shared_ptr<const Matcher> build_from_sources(const pdqg_matcher& m,
                                                  const std::vector<std::string>& lists,
                                                  const std::string& index) {
  ParseOptions parse;
  parse.policy = m.lenient.load() ? ParsePolicy::lenient : ParsePolicy::strict;
  parse.max_list_bytes = m.max_list_bytes.load();
  parse.max_line_bytes = static_cast<std::size_t>(m.max_line_bytes.load());
  BuildOptions build;
  build.kind = static_cast<IndexKind>(m.kind.load());
  if (index.empty()) return build_matcher_from_files(lists, parse, build);
  OpenOptions open;
  open.verify_checksum = m.verify_checksum.load() != 0;
  std::shared_ptr<const Matcher> base = Matcher::open(index, open);
  if (lists.empty()) return base;
  MatcherUpdate update;
  for (const std::string& path : lists) update.add.push_back(parse_list_file(path, parse));
  return base->with_updates(update);
}

/// Loads the sources, swaps the result in and remembers the sources; on any
/// failure nothing changes. Called with m.load_mu held.
int load_locked(pdqg_matcher& m, std::vector<std::string> lists, std::string index) {
  try {
    std::shared_ptr<const Matcher> fresh = build_from_sources(m, lists, index);
    m.current.store(std::move(fresh));  // the atomic swap; the old list lives on in queries
    m.generation.fetch_add(1);
    m.lists = std::move(lists);
    m.index = std::move(index);
    m.has_sources = true;
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
  const std::size_t n = q.matches.size();
  if (n == 0) {
    *out = nullptr;
    *count = 0;
    return;
  }
  std::size_t bytes = n * sizeof(pdqg_match);
  for (const Match& mt : q.matches) bytes += mt.list.size() + mt.id.size() + mt.label.size() + 3;
  auto* block = static_cast<unsigned char*>(std::malloc(bytes));
  if (block == nullptr) throw std::bad_alloc();
  auto* arr = reinterpret_cast<pdqg_match*>(block);
  char* text = reinterpret_cast<char*>(block + n * sizeof(pdqg_match));
  auto put = [&text](const std::string& s) {
    char* at = text;
    std::memcpy(at, s.data(), s.size());
    at[s.size()] = '\0';
    text += s.size() + 1;
    return static_cast<const char*>(at);
  };
  for (std::size_t i = 0; i < n; ++i) {
    const Match& mt = q.matches[i];
    pdqg_match& c = arr[i];
    c.list = put(mt.list);
    c.id = put(mt.id);
    c.label = put(mt.label);
    c.hash = to_c(mt.hash);
    c.distance = mt.distance;
    c.dihedral = static_cast<int>(mt.variant);
  }
  *out = arr;
  *count = n;
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

int query_result_impl(const pdqg_matcher* m, const pdqg_result* r, pdqg_match** matches,
                      std::size_t* count) noexcept {
  if (m == nullptr || r == nullptr || matches == nullptr || count == nullptr)
    return fail(nullptr, ErrorCode::invalid_argument, "NULL matcher, result or output");
  return guard(nullptr, [&] {
    const std::shared_ptr<const Matcher> s = snapshot(*m);
    if (r->too_small) {  // an all-zero hash says nothing about the image
      *matches = nullptr;
      *count = 0;
      return 0;
    }
    const QueryOptions o = query_options(*m);
    QueryResult q;
    if (r->has_dihedral && m->dihedral.load(std::memory_order_relaxed)) {
      DihedralResult d;
      for (int i = 0; i < 8; ++i) d.hashes[static_cast<std::size_t>(i)] = to_cpp(r->dihedral[i]);
      d.quality = r->quality;
      q = s->query(d, o);
    } else {
      HashResult h;
      h.hash = to_cpp(r->hash);
      h.quality = r->quality;
      q = s->query(h, o);
    }
    export_matches(q, matches, count);
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
  auto in = [&](std::int64_t lo, std::int64_t hi) { return value >= lo && value <= hi; };
  auto range_error = [&](const char* what, const char* range) {
    return m->fail(ErrorCode::invalid_argument, std::string(what) + " must be in " + range +
                                                    ", not " + std::to_string(value));
  };
  switch (param) {
    case PDQG_MATCHER_THRESHOLD:
      if (!in(0, 256)) return range_error("threshold", "0..256");
      m->threshold.store(static_cast<int>(value));
      return 0;
    case PDQG_MATCHER_MIN_QUALITY:
      if (!in(0, 100)) return range_error("minimum quality", "0..100");
      m->min_quality.store(static_cast<int>(value));
      return 0;
    case PDQG_MATCHER_DIHEDRAL:
      if (!in(0, 1)) return range_error("dihedral", "0..1");
      m->dihedral.store(static_cast<int>(value));
      return 0;
    case PDQG_MATCHER_INDEX_KIND:
      if (!in(PDQG_INDEX_AUTO, PDQG_INDEX_MIH)) return range_error("index kind", "0..3");
      m->kind.store(static_cast<int>(value));
      return 0;
    case PDQG_MATCHER_MAX_MATCHES:
      if (!in(0, INT64_MAX)) return range_error("max matches", "0..2^63-1");
      m->max_matches.store(value);
      return 0;
    case PDQG_MATCHER_LENIENT:
      if (!in(0, 1)) return range_error("lenient", "0..1");
      m->lenient.store(static_cast<int>(value));
      return 0;
    case PDQG_MATCHER_VERIFY_CHECKSUM:
      if (!in(0, 1)) return range_error("verify checksum", "0..1");
      m->verify_checksum.store(static_cast<int>(value));
      return 0;
    case PDQG_MATCHER_MAX_LIST_BYTES:
      if (!in(0, INT64_MAX)) return range_error("max list bytes", "0..2^63-1");
      m->max_list_bytes.store(static_cast<std::uint64_t>(value));
      return 0;
    case PDQG_MATCHER_MAX_LINE_BYTES:
      if (!in(0, INT64_MAX) || static_cast<std::uint64_t>(value) > SIZE_MAX)
        return range_error("max line bytes", "0..SIZE_MAX");
      m->max_line_bytes.store(static_cast<std::uint64_t>(value));
      return 0;
    case PDQG_MATCHER_ENTRIES:
    case PDQG_MATCHER_HASHES:
    case PDQG_MATCHER_GENERATION:
      return m->fail(ErrorCode::invalid_argument,
                     "matcher parameter " + std::to_string(param) + " is read-only");
    default:
      return m->fail(ErrorCode::invalid_argument,
                     "unknown matcher parameter " + std::to_string(param));
  }
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
    return load_locked(*m, std::move(lists), std::move(index));
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
    if (!m->has_sources)
      return m->fail(ErrorCode::invalid_argument, "nothing to reload: no successful load yet");
    return load_locked(*m, m->lists, m->index);
  } catch (const std::bad_alloc&) {
    return m->fail(ErrorCode::out_of_memory, "out of memory");
  } catch (...) {
    return m->fail(ErrorCode::internal_error, "unexpected exception in pdqg_matcher_reload");
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
  if (m == nullptr || hash == nullptr || matches == nullptr || count == nullptr)
    return fail(nullptr, ErrorCode::invalid_argument, "NULL matcher, hash or output");
  if (quality < -1 || quality > 100)
    return fail(nullptr, ErrorCode::invalid_argument,
                "quality must be -1 (unknown) or 0..100, not " + std::to_string(quality));
  return guard(nullptr, [&] {
    const std::shared_ptr<const Matcher> s = snapshot(*m);
    export_matches(s->query(to_cpp(*hash), query_options(*m), quality), matches, count);
    return 0;
  });
}

int pdqg_matcher_query_result(const pdqg_matcher* m, const pdqg_result* result,
                              pdqg_match** matches, std::size_t* count) {
  return query_result_impl(m, result, matches, count);
}

int pdqg_matcher_query_frame(const pdqg_matcher* m, pdqg_hasher* hasher, const pdqg_frame* frame,
                             pdqg_result* result, pdqg_match** matches, std::size_t* count) {
  if (m == nullptr || matches == nullptr || count == nullptr)
    return fail(nullptr, ErrorCode::invalid_argument, "NULL matcher or output");
  pdqg_result local;
  pdqg_result* r = result ? result : &local;
  const unsigned flags = m->dihedral.load(std::memory_order_relaxed) ? PDQG_FLAG_DIHEDRAL : 0u;
  if (const int st = pdqg_hash_frame(hasher, frame, flags, r)) return st;
  return query_result_impl(m, r, matches, count);
}

void pdqg_matches_free(pdqg_match* matches) { std::free(matches); }

}  // extern "C"
