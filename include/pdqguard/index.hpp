// Hash lists, blocklist matching, index kinds, index files and live updates.
//
// The flow: parse one or more hash lists (parse_list_file / parse_list_string),
// build a Matcher from them (Matcher::build), query it (radius, k nearest,
// batches, dihedral), save it as an index file (Matcher::save) and open that file
// later by memory-mapping it (Matcher::open). Every index kind is exact: a query
// returns every list entry within the radius, never an approximation.
//
// Thread-safety: a Matcher is immutable once built or opened; any number of
// threads may query one concurrently. Updates (Matcher::with_updates) return a new
// Matcher that shares the unchanged parts; MatcherHandle swaps Matchers atomically
// while queries run (queries in flight finish on the Matcher they started on).
//
// Errors: pdqguard::Error with ErrorCode::list_parse_error (a malformed list in
// strict mode), file_too_large (a list above ParseOptions::max_list_bytes), io_error (a file that cannot be read or written), index_corrupt
// (an index file that is truncated, damaged, of another version or fails its
// checksum) and invalid_argument (a bad option value).
#pragma once

#include <pdqguard/error.hpp>
#include <pdqguard/export.h>
#include <pdqguard/hash.hpp>
#include <pdqguard/hasher.hpp>

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pdqguard {

// ---------------------------------------------------------------------------
// Hash lists
// ---------------------------------------------------------------------------

/// What to do with a malformed line.
enum class ParsePolicy : int {
  strict = 0,   ///< refuse the whole list: throw Error(list_parse_error) at the first bad line
  lenient = 1,  ///< skip the line, count it and keep its problem in HashList::problems
};

/// The shape a list was recognised as.
enum class ListFormat : int {
  plain = 0,           ///< one 64-hex hash per line, optionally followed by a separator and more text
  csv = 1,             ///< comma-separated with a header row
  tsv = 2,             ///< tab-separated with a header row
  threatexchange = 3,  ///< python-threatexchange local file: `pdq <hash> [more]` per line
};
/// "plain", "csv", "tsv", "threatexchange" (never null).
PDQGUARD_API const char* list_format_name(ListFormat f) noexcept;

/// Default ParseOptions::max_list_bytes: 4 GiB (about 60 million plain hashes).
inline constexpr std::uint64_t kDefaultMaxListBytes = std::uint64_t{4} << 30;
/// Default ParseOptions::max_line_bytes: 64 KiB (a hash and a generous label).
inline constexpr std::size_t kDefaultMaxLineBytes = std::size_t{64} << 10;
/// The largest max_line_bytes a front end accepts (1 GiB; 0 = no limit is also valid).
inline constexpr std::size_t kMaxMaxLineBytes = std::size_t{1} << 30;
/// The largest max_list_bytes a front end accepts (2^62; 0 = no limit is also valid).
inline constexpr std::uint64_t kMaxMaxListBytes = std::uint64_t{1} << 62;

/// Options for the list parsers. The limits hold for hostile lists: memory while
/// parsing is bounded by the entries kept (about 150 bytes each plus their
/// id/label text) plus max_line_bytes, never by a line's or a file's length.
struct ParseOptions {
  ParsePolicy policy = ParsePolicy::strict;
  /// At most this many problems are kept in HashList::problems (all are counted).
  std::size_t max_problems_kept = 1000;
  /// Refuse a list larger than this many bytes with Error(file_too_large)
  /// (both policies). parse_list_file checks a regular file's size before
  /// reading any of it; streams and pipes are refused as soon as they pass the
  /// limit. 0 = no limit. Default kDefaultMaxListBytes (4 GiB).
  std::uint64_t max_list_bytes = kDefaultMaxListBytes;
  /// A line longer than this many bytes (not counting its "\n" or "\r\n") is a
  /// malformed line: Error(list_parse_error) "NAME:LINE: line longer than N
  /// bytes (max_line_bytes): ..." in strict mode (thrown as soon as the limit is
  /// passed, the rest is not read), else skipped and reported in
  /// HashList::problems. Files and streams are read in 64 KiB chunks and at most
  /// this many bytes of one line are ever buffered. 0 = no limit. Default
  /// kDefaultMaxLineBytes (64 KiB).
  std::size_t max_line_bytes = kDefaultMaxLineBytes;
};

/// One malformed (or ignored) line: where and why.
struct ParseProblem {
  std::string file;      ///< the list's name or path as given
  std::size_t line = 0;  ///< 1-based physical line number
  std::string reason;    ///< e.g. "32 hex characters (an MD5?), a PDQ hash has 64"
};

/// One entry of a list.
struct ListEntry {
  Hash256 hash;
  std::string id;     ///< the id column, or the 1-based line number when the list has none
  std::string label;  ///< label / category column (else tags); for plain lists the text after the hash
  std::string list;   ///< a list-name column's value (list, bank, collab...); empty = the HashList's name
  int quality = -1;   ///< the quality column (0..100), -1 when absent
  std::size_t line = 0;  ///< 1-based physical line number it came from (a multi-line CSV record: its first)
};

/// A parsed list. Plain value type.
struct HashList {
  std::string name;  ///< the name matches report (e.g. the file name)
  ListFormat format = ListFormat::plain;
  std::vector<ListEntry> entries;
  std::size_t lines = 0;         ///< physical lines read
  std::size_t skipped = 0;       ///< malformed lines skipped (lenient policy only)
  std::size_t ignored = 0;       ///< well-formed lines of another signal type (e.g. `md5 ...`), not loaded
  std::vector<ParseProblem> problems;  ///< the first max_problems_kept skipped/ignored lines
  /// The tags column of a CSV/TSV list that also has a label/category column
  /// (e.g. ThreatExchange's export): tags[i] belongs to entries[i]. Empty for
  /// lists without one (so entries cost nothing more). Kept for callers of the
  /// parsers only: a Matcher, its matches and index files do not carry tags.
  std::vector<std::string> tags;
};

/// Parses list text. `name` is used in matches and in problem reports. Recognises
/// the format from the first non-comment line: `pdq <hash>` = threatexchange; a
/// line with a comma or tab that names a hash column (hash, pdq, pdq_hash, signal,
/// signal_value, hash_value; case-insensitive) = csv/tsv with header; otherwise
/// plain. Handles a UTF-8 BOM, CRLF, blank lines and `#` comment lines (plain and
/// threatexchange), RFC 4180 quotes (csv/tsv), including a quoted field that
/// holds newlines (the record spans lines; at most max_line_bytes in all, and
/// one left unterminated is a malformed line, never skipped silently). CSV
/// columns: hash (the names above, and signal_str: ThreatExchange's
/// `threatexchange dataset -P --csv` export), id (id, indicator_id, entry_id,
/// content_id, signal_id), label (label, labels, category; else tags), tags,
/// quality, list (list, list_name, bank, bank_name, collab, collaboration),
/// signal type (signal_type, type: rows of another type are ignored and counted).
/// The lines are read by the one bounded line reader (lib/text). Throws
/// Error(list_parse_error) "NAME:LINE: reason" for a malformed line (including
/// one longer than options.max_line_bytes) in strict mode, or for a CSV header
/// without a hash column (both policies), and Error(file_too_large) for text
/// longer than options.max_list_bytes. Never reads outside `text`. Thread-safe.
PDQGUARD_API HashList parse_list_string(std::string_view text, const std::string& name,
                                        const ParseOptions& options = {});
/// Reads the stream to its end in 64 KiB chunks and parses it line by line as
/// parse_list_string does (the text is never held whole; see ParseOptions for
/// the limits). Throws as parse_list_string, Error(file_too_large) as soon as
/// more than max_list_bytes were read, Error(io_error) on a read error.
PDQGUARD_API HashList parse_list_stream(std::istream& in, const std::string& name,
                                        const ParseOptions& options = {});
/// Reads and parses a file as parse_list_stream does. `name` defaults to the
/// file name without directories. A regular file larger than max_list_bytes is
/// refused with Error(file_too_large) before any of it is read (a FIFO or
/// device is refused once that many bytes came through). Throws Error(io_error)
/// if the file cannot be opened or read (or is a directory), and as
/// parse_list_string.
PDQGUARD_API HashList parse_list_file(const std::string& path, const ParseOptions& options = {},
                                      const std::string& name = {});

// ---------------------------------------------------------------------------
// Index kinds and queries
// ---------------------------------------------------------------------------

/// How a Matcher searches. All kinds are exact.
enum class IndexKind : int {
  automatic = 0,  ///< "auto": multi-index hashing or the flat scan, chosen per radius by a cost model
  flat = 1,       ///< SIMD popcount scan of every hash (AVX-512 VPOPCNTDQ / AVX2 / scalar)
  bktree = 2,     ///< BK-tree in one arena (32-bit offsets, children sorted by distance)
  mih = 3,        ///< multi-index hashing: m substrings, dense offset tables, pipelined probes
};
/// "auto", "flat", "bktree", "mih" (never null).
PDQGUARD_API const char* index_kind_name(IndexKind k) noexcept;
/// Parses "auto" | "flat" | "bktree" | "mih"; throws Error(invalid_argument) otherwise.
PDQGUARD_API IndexKind parse_index_kind(std::string_view name);

/// BuildOptions::mih_substrings bounds (0 = chosen from the list size).
inline constexpr int kMinMihSubstrings = 0;
inline constexpr int kMaxMihSubstrings = 32;

/// The PDQ recommended match threshold.
inline constexpr int kDefaultRadius = 31;
/// Bounds of QueryOptions::radius (a Hamming distance between 256-bit hashes).
inline constexpr int kMinRadius = 0;
inline constexpr int kMaxRadius = 256;
/// ThreatExchange's guidance: hashes of quality below 50 are too flat to match on.
inline constexpr int kDefaultMinQuality = 50;
/// Bounds of QueryOptions::min_quality (qualities are 0..100).
inline constexpr int kMinMinQuality = 0;
inline constexpr int kMaxMinQuality = 100;
/// Default QueryOptions::max_matches: 0 = keep every match.
inline constexpr std::size_t kDefaultMaxMatches = 0;

/// A raw hit: a slot (one distinct hash of the index) and its distance to a query.
struct Hit {
  std::uint32_t slot = 0;      ///< 0..Matcher::slot_count()-1 (overlay slots follow the base's)
  std::uint32_t distance = 0;  ///< 0..256
  std::uint32_t query = 0;     ///< index of the query in a batch (0 for single queries)
  friend bool operator==(const Hit&, const Hit&) = default;
};

/// One list entry a query matched.
struct Match {
  std::string list;   ///< the list's name
  std::string id;     ///< the entry's id (the line number when the list has no id column)
  std::string label;  ///< the entry's label (may be empty)
  Hash256 hash;       ///< the list entry's hash
  int distance = 0;   ///< Hamming distance to the (best) query variant
  Dihedral variant = Dihedral::original;  ///< which dihedral hash matched (original for plain queries)
  std::uint32_t slot = 0;                 ///< the slot of `hash`
};

/// Query options.
struct QueryOptions {
  int radius = kDefaultRadius;           ///< matches have distance <= radius (kMinRadius..kMaxRadius)
  int min_quality = kDefaultMinQuality;  ///< queries with a known quality below this are not matched
  std::size_t max_matches = kDefaultMaxMatches;  ///< keep at most this many (in result order); 0 = all
};

/// Why a query was not searched (the query rules; see query_gate()).
enum class QueryGate : int {
  none = 0,           ///< searched: the matches are the answer
  too_small = 1,      ///< an image below kMinHashableSide pixels on a side: its all-zero hash says nothing
  below_quality = 2,  ///< quality known and below QueryOptions::min_quality: too flat to match on
};
/// "none", "too_small", "below_quality" (never null).
PDQGUARD_API const char* query_gate_name(QueryGate g) noexcept;

/// THE rule for "cannot match", used by every query of the library and so by
/// every front end (CLI, C API, gateway, bindings): a too-small image never
/// matches, whatever min_quality is (even 0); otherwise a known quality (>= 0)
/// below min_quality does not match; an unknown quality (-1) is never gated.
/// Thread-safe, cannot fail.
PDQGUARD_API QueryGate query_gate(int quality, bool too_small, int min_quality) noexcept;

/// THE result order, used by every query that returns matches: by distance,
/// then list name, then id (both compared byte-wise as strings), then slot and
/// the entry's position in its slot (so duplicates keep their list order).
/// pdqg_match arrays and every front end report matches in this order.
/// Thread-safe, cannot fail.
PDQGUARD_API bool match_order_less(const Match& a, const Match& b) noexcept;

/// The result of one query.
struct QueryResult {
  Hash256 hash;                      ///< the (original) query hash
  int quality = -1;                  ///< the query's quality, -1 when unknown
  QueryGate gate = QueryGate::none;  ///< not none: reported, not searched (matches empty)
  /// Variants that were searched: 8 for a DihedralResult with has_dihedral,
  /// 1 for every other query, 0 when gated.
  int variants = 0;
  /// In result order (match_order_less); empty when nothing matched.
  std::vector<Match> matches;
  /// True when the query was gated for quality or size (gate != none).
  bool gated() const noexcept { return gate != QueryGate::none; }
};

/// A (hash, quality) to match. quality -1 = unknown (never gated for quality).
struct QueryHash {
  Hash256 hash;
  int quality = -1;
  bool too_small = false;  ///< the hash of an image too small to hash: never matches
};

/// Entries to add and remove (see Matcher::with_updates).
struct MatcherUpdate {
  std::vector<HashList> add;  ///< lists whose entries are added (an existing list name extends that list)
  /// Entries to retract. A removal matches entries whose hash equals `hash` (when
  /// set), whose list equals `list` (when non-empty) and whose id equals `id`
  /// (when non-empty). At least one of hash or id must be given.
  struct Removal {
    std::optional<Hash256> hash;
    std::string list;
    std::string id;
  };
  std::vector<Removal> remove;
};

/// Build options.
struct BuildOptions {
  IndexKind kind = IndexKind::automatic;
  /// mih/auto: number of substrings (0 = chosen from the list size), 0..32; values
  /// below 11 are raised to 11 (substrings of at most 24 bits).
  int mih_substrings = 0;  ///< kMinMihSubstrings..kMaxMihSubstrings
};

/// Options for Matcher::open.
struct OpenOptions {
  /// Check the XXH3-64 checksum of the whole payload before use (reads every page
  /// once: ~0.1 s per GB from the page cache). When false, only the header, the
  /// section table, the search structures' bounds and the entry metadata (slot
  /// ranges; list, id and label references; an O(entries) pass) are checked:
  /// enough that a damaged file can never make a query read outside the mapping,
  /// but flipped bits inside the payload (e.g. in a hash) are not detected.
  bool verify_checksum = true;
  /// Ask the kernel to read the whole file in at open (MAP_POPULATE).
  bool populate = false;
  /// Copy the hashes and the search tables out of the mapping into anonymous
  /// memory backed by transparent huge pages (fewer TLB misses: faster random
  /// reads for mih/bktree queries, at the cost of private memory and ~0.3 s per
  /// GB at open). Entry metadata stays mapped.
  bool copy_to_memory = false;
};

/// Per-list counts in an index.
struct ListInfo {
  std::string name;
  std::size_t entries = 0;
};

/// What an index (file or in memory) holds.
struct IndexInfo {
  std::uint32_t format_version = 0;
  IndexKind kind = IndexKind::automatic;
  std::string description;      ///< e.g. "auto: mih m=12 (b=21..22) for radius <= 44, flat above"
  std::size_t slots = 0;        ///< distinct hashes
  std::size_t entries = 0;      ///< list entries (>= slots; duplicates share a slot)
  std::vector<ListInfo> lists;
  std::uint64_t file_size = 0;  ///< 0 for an in-memory index
  std::uint64_t checksum = 0;   ///< the XXH3-64 stored in the file (0 in memory)
  std::size_t memory_bytes = 0; ///< bytes of the index structures (mapped or owned)
};

/// The format version this library writes and reads.
inline constexpr std::uint32_t kIndexFormatVersion = 1;

namespace detail {
struct MatcherAccess;  // lib/index internal: creates Matchers, reaches their Impl
}  // namespace detail

/// A blocklist: the entries of several named lists, deduplicated into slots (one
/// per distinct hash, keeping every entry), and an exact index over the slots.
/// Immutable and thread-safe for queries; share it as shared_ptr<const Matcher>.
class PDQGUARD_API Matcher {
 public:
  /// Builds from parsed lists. Entries with equal hashes share one slot.
  /// Throws Error(invalid_argument) for bad options or more than 2^32-2 entries.
  static std::shared_ptr<const Matcher> build(std::span<const HashList> lists,
                                              const BuildOptions& options = {});
  /// Builds from bare hashes as one list `list_name` with ids "1", "2", ...
  /// (benchmarks, tests, hash-only uses).
  static std::shared_ptr<const Matcher> build_from_hashes(std::span<const Hash256> hashes,
                                                          const BuildOptions& options = {},
                                                          const std::string& list_name = "hashes");
  /// Memory-maps an index file written by save(). The file must stay unchanged
  /// while the Matcher lives (replace it by renaming a new file over it; the
  /// mapping keeps the old inode). Throws Error(io_error) when it cannot be opened,
  /// Error(index_corrupt) when it is truncated, damaged (checksum), of another
  /// format version or endianness, or its counts/offsets are inconsistent.
  static std::shared_ptr<const Matcher> open(const std::string& path, const OpenOptions& options = {});

  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  /// Writes an index file (overlay and removals merged in) to `path`, via a
  /// temporary file renamed into place. Throws Error(io_error).
  void save(const std::string& path) const;

  /// The kind requested at build (automatic for auto).
  IndexKind kind() const noexcept;
  /// The kind a query at `radius` will actually use (never automatic).
  IndexKind kind_for_radius(int radius) const noexcept;
  /// One line saying what the index is and, for auto, what it picked.
  std::string describe() const;
  /// Counts, lists, memory and (for opened files) file size and checksum.
  IndexInfo info() const;

  /// Distinct hashes, including overlay slots and slots whose entries were all removed.
  std::size_t slot_count() const noexcept;
  /// Live list entries (after removals).
  std::size_t entry_count() const noexcept;
  /// The hash of a slot. Precondition: slot < slot_count().
  Hash256 slot_hash(std::uint32_t slot) const noexcept;
  /// The live entries of a slot as matches at distance 0 (empty if all were removed).
  std::vector<Match> slot_entries(std::uint32_t slot) const;
  /// The list names, in the order they were first seen.
  std::vector<std::string> list_names() const;

  // --- queries (all thread-safe, all exact) ---

  /// Every slot within `radius` of `q`, appended to `out` (sorted by distance then
  /// slot). Slots whose entries were all removed are not returned.
  void search_radius(const Hash256& q, int radius, std::vector<Hit>& out) const;
  /// The same for a batch; each hit carries its query index. One pass of the flat
  /// scan serves the whole batch. Output sorted by query, distance, slot.
  void search_radius_batch(std::span<const Hash256> qs, int radius, std::vector<Hit>& out) const;
  /// The k nearest live slots (ties broken by slot number), at most max_distance away.
  void search_knn(const Hash256& q, std::size_t k, std::vector<Hit>& out, int max_distance = 256) const;

  // Every query below applies the library's one set of query rules:
  // query_gate() (too small / below quality: gated, not searched),
  // match_order_less() (result order), and dihedral variants only when real.
  // Throws Error(invalid_argument) for a radius outside 0..256.

  /// Matches of one hash (gated only if `quality` >= 0 and < min_quality).
  QueryResult query(const Hash256& q, const QueryOptions& options = {}, int quality = -1) const;
  /// Matches of a hashed image (gated by its quality and too_small).
  QueryResult query(const HashResult& h, const QueryOptions& options = {}) const;
  /// Matches of a hashed image. With d.has_dihedral, the 8 hashes are searched in
  /// one batch and each entry is reported once with its nearest variant (ties:
  /// the lower Dihedral value); without it only hashes[0] is searched (a plain
  /// result's zero-filled variants are never queried). Gated as above.
  QueryResult query(const DihedralResult& d, const QueryOptions& options = {}) const;
  /// A batch; result i belongs to qs[i].
  std::vector<QueryResult> query_batch(std::span<const QueryHash> qs, const QueryOptions& options = {}) const;
  /// The entries of the k nearest slots (ties broken by slot), in result order.
  QueryResult query_knn(const Hash256& q, std::size_t k, int max_distance = 256) const;

  // --- updates ---

  /// A new Matcher with `update` applied: added entries go to a small overlay
  /// (searched by the flat scan), removed entries become tombstones. The base
  /// index is shared, not copied or rebuilt. Merge with rebuild() when the overlay
  /// grows. Throws Error(invalid_argument) for a removal naming neither hash nor id.
  std::shared_ptr<const Matcher> with_updates(const MatcherUpdate& update) const;
  /// A fresh Matcher with overlay and tombstones merged, built with `options`
  /// (kind automatic = this Matcher's kind).
  std::shared_ptr<const Matcher> rebuild(const BuildOptions& options = {}) const;
  /// Overlay slots and removed entries pending a rebuild.
  std::size_t overlay_slots() const noexcept;
  std::size_t removed_entries() const noexcept;

 private:
  struct Impl;  // defined in lib/index/matcher_impl.hpp, never installed
  friend struct detail::MatcherAccess;
  explicit Matcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Reads an index file's header and list table without mapping the payload or
/// checking the checksum (fast). Throws Error(io_error) or Error(index_corrupt).
PDQGUARD_API IndexInfo index_file_info(const std::string& path);
/// Checks an index file completely: header, checksum, every structure's bounds
/// and, for mih/bktree, that the structure indexes every slot. Returns its info.
/// Throws Error(io_error) or Error(index_corrupt) naming what is wrong.
PDQGUARD_API IndexInfo verify_index_file(const std::string& path);

/// Parses each file (ParseOptions as parse_list_file) and builds a Matcher.
/// `reports`, when non-null, receives the parsed lists without their entries
/// (names, formats, counts, problems) for a summary. Files that hold 0
/// entries in all are refused (Error(list_parse_error), BlocklistSource's
/// empty-list rule); no files at all give an empty Matcher.
PDQGUARD_API std::shared_ptr<const Matcher> build_matcher_from_files(
    std::span<const std::string> paths, const ParseOptions& parse = {},
    const BuildOptions& build = {}, std::vector<HashList>* reports = nullptr);

/// Holds the current Matcher of a running service. get() returns a snapshot that
/// stays valid (and unchanged) for as long as the caller keeps it, even if
/// another thread stores a new Matcher meanwhile. All members are thread-safe.
class PDQGUARD_API MatcherHandle {
 public:
  explicit MatcherHandle(std::shared_ptr<const Matcher> m = nullptr);
  /// The current Matcher (may be null if none was stored).
  std::shared_ptr<const Matcher> get() const;
  /// Replaces the current Matcher; returns the previous one.
  std::shared_ptr<const Matcher> exchange(std::shared_ptr<const Matcher> m);
  /// Replaces the current Matcher.
  void store(std::shared_ptr<const Matcher> m) { exchange(std::move(m)); }
  /// Applies an update to the current Matcher and stores the result; updates from
  /// several threads are serialised. Throws as Matcher::with_updates (then nothing changes).
  void update(const MatcherUpdate& update);

 private:
  mutable std::mutex mu_;
  std::mutex update_mu_;
  std::shared_ptr<const Matcher> current_;
};

}  // namespace pdqguard
