// Index files: a fixed header (magic, version, endianness, counts, its own
// XXH3-64), a section table and 64-byte aligned sections, the table and
// sections covered by an XXH3-64 checksum. Opening maps the file read-only and
// points the index views into the mapping: nothing is parsed or rebuilt.
#include "index/checksum.hpp"
#include "index/core.hpp"

#include <xxhash.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace pdqguard::detail {

namespace {

constexpr char kMagic[8] = {'P', 'D', 'Q', 'G', 'I', 'D', 'X', '\0'};
constexpr std::uint32_t kEndian = 0x01020304u;
constexpr std::uint32_t kMaxSections = 128;

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t endian;
  std::uint64_t file_size;
  std::uint64_t checksum;         // XXH3-64 of bytes [sizeof(Header), file_size)
  std::uint64_t header_checksum;  // XXH3-64 of this header with this field zero
  std::uint32_t kind;
  std::uint32_t sections;
  std::uint64_t slots;
  std::uint64_t entries;
  std::uint64_t strings;
  std::uint64_t lists;
  std::uint32_t mih_m;
  std::uint32_t reserved0;
  std::uint64_t reserved[5];
};
static_assert(sizeof(Header) == 128);

enum SectionId : std::uint32_t {
  kHashes = 1,
  kSlotBegin = 2,
  kEntries = 3,
  kStrOff = 4,
  kStrBlob = 5,
  kListNames = 6,
  kMihParams = 7,
  kMihTable = 8,
  kMihOverflow = 9,
  kBkNodes = 10,
};

struct Section {
  std::uint32_t id;
  std::uint32_t sub;
  std::uint64_t offset;
  std::uint64_t bytes;
};
static_assert(sizeof(Section) == 24);

std::uint64_t header_hash(Header h) {
  h.header_checksum = 0;
  return XXH3_64bits(&h, sizeof h);
}

[[noreturn]] void corrupt(const std::string& path, const std::string& why) {
  throw Error(ErrorCode::index_corrupt, path + ": " + why);
}

}  // namespace

struct Base::Mapping {
  void* addr = nullptr;
  std::size_t size = 0;
  ~Mapping() {
    if (addr != nullptr && addr != MAP_FAILED) munmap(addr, size);
  }
};

void save_base(const Base& b, const std::string& path) {
  struct Part {
    Section s;
    const void* data;
  };
  std::vector<Part> parts;
  auto add = [&](std::uint32_t id, std::uint32_t sub, const void* p, std::size_t bytes) {
    parts.push_back(Part{Section{id, sub, 0, bytes}, p});
  };
  add(kHashes, 0, b.hashes.p, b.hashes.bytes());
  add(kSlotBegin, 0, b.slot_begin.p, b.slot_begin.bytes());
  add(kEntries, 0, b.entries.p, b.entries.bytes());
  add(kStrOff, 0, b.str_off.p, b.str_off.bytes());
  add(kStrBlob, 0, b.str_blob.p, b.str_blob.bytes());
  add(kListNames, 0, b.list_names.p, b.list_names.bytes());
  std::vector<std::uint32_t> mp;
  if (b.has_mih) {
    mp.push_back(b.mih.params.m);
    for (std::uint32_t i = 0; i < b.mih.params.m; ++i) {
      mp.push_back(b.mih.params.start[i]);
      mp.push_back(b.mih.params.len[i]);
    }
    add(kMihParams, 0, mp.data(), mp.size() * 4);
    for (std::uint32_t i = 0; i < b.mih.params.m; ++i) {
      add(kMihTable, i, b.mih.table[i].p, b.mih.table[i].bytes());
      add(kMihOverflow, i, b.mih.overflow[i].p, b.mih.overflow[i].bytes());
    }
  }
  if (b.kind == IndexKind::bktree) add(kBkNodes, 0, b.bk.p, b.bk.bytes());

  std::uint64_t pos = sizeof(Header) + parts.size() * sizeof(Section);
  for (auto& p : parts) {
    pos = (pos + 63) & ~std::uint64_t{63};
    p.s.offset = pos;
    pos += p.s.bytes;
  }
  Header h{};
  std::memcpy(h.magic, kMagic, 8);
  h.version = kIndexFormatVersion;
  h.endian = kEndian;
  h.file_size = pos;
  h.kind = static_cast<std::uint32_t>(b.kind);
  h.sections = static_cast<std::uint32_t>(parts.size());
  h.slots = b.hashes.n;
  h.entries = b.entries.n;
  h.strings = b.str_off.n - 1;
  h.lists = b.list_names.n;
  h.mih_m = b.has_mih ? b.mih.params.m : 0;

  XXH3_state_t* st = XXH3_createState();
  XXH3_64bits_reset(st);
  std::vector<Section> table;
  for (const auto& p : parts) table.push_back(p.s);
  XXH3_64bits_update(st, table.data(), table.size() * sizeof(Section));
  std::uint64_t at = sizeof(Header) + table.size() * sizeof(Section);
  static const char zeros[64] = {};
  for (const auto& p : parts) {
    XXH3_64bits_update(st, zeros, p.s.offset - at);
    XXH3_64bits_update(st, p.data, p.s.bytes);
    at = p.s.offset + p.s.bytes;
  }
  h.checksum = XXH3_64bits_digest(st);
  XXH3_freeState(st);
  h.header_checksum = header_hash(h);

  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw Error(ErrorCode::io_error, tmp + ": cannot create index file");
    f.write(reinterpret_cast<const char*>(&h), sizeof h);
    f.write(reinterpret_cast<const char*>(table.data()), static_cast<std::streamsize>(table.size() * sizeof(Section)));
    at = sizeof(Header) + table.size() * sizeof(Section);
    for (const auto& p : parts) {
      f.write(zeros, static_cast<std::streamsize>(p.s.offset - at));
      if (p.s.bytes) f.write(static_cast<const char*>(p.data), static_cast<std::streamsize>(p.s.bytes));
      at = p.s.offset + p.s.bytes;
    }
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      throw Error(ErrorCode::io_error, tmp + ": write failed (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    throw Error(ErrorCode::io_error, path + ": cannot rename into place: " + std::strerror(e));
  }
}

