// Archive walking with libarchive: every member read into memory (bounded by
// the limits), nested archives walked from memory, errors as visits.
#include <pdqguard/archive.hpp>
#include <pdqguard/error.hpp>
#include <pdqguard/image.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <libdeflate.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace pdqguard {

bool is_archive(std::span<const std::uint8_t> h) noexcept {
  auto starts = [&](const char* magic, std::size_t n, std::size_t at = 0) {
    return h.size() >= at + n && std::memcmp(h.data() + at, magic, n) == 0;
  };
  return starts("PK\x03\x04", 4) || starts("PK\x05\x06", 4) || starts("7z\xBC\xAF\x27\x1C", 6) ||
         starts("\x1F\x8B", 2) || starts("BZh", 3) || starts("\xFD" "7zXZ\0", 6) ||
         starts("\x28\xB5\x2F\xFD", 4) || starts("ustar", 5, 257);
}

namespace {
struct ArchiveFree {
  void operator()(archive* a) const noexcept { archive_read_free(a); }
};

// The zip-bomb rule, for sizes a zip declares and for bytes as they inflate:
// more than max_ratio times the compressed bytes (plus 4 KiB of slack), once
// past a first MiB (a small blank image legitimately deflates 1000:1).
bool ratio_exceeded(std::uint64_t unpacked, std::uint64_t packed, double max_ratio) {
  return unpacked > (1u << 20) && static_cast<double>(unpacked) > max_ratio * (static_cast<double>(packed) + 4096.0);
}

// The little-endian n-byte number at p.
std::uint64_t le_at(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Reads up to n bytes at offset `at` of an archive's raw bytes; returns how many.
using ReadAt = std::function<std::size_t(std::uint64_t at, std::uint8_t* out, std::size_t n)>;

// What a zip's central directory declares for each member name (in directory
// order: a name may repeat), read with bounded reads before any member is
// inflated: the sizes that refuse a zip bomb up front, and where the member's
// bytes are, so that a stored or deflated member can be read straight from the
// archive and inflated with libdeflate (see Walk::zip_member). Empty when the
// bytes are not a zip with a readable directory (the ratio is then checked
// only while inflating, and libarchive reads every member).
class ZipDirectory {
 public:
  struct Sizes {
    std::uint64_t packed = 0, unpacked = 0;
    std::uint64_t local_at = 0;  // the local header's offset in the archive
    std::uint32_t crc = 0;
    std::uint16_t method = 0, flags = 0;
    const std::string* name = nullptr;  // the entry's name (a key of by_name_)
  };
  // The directory is read through a window of this many bytes, whatever size
  // it declares (an entry is at most 46 + 3 * 65535 = 196,651 bytes, so one
  // always fits): a directory of any size is walked in bounded chunks.
  static constexpr std::size_t kWindow = std::size_t{1} << 20;
  // Names longer than `max_name` are not kept (such a member is refused by the
  // path limit before its sizes matter), so the names kept take at most
  // max_entries * max_name bytes, and never more than the directory's own.
  // `whole` (the archive's bytes when it is in memory, else empty) is kept by reference: it must outlive this object.
  ZipDirectory(const ReadAt& read, std::uint64_t size, std::uint64_t max_entries, std::size_t max_name,
               std::span<const std::uint8_t> whole = {})
      : read_(read), size_(size), whole_(whole) {
    load(max_entries, max_name);
  }
  // The declared sizes of the next member called `name`, if the directory has it.
  const Sizes* next(const std::string& name) {
    const auto it = by_name_.find(name);
    if (it == by_name_.end()) return nullptr;
    std::size_t& k = taken_[name];
    return k < it->second.size() ? &it->second[k++] : nullptr;
  }
  // The directory entry of the member libarchive has just reported as `name`,
  // for reading its bytes directly; null when that is not certain. libarchive's
  // zip reader (the seekable one, which every zip we see a directory of gets)
  // visits the directory's entries in local-header offset order, one offset
  // once, so the k-th member it reports is the k-th entry by offset. Call once
  // per member reported, skipped ones too. The pairing is checked (the entry's
  // name, and its local header's, must be `name`: see Walk::zip_member); the
  // first disagreement ends it for the rest of the archive, so a hostile
  // directory can never pair one member's name with another member's bytes.
  const Sizes* step(const char* name) {
    const Sizes* z = in_step_ && cursor_ < in_order_.size() ? &in_order_[cursor_++] : nullptr;
    if (z && name && *z->name == name) return z;
    in_step_ = false;
    return nullptr;
  }
  // Ends the pairing of step() for the rest of the archive.
  void out_of_step() { in_step_ = false; }
  // Reads up to n bytes at `at` of the archive; returns how many.
  std::size_t read(std::uint64_t at, std::uint8_t* out, std::size_t n) const { return read_(at, out, n); }
  std::uint64_t size() const { return size_; }
  std::span<const std::uint8_t> whole() const { return whole_; }

 private:
  static std::uint64_t le(const std::uint8_t* p, int n) { return le_at(p, n); }
  void load(std::uint64_t max_entries, std::size_t max_name) {
    const ReadAt& read = read_;
    const std::uint64_t size = size_;
    std::uint8_t magic[2];
    if (read(0, magic, 2) != 2 || magic[0] != 'P' || magic[1] != 'K') return;
    // The end-of-central-directory record lies in the last 22 + 65535 bytes.
    const std::uint64_t tail_size = std::min<std::uint64_t>(size, 22 + 65535);
    std::vector<std::uint8_t> tail(static_cast<std::size_t>(tail_size));
    if (tail_size < 22 || read(size - tail_size, tail.data(), tail.size()) != tail.size()) return;
    std::size_t eocd = tail.size() - 22 + 1;
    while (eocd-- > 0)
      if (std::memcmp(tail.data() + eocd, "PK\x05\x06", 4) == 0) break;
    if (eocd == static_cast<std::size_t>(-1)) return;
    std::uint64_t count = le(&tail[eocd + 10], 2), cd_size = le(&tail[eocd + 12], 4), cd_at = le(&tail[eocd + 16], 4);
    if (eocd >= 20 && std::memcmp(tail.data() + eocd - 20, "PK\x06\x07", 4) == 0) {
      // Zip64: the locator gives the zip64 end record's offset.
      std::uint8_t rec[56];
      if (read(le(&tail[eocd - 20 + 8], 8), rec, sizeof rec) != sizeof rec || std::memcmp(rec, "PK\x06\x06", 4) != 0)
        return;
      count = le(rec + 32, 8);
      cd_size = le(rec + 40, 8);
      cd_at = le(rec + 48, 8);
    }
    // A directory larger than its file, or than the member limit allows
    // (46 bytes an entry at least), is not read.
    if (cd_at > size || cd_size > size - cd_at || count > max_entries || cd_size > (count + 1) * (46 + 3 * 65535ull))
      return;
    if (count == 0 || cd_size == 0) return;
    // The window holds the directory bytes [win_at, win_at + have) (file
    // offsets); `pos` is the current entry's offset in the directory.
    std::vector<std::uint8_t> win(static_cast<std::size_t>(std::min<std::uint64_t>(cd_size, kWindow)));
    std::uint64_t win_at = cd_at, pos = 0;
    std::size_t have = 0;
    // Makes the `need` bytes of the directory at `pos` readable in the window,
    // moving it on; false when they pass the directory's end or cannot be read.
    const auto ensure = [&](std::size_t need) -> bool {
      if (need > cd_size - pos) return false;
      const std::size_t off = static_cast<std::size_t>(cd_at + pos - win_at);
      if (off + need <= have) return true;
      std::memmove(win.data(), win.data() + off, have - off);
      have -= off;
      win_at += off;
      const std::size_t want =
          static_cast<std::size_t>(std::min<std::uint64_t>(win.size() - have, cd_at + cd_size - (win_at + have)));
      if (want > 0 && read(win_at + have, win.data() + have, want) != want) return false;
      have += want;
      return need <= have;
    };
    for (std::uint64_t i = 0; i < count && ensure(46); ++i) {
      const std::uint8_t* e = win.data() + (cd_at + pos - win_at);
      if (std::memcmp(e, "PK\x01\x02", 4) != 0) return;
      const std::size_t name_len = le(e + 28, 2), extra_len = le(e + 30, 2), comment_len = le(e + 32, 2);
      const std::size_t entry = 46 + name_len + extra_len + comment_len;
      if (!ensure(entry)) return;
      e = win.data() + (cd_at + pos - win_at);  // the window may have moved
      pos += entry;
      if (name_len > max_name) continue;
      Sizes sz;
      sz.packed = le(e + 20, 4);
      sz.unpacked = le(e + 24, 4);
      sz.local_at = le(e + 42, 4);
      sz.crc = static_cast<std::uint32_t>(le(e + 16, 4));
      sz.method = static_cast<std::uint16_t>(le(e + 10, 2));
      sz.flags = static_cast<std::uint16_t>(le(e + 8, 2));
      // Zip64 extra field (id 1): the 64-bit sizes of the fields set to ~0,
      // uncompressed first.
      const std::uint8_t* x = e + 46 + name_len;
      for (std::size_t k = 0; k + 4 <= extra_len;) {
        const std::size_t id = le(x + k, 2), len = le(x + k + 2, 2);
        if (k + 4 + len > extra_len) break;
        if (id == 1) {
          std::size_t f = k + 4;
          if (sz.unpacked == 0xFFFFFFFFu && f + 8 <= k + 4 + len) sz.unpacked = le(x + f, 8), f += 8;
          if (sz.packed == 0xFFFFFFFFu && f + 8 <= k + 4 + len) sz.packed = le(x + f, 8), f += 8;
          if (sz.local_at == 0xFFFFFFFFu && f + 8 <= k + 4 + len) sz.local_at = le(x + f, 8);
        }
        k += 4 + len;
      }
      const auto it = by_name_.try_emplace(std::string(reinterpret_cast<const char*>(e + 46), name_len)).first;
      sz.name = &it->first;
      it->second.push_back(sz);
      in_order_.push_back(sz);
    }
    // libarchive's order: by local-header offset, an offset once (the first
    // entry in directory order that names it).
    std::stable_sort(in_order_.begin(), in_order_.end(),
                     [](const Sizes& a, const Sizes& b) { return a.local_at < b.local_at; });
    in_order_.erase(std::unique(in_order_.begin(), in_order_.end(),
                                [](const Sizes& a, const Sizes& b) { return a.local_at == b.local_at; }),
                    in_order_.end());
  }
  ReadAt read_;
  std::uint64_t size_;
  std::span<const std::uint8_t> whole_;
  std::map<std::string, std::vector<Sizes>> by_name_;
  std::map<std::string, std::size_t> taken_;
  std::vector<Sizes> in_order_;
  std::size_t cursor_ = 0;
  bool in_step_ = true;
};

struct Walk {
  const ArchiveOptions& o;
  const std::function<void(const ArchiveMember&)>& visit;
  std::uint64_t total = 0;  // uncompressed bytes, whole walk
  std::uint64_t members = 0;
  bool stopped = false;     // a walk-wide limit was hit: stop everywhere

  void error(const std::string& path, ErrorCode code, const std::string& message) {
    ArchiveMember m;
    m.path = path;
    m.error = code;
    m.message = message;
    visit(m);
  }
  // `zip`: the declared sizes when the archive is a zip, else null.
  void walk(archive* a, const std::string& name, int depth, ZipDirectory* zip = nullptr);
  void member_bytes(const std::string& path, std::span<const std::uint8_t> data, int depth);
  enum class Read { done, libarchive };
  Read zip_member(ZipDirectory& zip, const ZipDirectory::Sizes& z, const std::string& name,
                  const std::string& path, int depth);

  // Zip members read by zip_member: the compressed bytes and the inflated
  // ones, kept between members (up to 16 MiB each), never zero-filled. One
  // pair per nesting depth: a nested archive is walked from its parent's
  // buffer, which must stay put meanwhile.
  struct Buffer {
    std::unique_ptr<std::uint8_t[]> p;
    std::size_t cap = 0;
    std::uint8_t* get(std::size_t n) {
      if (n > cap) {
        p.reset();
        p.reset(new std::uint8_t[n]);
        cap = n;
      }
      return p.get();
    }
  };
  struct Buffers {
    Buffer packed, member;
  };
  std::vector<Buffers> buffers{};  // [depth]
  std::vector<std::uint8_t> local_header{};  // a local header and its name
  struct DecompressorFree {
    void operator()(libdeflate_decompressor* d) const noexcept { libdeflate_free_decompressor(d); }
  };
  std::unique_ptr<libdeflate_decompressor, DecompressorFree> inflater{};
};

// Members up to this size (uncompressed) are read by zip_member; larger ones
// are streamed through libarchive, which needs only its own blocks, so a member
// is never allocated whole at a size only its header declares beyond this.
constexpr std::uint64_t kZipDirectMax = std::uint64_t{64} << 20;

// A stored or deflated zip member whose directory entry is unambiguous, read
// straight from the archive's bytes (pread, or the memory itself) and inflated
// in one call with libdeflate (about 1.5x zlib's speed on JPEG members, which
// hardly compress), its CRC-32 checked. Anything unusual (encryption, another
// method, a data descriptor whose sizes the directory does not give, a local
// header that does not agree, a size past the limits) is left to libarchive's
// reader, as every member was before; this is only a faster way to the same
// bytes. Damage found here gets the same record libarchive's would.
Walk::Read Walk::zip_member(ZipDirectory& zip, const ZipDirectory::Sizes& z, const std::string& name,
                            const std::string& path, int depth) {
  if ((z.flags & 1) != 0 || (z.method != 0 && z.method != 8)) return Read::libarchive;
  if (z.unpacked > kZipDirectMax || z.unpacked > o.max_member_bytes) return Read::libarchive;
  // Deflate never grows data by more than 5 bytes a 64 KiB block (stored blocks).
  if (z.method == 0 ? z.packed != z.unpacked : z.packed > z.unpacked + z.unpacked / 1024 + 1024)
    return Read::libarchive;
  // The local header, with its name: it must be the member libarchive reported
  // (else the pairing of ZipDirectory::step ends here).
  const std::size_t name_len = z.name->size();
  local_header.resize(30 + name_len);
  std::uint8_t* h = local_header.data();
  if (z.local_at > zip.size() || zip.read(z.local_at, h, 30 + name_len) != 30 + name_len ||
      std::memcmp(h, "PK\x03\x04", 4) != 0 || le_at(h + 26, 2) != name_len ||
      std::memcmp(h + 30, z.name->data(), name_len) != 0) {
    zip.out_of_step();
    return Read::libarchive;
  }
  if (le_at(h + 8, 2) != z.method) return Read::libarchive;
  const std::uint64_t data_at = z.local_at + 30 + name_len + le_at(h + 28, 2);
  if (data_at > zip.size() || z.packed > zip.size() - data_at) return Read::libarchive;

  total += z.unpacked;
  if (total > o.max_total_bytes) {
    error(name, ErrorCode::archive_limit,
          "more than " + std::to_string(o.max_total_bytes) + " uncompressed bytes: the rest is not read");
    stopped = true;
    return Read::done;
  }
  const auto packed_n = static_cast<std::size_t>(z.packed), unpacked_n = static_cast<std::size_t>(z.unpacked);
  if (buffers.size() <= static_cast<std::size_t>(depth)) buffers.resize(static_cast<std::size_t>(depth) + 1);
  Buffer& packed_buf = buffers[static_cast<std::size_t>(depth)].packed;
  Buffer& member_buf = buffers[static_cast<std::size_t>(depth)].member;
  const std::uint8_t* in = nullptr;
  if (!zip.whole().empty()) {
    in = zip.whole().data() + data_at;
  } else {
    std::uint8_t* dst = (z.method == 0 ? member_buf : packed_buf).get(packed_n);
    if (zip.read(data_at, dst, packed_n) != packed_n) {
      error(path, ErrorCode::decode_error, "member damaged: the archive ends inside its data");
      return Read::done;
    }
    in = dst;
  }
  const std::uint8_t* out = in;
  if (z.method == 8) {
    if (!inflater) {
      inflater.reset(libdeflate_alloc_decompressor());
      if (!inflater) throw std::bad_alloc();
    }
    std::uint8_t* dst = member_buf.get(unpacked_n);
    const libdeflate_result r = libdeflate_deflate_decompress(inflater.get(), in, packed_n, dst, unpacked_n, nullptr);
    if (r != LIBDEFLATE_SUCCESS) {
      error(path, ErrorCode::decode_error,
            r == LIBDEFLATE_BAD_DATA ? std::string("member damaged: invalid deflate data")
                                     : "member damaged: its deflate data does not make the " +
                                           std::to_string(z.unpacked) + " bytes its header declares");
      return Read::done;
    }
    out = dst;
  }
  if (libdeflate_crc32(0, out, unpacked_n) != z.crc) {
    error(path, ErrorCode::decode_error, "member damaged: its bytes fail the archive's CRC-32 check");
    return Read::done;
  }
  member_bytes(path, std::span<const std::uint8_t>(out, unpacked_n), depth);
  // A member far larger than the usual is not kept for the rest of the walk
  // (the nested walk may have grown `buffers`: index again).
  Buffers& kept = buffers[static_cast<std::size_t>(depth)];
  if (kept.member.cap > (std::size_t{16} << 20)) kept.member = {};
  if (kept.packed.cap > (std::size_t{16} << 20)) kept.packed = {};
  return Read::done;
}

std::unique_ptr<archive, ArchiveFree> new_reader() {
  std::unique_ptr<archive, ArchiveFree> a(archive_read_new());
  if (!a) throw std::bad_alloc();
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  archive_read_support_format_raw(a.get());  // a lone .gz/.xz/... holding one file
  return a;
}

std::string reason(archive* a) {
  const char* s = archive_error_string(a);
  return s ? s : "unknown libarchive error";
}

ReadAt memory_reader(std::span<const std::uint8_t> data) {
  return [data](std::uint64_t at, std::uint8_t* out, std::size_t n) -> std::size_t {
    if (n == 0 || at >= data.size()) return 0;  // (memcpy must not see a null `out`)
    const std::size_t k = std::min<std::uint64_t>(n, data.size() - at);
    std::memcpy(out, data.data() + at, k);
    return k;
  };
}

void Walk::member_bytes(const std::string& path, std::span<const std::uint8_t> data, int depth) {
  if (is_archive(data.first(std::min<std::size_t>(data.size(), 512)))) {
    if (depth >= o.max_depth) {
      error(path, ErrorCode::archive_limit,
            "archive nested deeper than the limit of " + std::to_string(o.max_depth) + " levels");
      return;
    }
    auto a = new_reader();
    if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) {
      error(path, ErrorCode::decode_error, "archive cannot be opened: " + reason(a.get()));
      return;
    }
    ZipDirectory zip(memory_reader(data), data.size(), o.max_members, o.max_path, data);
    walk(a.get(), path, depth + 1, &zip);
    return;
  }
  ArchiveMember m;
  m.path = path;
  m.data = data;
  visit(m);
}

void Walk::walk(archive* a, const std::string& name, int depth, ZipDirectory* zip) {
  archive_entry* e = nullptr;
  std::vector<std::uint8_t> buf;
  for (;;) {
    if (stopped) return;
    const int rc = archive_read_next_header(a, &e);
    if (rc == ARCHIVE_EOF) return;
    if (rc < ARCHIVE_WARN) {
      error(name, ErrorCode::decode_error,
            "archive damaged after " + std::to_string(members) + " members: " + reason(a));
      return;
    }
    if (++members > o.max_members) {
      error(name, ErrorCode::archive_limit,
            "more than " + std::to_string(o.max_members) + " archive members: the rest are not read");
      stopped = true;
      return;
    }
    const char* p = archive_entry_pathname(e);
    // Every member takes its slot of the zip directory, skipped ones too.
    const bool is_zip = (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP;
    const ZipDirectory::Sizes* declared = zip && is_zip && p ? zip->next(p) : nullptr;
    const ZipDirectory::Sizes* at = zip && is_zip ? zip->step(p) : nullptr;
    const bool raw = archive_format(a) == ARCHIVE_FORMAT_RAW;
    const std::string member = raw ? std::string("data") : (p ? p : "(unnamed member)");
    const std::string path = name + "!/" + member;
    const mode_t type = archive_entry_filetype(e);
    if (type == AE_IFDIR) continue;
    if (path.size() > o.max_path) {
      error(path.substr(0, o.max_path), ErrorCode::archive_limit,
            "member path of " + std::to_string(path.size()) + " bytes exceeds the limit of " +
                std::to_string(o.max_path));
      continue;
    }
    if (!raw && type != AE_IFREG) {
      const char* what = type == AE_IFLNK ? "symbolic link" : type == AE_IFCHR || type == AE_IFBLK ? "device"
                         : type == AE_IFIFO ? "fifo" : type == AE_IFSOCK ? "socket" : "non-regular member";
      error(path, ErrorCode::not_a_file, std::string(what) + " in an archive: skipped");
      continue;
    }
    if (archive_entry_is_encrypted(e)) {
      error(path, ErrorCode::encrypted, "encrypted archive member: not read");
      continue;
    }
    if (archive_entry_size_is_set(e) && static_cast<std::uint64_t>(archive_entry_size(e)) > o.max_member_bytes) {
      error(path, ErrorCode::file_too_large,
            "member of " + std::to_string(archive_entry_size(e)) + " bytes exceeds the limit of " +
                std::to_string(o.max_member_bytes) + " bytes");
      continue;
    }
    // A zip states each member's sizes in its central directory: a bomb is
    // refused from them, before a byte is inflated.
    if (const ZipDirectory::Sizes* sz = declared; sz && ratio_exceeded(sz->unpacked, sz->packed, o.max_ratio)) {
      error(path, ErrorCode::archive_limit,
            "member declares " + std::to_string(sz->unpacked) + " bytes from " + std::to_string(sz->packed) +
                " compressed bytes, a compression ratio above " + std::to_string(static_cast<int>(o.max_ratio)) +
                ":1 (a zip bomb?): refused before inflating");
      continue;
    }
    if (at && zip_member(*zip, *at, name, path, depth) == Read::done) continue;
    // Read the member, checking the limits as it inflates.
    buf.clear();
    const la_int64_t packed0 = archive_filter_bytes(a, -1);
    bool failed = false;
    for (;;) {
      const void* block = nullptr;
      std::size_t size = 0;
      la_int64_t off = 0;
      const int r = archive_read_data_block(a, &block, &size, &off);
      if (r == ARCHIVE_EOF) break;
      // A warning here is damage too (a zip member failing its CRC-32, or not
      // the size its header declares): the bytes are not what was stored.
      if (r != ARCHIVE_OK) {
        const ErrorCode code = archive_entry_is_encrypted(e) ? ErrorCode::encrypted : ErrorCode::decode_error;
        error(path, code, "member damaged: " + reason(a));
        failed = true;
        break;
      }
      if (off < 0 || static_cast<std::uint64_t>(off) > o.max_member_bytes) {
        error(path, ErrorCode::file_too_large, "member exceeds the limit of " + std::to_string(o.max_member_bytes) + " bytes");
        failed = true;
        break;
      }
      const std::uint64_t end = static_cast<std::uint64_t>(off) + size;
      if (end > o.max_member_bytes) {
        error(path, ErrorCode::file_too_large,
              "member exceeds the limit of " + std::to_string(o.max_member_bytes) + " bytes");
        failed = true;
        break;
      }
      if (end > buf.size()) {
        total += end - buf.size();
        if (total > o.max_total_bytes) {
          error(name, ErrorCode::archive_limit,
                "more than " + std::to_string(o.max_total_bytes) + " uncompressed bytes: the rest is not read");
          stopped = true;
          return;
        }
        buf.resize(end);  // a sparse hole reads as zeros
      }
      if (size > 0) std::memcpy(buf.data() + off, block, size);  // an empty block may be null
      const auto packed = static_cast<std::uint64_t>(std::max<la_int64_t>(archive_filter_bytes(a, -1) - packed0, 0));
      if (ratio_exceeded(buf.size(), packed, o.max_ratio)) {
        error(path, ErrorCode::archive_limit,
              "compression ratio above " + std::to_string(static_cast<int>(o.max_ratio)) +
                  ":1 (a zip bomb?): refused");
        failed = true;
        break;
      }
    }
    if (failed) continue;
    member_bytes(path, buf, depth);
  }
}
}  // namespace

void archive_walk_file(const std::string& path, const ArchiveOptions& opts,
                       const std::function<void(const ArchiveMember&)>& visit) {
  // Opened as every input is (never blocks on a FIFO or device; io_error /
  // not_a_file), then walked from that descriptor alone.
  struct Fd {
    int fd;
    ~Fd() { ::close(fd); }
  } f{open_input_file(path)};
  archive_walk_fd(f.fd, path, opts, visit);
}

void archive_walk_fd(int fd, const std::string& name, const ArchiveOptions& opts,
                     const std::function<void(const ArchiveMember&)>& visit) {
  Walk w{opts, visit};
  // The declared sizes of a zip, read with pread(2) on this same descriptor
  // (never reopened by path, and its offset is left to libarchive). Only a
  // regular file has a size to find the directory from.
  struct stat st {};
  const bool seekable = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
  const ReadAt read = [fd](std::uint64_t at, std::uint8_t* out, std::size_t n) -> std::size_t {
    std::size_t got = 0;
    while (got < n) {
      const ssize_t r = ::pread(fd, out + got, n - got, static_cast<off_t>(at + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    return got;
  };
  std::optional<ZipDirectory> zip;
  if (seekable) zip.emplace(read, static_cast<std::uint64_t>(st.st_size), opts.max_members, opts.max_path);
  auto a = new_reader();
  if (archive_read_open_fd(a.get(), fd, 1 << 16) != ARCHIVE_OK) {
    w.error(name, ErrorCode::decode_error, "archive cannot be opened: " + reason(a.get()));
    return;
  }
  w.walk(a.get(), name, 1, zip ? &*zip : nullptr);
}

void archive_walk_memory(std::span<const std::uint8_t> bytes, const std::string& name,
                         const ArchiveOptions& opts,
                         const std::function<void(const ArchiveMember&)>& visit) {
  auto a = new_reader();
  Walk w{opts, visit};
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    w.error(name, ErrorCode::decode_error, "archive cannot be opened: " + reason(a.get()));
    return;
  }
  ZipDirectory zip(memory_reader(bytes), bytes.size(), opts.max_members, opts.max_path, bytes);
  w.walk(a.get(), name, 1, &zip);
}

}  // namespace pdqguard
