// Internal: the storage of a built or mapped index, and the search structures.
#pragma once

#include <pdqguard/index.hpp>

#include "index/huge_alloc.hpp"
#include "simd/kernels.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pdqguard::detail {

/// One list entry in the index. `id` is a string-table index, or, with bit 31
/// set, the numeric id (a line number) in the low 31 bits.
struct EntryRec {
  std::uint32_t list;
  std::uint32_t id;
  std::uint32_t label;  ///< string-table index (0 = the empty string)
  std::int32_t quality;
};
static_assert(sizeof(EntryRec) == 16);
inline constexpr std::uint32_t kNumericId = 0x80000000u;

/// A read-only span over owned or mapped memory.
template <class T>
struct View {
  const T* p = nullptr;
  std::size_t n = 0;
  const T& operator[](std::size_t i) const noexcept { return p[i]; }
  std::size_t size() const noexcept { return n; }
  const T* begin() const noexcept { return p; }
  const T* end() const noexcept { return p + n; }
  std::size_t bytes() const noexcept { return n * sizeof(T); }
};

// ---- search kernels: one set per SIMD path, in the KernelTable of lib/simd ----
// (flat.cpp, flat_avx2.cpp, flat_avx512.cpp, mih_query.inc via mih.cpp and
// mih_popcnt.cpp). HitVec, FlatKernels and the kernel signatures are declared in
// simd/kernels.hpp.

/// The flat-scan kernel of the active SIMD path (PDQGUARD_ISA / force_isa / the CPU).
inline const FlatKernels& flat_kernels() { return active_kernels().flat; }
/// flat_radius_scalar over slots [first, n) of `hs` (the SIMD kernels' tail).
void flat_radius_scalar_from(const Hash256* hs, std::size_t first, std::size_t n, const Hash256* qs,
                             std::size_t nq, int r, HitVec& out);
/// Appends Hit{first + b, dist[b], query} for each set bit b of `mask`, lowest
/// first: how the SIMD flat kernels report hits without inline std::vector code.
void flat_push_hits(HitVec& out, std::size_t first, const std::uint64_t* dist, unsigned mask,
                    std::size_t query);

// ---- multi-index hashing (mih.cpp) ----

struct MihParams {
  std::uint32_t m = 0;                     ///< substrings
  std::uint32_t start[32] = {};            ///< first bit of substring i
  std::uint32_t len[32] = {};              ///< bits of substring i (<= 32)
};
/// Picks m for n hashes (substring length ~ log2 n, capped to keep tables small).
MihParams mih_choose(std::size_t n, int substrings);
/// The value of substring i of h.
inline std::uint32_t mih_key(const MihParams& p, std::uint32_t i, const Hash256& h) noexcept {
  const std::uint32_t s = p.start[i], l = p.len[i];
  const std::uint32_t w = s >> 6, b = s & 63;
  std::uint64_t v = h.words[w] >> b;
  if (b + l > 64 && w < 3) v |= h.words[w + 1] << (64 - b);
  return static_cast<std::uint32_t>(v & ((std::uint64_t{1} << l) - 1));
}

/// Per substring, a dense table of 2^len 32-bit cells indexed by the substring
/// value: kMihEmpty, a slot id (bit 31 clear: the only hash with that value), or
/// kMihMulti | position in `overflow`, where the slots with that value follow in
/// ascending order, the last one marked with bit 31. One random read finds a
/// lone candidate (the common case at the sizes m is chosen for).
inline constexpr std::uint32_t kMihEmpty = 0xffffffffu;
inline constexpr std::uint32_t kMihMulti = 0x80000000u;
inline constexpr std::uint32_t kMihLast = 0x80000000u;
struct MihView {
  MihParams params;
  View<std::uint32_t> table[32];     ///< 2^len cells per substring
  View<std::uint32_t> overflow[32];  ///< slot lists of values shared by several hashes
};
struct MihOwned {
  BigVec<std::uint32_t> table[32];
  BigVec<std::uint32_t> overflow[32];
};
void mih_build(const View<Hash256>& hs, const MihParams& p, MihOwned& out, MihView& view);
/// Radius search via MIH (exact). `nq` queries.
void mih_radius(const MihView& mv, const View<Hash256>& hs, const Hash256* qs, std::size_t nq, int r,
                HitVec& out);