namespace {

/// Reads and validates the header from the first bytes of a file.
Header check_header(const std::string& path, const unsigned char* p, std::uint64_t size) {
  if (size < sizeof(Header)) corrupt(path, "truncated: " + std::to_string(size) + " bytes, smaller than the header");
  Header h;
  std::memcpy(&h, p, sizeof h);
  if (std::memcmp(h.magic, kMagic, 8) != 0) corrupt(path, "not a pdqguard index file (bad magic)");
  if (h.endian != kEndian) {
    if (h.endian == __builtin_bswap32(kEndian)) corrupt(path, "written on a machine of the other byte order");
    corrupt(path, "bad byte-order marker");
  }
  if (h.version != kIndexFormatVersion)
    corrupt(path, "format version " + std::to_string(h.version) + ", this library reads version " +
                      std::to_string(kIndexFormatVersion) + " (rebuild the index)");
  if (header_hash(h) != h.header_checksum) corrupt(path, "header checksum mismatch (damaged header)");
  if (h.file_size != size)
    corrupt(path, (size < h.file_size ? "truncated: " : "trailing bytes: ") + std::string("header says ") +
                      std::to_string(h.file_size) + " bytes, file has " + std::to_string(size));
  if (h.kind > 3) corrupt(path, "unknown index kind " + std::to_string(h.kind));
  if (h.sections > kMaxSections) corrupt(path, "too many sections");
  if (h.slots > 0xfffffffeull || h.entries > 0xfffffffeull || h.strings > 0x7fffffffull || h.lists > 0xffffffull ||
      h.entries < h.slots || h.mih_m > 32)
    corrupt(path, "counts out of range");
  if (sizeof(Header) + std::uint64_t{h.sections} * sizeof(Section) > size) corrupt(path, "truncated section table");
  return h;
}

struct Parsed {
  Header h;
  std::vector<Section> table;
};

template <class T>
View<T> section_view(const std::string& path, const unsigned char* base, const Parsed& ps, std::uint32_t id,
                     std::uint32_t sub, std::uint64_t count, const char* what) {
  for (const Section& s : ps.table) {
    if (s.id != id || s.sub != sub) continue;
    if (s.offset % 8 != 0 || s.offset > ps.h.file_size || s.bytes > ps.h.file_size - s.offset)
      corrupt(path, std::string(what) + " section lies outside the file");
    if (count > (std::uint64_t{1} << 40) / sizeof(T) || s.bytes != count * sizeof(T))
      corrupt(path, std::string(what) + " section has " + std::to_string(s.bytes) + " bytes, expected " +
                        std::to_string(count * sizeof(T)));
    return View<T>{reinterpret_cast<const T*>(base + s.offset), static_cast<std::size_t>(count)};
  }
  corrupt(path, std::string("missing section: ") + what);
}

void bind(const std::string& path, const unsigned char* p, const Parsed& ps, Base& b) {
  const Header& h = ps.h;
  b.kind = static_cast<IndexKind>(h.kind);
  b.hashes = section_view<Hash256>(path, p, ps, kHashes, 0, h.slots, "hashes");
  b.slot_begin = section_view<std::uint32_t>(path, p, ps, kSlotBegin, 0, h.slots + 1, "slot table");
  b.entries = section_view<EntryRec>(path, p, ps, kEntries, 0, h.entries, "entries");
  b.str_off = section_view<std::uint64_t>(path, p, ps, kStrOff, 0, h.strings + 1, "string offsets");
  std::uint64_t blob_bytes = 0;
  for (const Section& s : ps.table)
    if (s.id == kStrBlob) blob_bytes = s.bytes;
  b.str_blob = section_view<char>(path, p, ps, kStrBlob, 0, blob_bytes, "strings");
  b.list_names = section_view<std::uint32_t>(path, p, ps, kListNames, 0, h.lists, "list names");
  // O(1) consistency checks that keep the common paths inside the mapping
  if (b.slot_begin[0] != 0 || b.slot_begin[h.slots] != h.entries) corrupt(path, "slot table inconsistent with entry count");
  if (b.str_off[0] != 0 || b.str_off[h.strings] != blob_bytes) corrupt(path, "string table inconsistent");
  if (h.mih_m != 0) {
    const auto prm = section_view<std::uint32_t>(path, p, ps, kMihParams, 0, 1 + 2 * std::uint64_t{h.mih_m}, "mih parameters");
    if (prm[0] != h.mih_m) corrupt(path, "mih parameters inconsistent");
    MihParams mp;
    mp.m = h.mih_m;
    std::uint32_t pos = 0;
    for (std::uint32_t i = 0; i < mp.m; ++i) {
      mp.start[i] = prm[1 + 2 * i];
      mp.len[i] = prm[2 + 2 * i];
      if (mp.start[i] != pos || mp.len[i] == 0 || mp.len[i] > 32) corrupt(path, "mih substrings malformed");
      pos += mp.len[i];
    }
    if (pos != 256) corrupt(path, "mih substrings do not cover 256 bits");
    b.mih.params = mp;
    for (std::uint32_t i = 0; i < mp.m; ++i) {
      if (mp.len[i] > 30) corrupt(path, "mih substring too long");
      b.mih.table[i] = section_view<std::uint32_t>(path, p, ps, kMihTable, i, std::uint64_t{1} << mp.len[i], "mih table");
      std::uint64_t over_bytes = 0;
      for (const Section& s : ps.table)
        if (s.id == kMihOverflow && s.sub == i) over_bytes = s.bytes;
      if (over_bytes % 4 != 0 || over_bytes / 4 > h.slots) corrupt(path, "mih overflow size out of range");
      b.mih.overflow[i] = section_view<std::uint32_t>(path, p, ps, kMihOverflow, i, over_bytes / 4, "mih overflow");
    }
    b.has_mih = true;
  } else if (b.kind == IndexKind::mih) {
    corrupt(path, "mih index without its tables");
  }
  if (b.kind == IndexKind::bktree) b.bk = section_view<BkNode>(path, p, ps, kBkNodes, 0, h.slots, "bktree nodes");
}

Parsed parse_table(const std::string& path, const unsigned char* p, std::uint64_t size) {
  Parsed ps;
  ps.h = check_header(path, p, size);
  ps.table.resize(ps.h.sections);
  std::memcpy(ps.table.data(), p + sizeof(Header), ps.table.size() * sizeof(Section));
  return ps;
}

std::uint64_t payload_hash(const unsigned char* p, std::uint64_t size) {
  return checksum64(p + sizeof(Header), size - sizeof(Header));
}

/// Entry metadata check, run on every open (with or without the checksum): slot
/// ranges, string offsets, list and string references in range, so that reading
/// a match's list, id and label can never leave the mapping even when a damaged
/// file is opened without verifying its checksum. O(entries), a few ms per million.
void metadata_check(const std::string& path, const Base& b) {
  const std::size_t n = b.hashes.n, ne = b.entries.n, ns = b.str_off.n - 1, nl = b.list_names.n;
  for (std::size_t i = 0; i < n; ++i)
    if (b.slot_begin[i] >= b.slot_begin[i + 1]) corrupt(path, "slot " + std::to_string(i) + " has no entries");
  for (std::size_t i = 0; i < ns; ++i)
    if (b.str_off[i] > b.str_off[i + 1]) corrupt(path, "string offsets not increasing");
  for (std::size_t i = 0; i < nl; ++i)
    if (b.list_names[i] >= ns) corrupt(path, "list name out of range");
  for (std::size_t i = 0; i < ne; ++i) {
    const EntryRec& e = b.entries[i];
    if (e.list >= nl) corrupt(path, "entry " + std::to_string(i) + ": list out of range");
    if (!(e.id & kNumericId) && e.id >= ns) corrupt(path, "entry " + std::to_string(i) + ": id out of range");
    if (e.label >= ns) corrupt(path, "entry " + std::to_string(i) + ": label out of range");
  }
}

/// Full structural check (verify_index_file): the metadata, hash order and every
/// search structure.
void deep_check(const std::string& path, const Base& b) {
  metadata_check(path, b);
  const std::size_t n = b.hashes.n;
  for (std::size_t i = 1; i < n; ++i)
    if (!(b.hashes[i - 1] < b.hashes[i])) corrupt(path, "hashes not sorted / duplicated at slot " + std::to_string(i));
  if (b.has_mih) {
    std::vector<std::uint8_t> seen;
    for (std::uint32_t i = 0; i < b.mih.params.m; ++i) {
      const auto& table = b.mih.table[i];
      const auto& over = b.mih.overflow[i];
      seen.assign(n, 0);
      std::size_t found = 0, over_used = 0;
      auto visit = [&](std::uint32_t s, std::size_t k) {
        if (s >= n || seen[s] || mih_key(b.mih.params, i, b.hashes[s]) != k) corrupt(path, "mih table inconsistent");
        seen[s] = 1;
        ++found;
      };
      for (std::size_t k = 0; k < table.n; ++k) {
        const std::uint32_t c = table[k];
        if (c == kMihEmpty) continue;
        if (!(c & kMihMulti)) {
          visit(c, k);
          continue;
        }
        std::size_t x = c & ~kMihMulti;
        if (x != over_used) corrupt(path, "mih overflow lists out of order");
        std::size_t len = 0;
        while (true) {
          if (x >= over.n) corrupt(path, "mih overflow list runs past its section");
          visit(over[x] & ~kMihLast, k);
          ++len;
          if (over[x++] & kMihLast) break;
        }
        if (len < 2) corrupt(path, "mih overflow list too short");
        over_used = x;
      }
      if (found != n || over_used != over.n) corrupt(path, "mih table does not index every hash once");
    }
  }
  if (b.kind == IndexKind::bktree) {
    std::vector<std::uint8_t> seen(n, 0);
    for (std::size_t i = 0; i < b.bk.n; ++i) {
      const BkNode& nd = b.bk[i];
      if (nd.slot >= n || seen[nd.slot]) corrupt(path, "bktree node " + std::to_string(i) + " malformed");
      seen[nd.slot] = 1;
      if (nd.children != 0 && (nd.first_child <= i || nd.first_child > b.bk.n || nd.children > b.bk.n - nd.first_child))
        corrupt(path, "bktree node " + std::to_string(i) + " children out of range");
    }
  }
}

struct Mapped {
  std::shared_ptr<Base::Mapping> map;
  std::uint64_t size = 0;
};

Mapped map_file(const std::string& path, bool populate) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorCode::io_error, path + ": cannot open index file: " + std::strerror(errno));
  struct stat stt {};
  if (::fstat(fd, &stt) != 0 || !S_ISREG(stt.st_mode)) {
    ::close(fd);
    throw Error(ErrorCode::io_error, path + ": not a regular file");
  }
  Mapped m;
  m.size = static_cast<std::uint64_t>(stt.st_size);
  m.map = std::make_shared<Base::Mapping>();
  if (m.size < sizeof(Header)) {
    ::close(fd);
    corrupt(path, "truncated: " + std::to_string(m.size) + " bytes, smaller than the header");
  }
  m.map->size = static_cast<std::size_t>(m.size);
  m.map->addr = ::mmap(nullptr, m.map->size, PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd, 0);
  const int e = errno;
  ::close(fd);
  if (m.map->addr == MAP_FAILED) {
    m.map->addr = nullptr;
    throw Error(ErrorCode::io_error, path + ": cannot map index file: " + std::strerror(e));
  }
  // Queries read the search tables at random: ask for huge pages where the
  // kernel can back a file mapping with them (read-only THP for file systems),
  // and for read-ahead of the whole file when it is not populated. Advice only:
  // failures change nothing.
#ifdef MADV_HUGEPAGE
  ::madvise(m.map->addr, m.map->size, MADV_HUGEPAGE);
#endif
  if (!populate) ::madvise(m.map->addr, m.map->size, MADV_WILLNEED);
  return m;
}

}  // namespace

std::shared_ptr<Base> open_base(const std::string& path, const OpenOptions& opt) {
  // The checksum reads every page: map them all in one call (MAP_POPULATE)
  // instead of taking a page fault for each while hashing.
  Mapped m = map_file(path, opt.populate || opt.verify_checksum);
  const auto* p = static_cast<const unsigned char*>(m.map->addr);
  const Parsed ps = parse_table(path, p, m.size);
  if (opt.verify_checksum && payload_hash(p, m.size) != ps.h.checksum)
    corrupt(path, "checksum mismatch: the file is damaged");
  auto b = std::make_shared<Base>();
  bind(path, p, ps, *b);
  metadata_check(path, *b);
  if (opt.copy_to_memory) {
    auto copy = [](auto& owned, auto& view) {
      owned.assign(view.begin(), view.end());
      view.p = owned.data();
    };
    copy(b->o_hashes, b->hashes);
    if (b->has_mih)
      for (std::uint32_t i = 0; i < b->mih.params.m; ++i) {
        copy(b->o_mih.table[i], b->mih.table[i]);
        copy(b->o_mih.overflow[i], b->mih.overflow[i]);
      }
    if (b->bk.n != 0) copy(b->o_bk, b->bk);
  }
  b->mapping = m.map;
  b->file_size = m.size;
  b->checksum = ps.h.checksum;
  return b;
}

}  // namespace pdqguard::detail