/// Estimated cost (ns) of a MIH query at radius r, and of a flat scan of n hashes.
double mih_cost(const MihParams& p, std::size_t n, int r);
double flat_cost(std::size_t n, std::size_t batch);

// ---- BK-tree (bktree.cpp) ----

struct BkNode {
  std::uint32_t slot;
  std::uint32_t first_child;  ///< index of its first child in the node array
  std::uint16_t children;     ///< number of children (contiguous, sorted by dist)
  std::uint16_t dist;         ///< distance to its parent (0 for the root)
};
static_assert(sizeof(BkNode) == 12);
void bk_build(const View<Hash256>& hs, BigVec<BkNode>& out);
void bk_radius(const View<BkNode>& nodes, const View<Hash256>& hs, const Hash256* qs, std::size_t nq, int r,
               HitVec& out);

// ---- the base (immutable) index ----

/// Everything a built or mapped index holds. Views point into `owned_*` vectors
/// or into a file mapping.
struct Base {
  IndexKind kind = IndexKind::automatic;
  View<Hash256> hashes;             ///< one per slot
  View<std::uint32_t> slot_begin;   ///< slots+1 entry offsets
  View<EntryRec> entries;
  View<std::uint64_t> str_off;      ///< strings+1 offsets into str_blob
  View<char> str_blob;
  View<std::uint32_t> list_names;   ///< string index of each list's name
  bool has_mih = false;
  MihView mih;
  View<BkNode> bk;

  // owned storage (build) -------------------------------------------------
  BigVec<Hash256> o_hashes;
  BigVec<std::uint32_t> o_slot_begin;
  BigVec<EntryRec> o_entries;
  std::vector<std::uint64_t> o_str_off;
  std::vector<char> o_str_blob;
  std::vector<std::uint32_t> o_list_names;
  MihOwned o_mih;
  BigVec<BkNode> o_bk;

  // a mapping (open) ------------------------------------------------------
  struct Mapping;
  std::shared_ptr<Mapping> mapping;
  std::uint64_t file_size = 0;
  std::uint64_t checksum = 0;

  std::string_view str(std::uint32_t i) const noexcept {
    return {str_blob.p + str_off[i], static_cast<std::size_t>(str_off[i + 1] - str_off[i])};
  }
  std::string id_string(std::uint32_t id) const {
    if (id & kNumericId) return std::to_string(id & ~kNumericId);
    return std::string(str(id));
  }
  std::size_t slots() const noexcept { return hashes.n; }
  std::size_t memory_bytes() const noexcept;
  /// Points the views at the owned vectors.
  void view_owned();
  /// The kind used for radius r (never automatic).
  IndexKind kind_for(int r, std::size_t batch) const noexcept;
  /// Raw search of the base: unsorted hits (including slots whose entries were removed).
  void radius(const Hash256* qs, std::size_t nq, int r, HitVec& out) const;
  std::string describe() const;
};

/// Builds a Base from entries already grouped: `hashes` unique, entries by slot.
struct BaseBuilder {
  BigVec<Hash256> hashes;                   // one per slot
  BigVec<std::uint32_t> slot_begin;         // slots+1
  BigVec<EntryRec> entries;
  std::vector<std::string> list_names;
  // string table
  std::vector<std::uint64_t> str_off{0, 0};  // string 0 is the empty string
  std::vector<char> blob;
  std::uint32_t intern(std::string_view s);
  std::vector<std::pair<std::uint64_t, std::uint32_t>> intern_table;  // open addressing: hash, index+1
  std::size_t intern_used = 0;
};
std::shared_ptr<Base> finish_base(BaseBuilder&& b, const BuildOptions& opt);

// ---- index files (file.cpp) ----
void save_base(const Base& b, const std::string& path);
std::shared_ptr<Base> open_base(const std::string& path, const OpenOptions& opt);

}  // namespace pdqguard::detail