namespace pdqguard {

namespace {
IndexInfo info_of(const detail::Base& b, std::uint64_t file_size, std::uint64_t checksum) {
  IndexInfo in;
  in.format_version = kIndexFormatVersion;
  in.kind = b.kind;
  in.description = b.describe();
  in.slots = b.hashes.n;
  in.entries = b.entries.n;
  in.lists.resize(b.list_names.n);
  for (std::size_t i = 0; i < b.list_names.n; ++i) in.lists[i].name = std::string(b.str(b.list_names[i]));
  for (std::size_t i = 0; i < b.entries.n; ++i)
    if (b.entries[i].list < in.lists.size()) ++in.lists[b.entries[i].list].entries;
  in.file_size = file_size;
  in.checksum = checksum;
  in.memory_bytes = b.memory_bytes();
  return in;
}
}  // namespace

IndexInfo index_file_info(const std::string& path) {
  // Maps the file (cheap, lazy) but checks only the header and tables.
  OpenOptions o;
  o.verify_checksum = false;
  auto b = detail::open_base(path, o);
  // list names come from the (unverified) string table: check their bounds first
  for (std::size_t i = 0; i < b->list_names.n; ++i) {
    const std::uint32_t s = b->list_names[i];
    if (static_cast<std::size_t>(s) + 1 >= b->str_off.n || b->str_off[s] > b->str_off[s + 1] || b->str_off[s + 1] > b->str_blob.n)
      throw Error(ErrorCode::index_corrupt, path + ": list name table out of range");
  }
  for (std::size_t i = 0; i < b->entries.n; ++i)
    if (b->entries[i].list >= b->list_names.n) throw Error(ErrorCode::index_corrupt, path + ": entry list out of range");
  return info_of(*b, b->file_size, b->checksum);
}

IndexInfo verify_index_file(const std::string& path) {
  OpenOptions o;
  o.verify_checksum = true;
  auto b = detail::open_base(path, o);
  detail::deep_check(path, *b);
  return info_of(*b, b->file_size, b->checksum);
}

}  // namespace pdqguard
