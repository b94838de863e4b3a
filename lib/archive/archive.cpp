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
#include <string_view>
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

// A zip's central directory, read with bounded reads before any member is
// inflated. It serves two ways:
// - direct(): a zip whose directory is whole and plain (every entry stored or
//   deflated, unencrypted, with a plain name; the directory exactly where the
//   end record puts it) is walked from the directory alone (Walk::walk_zip):
//   every entry is one member, its bytes read at the offset the entry gives and
//   inflated in one call with libdeflate (about 1.5x zlib's speed on JPEG
//   members, which hardly compress). The directory is then the one authority
//   on what the zip holds, as for unzip, 7-Zip or Python's zipfile; libarchive
//   is not involved, so nothing has to agree with its reading of the file.
// - otherwise libarchive reads the zip, and next() gives each member's
//   declared sizes by name, to refuse a bomb before inflating it.
// Empty when the bytes are not a zip with a readable directory.
class ZipDirectory {
 public:
  struct Entry {
    std::string name;
    std::uint64_t packed = 0, unpacked = 0;
    std::uint64_t local_at = 0;  // the local header's offset in the archive
    std::uint32_t crc = 0;
    std::uint32_t external = 0;  // external attributes (a Unix mode in the top 16 bits)
    std::uint16_t method = 0, flags = 0, made_by = 0;
  };
  // The directory is read through a window of this many bytes, whatever size
  // it declares (an entry is at most 46 + 3 * 65535 = 196,651 bytes, so one
  // always fits): a directory of any size is walked in bounded chunks.
  static constexpr std::size_t kWindow = std::size_t{1} << 20;
  // Names longer than `max_name` are not kept (such a member is refused by the
  // path limit before its sizes matter, and the zip is not direct()), so the
  // names kept take at most max_entries * max_name bytes, and never more than
  // the directory's own. `read` is copied; `whole` (the archive's bytes when
  // it is in memory, else empty) is kept by reference: it must outlive this.
  ZipDirectory(const ReadAt& read, std::uint64_t size, std::uint64_t max_entries, std::size_t max_name,
               std::span<const std::uint8_t> whole = {})
      : read_(read), size_(size), whole_(whole) {
    load(max_entries, max_name);
    // By name, for next() (libarchive's walk); the keys view entries_' names,
    // which stay put from here on.
    if (!direct_)
      for (std::size_t i = 0; i < entries_.size(); ++i) by_name_[entries_[i].name].index.push_back(i);
  }
  // True when the zip is walked from this directory alone (see above).
  bool direct() const { return direct_; }
  // The entries, in directory order (all of them when direct()).
  const std::vector<Entry>& entries() const { return entries_; }
  // The declared sizes of the next member called `name`, if the directory has it.
  const Entry* next(const std::string& name) {
    const auto it = by_name_.find(std::string_view(name));
    if (it == by_name_.end()) return nullptr;
    Named& n = it->second;
    return n.taken < n.index.size() ? &entries_[n.index[n.taken++]] : nullptr;
  }
  // Reads up to n bytes at `at` of the archive; returns how many.
  std::size_t read(std::uint64_t at, std::uint8_t* out, std::size_t n) const { return read_(at, out, n); }
  std::uint64_t size() const { return size_; }
  std::span<const std::uint8_t> whole() const { return whole_; }

 private:
  static std::uint64_t le(const std::uint8_t* p, int n) { return le_at(p, n); }
  // A name the walk can give as it is: ASCII (control bytes such as a newline
  // included, but not NUL), or valid UTF-8 when the entry says its name is
  // UTF-8 (flag bit 11). Anything else (a legacy code page) is left to
  // libarchive's conversion.
  static bool plain_name(std::string_view n, std::uint16_t flags) {
    bool ascii = true;
    for (const char c : n) {
      if (c == '\0') return false;
      if (static_cast<unsigned char>(c) >= 0x80) ascii = false;
    }
    if (ascii) return true;
    if ((flags & 0x800) == 0) return false;
    for (std::size_t i = 0; i < n.size();) {
      const auto c = static_cast<unsigned char>(n[i]);
      const int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
      if (len == 0 || i + static_cast<std::size_t>(len) > n.size()) return false;
      std::uint32_t cp = len == 1 ? c : c & (0x7Fu >> len);
      for (int k = 1; k < len; ++k) {
        const auto d = static_cast<unsigned char>(n[i + static_cast<std::size_t>(k)]);
        if ((d >> 6) != 0x2) return false;
        cp = (cp << 6) | (d & 0x3F);
      }
      static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
      if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
      i += static_cast<std::size_t>(len);
    }
    return true;
  }
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
    const std::uint64_t eocd_at = size - tail_size + eocd;
    std::uint64_t count = le(&tail[eocd + 10], 2), cd_size = le(&tail[eocd + 12], 4), cd_at = le(&tail[eocd + 16], 4);
    // Where the directory must end for the zip to be direct(): at the end
    // record, or at the zip64 end record.
    std::uint64_t cd_end = eocd_at;
    bool one_disk = le(&tail[eocd + 4], 2) == 0 && le(&tail[eocd + 6], 2) == 0 &&
                    le(&tail[eocd + 8], 2) == le(&tail[eocd + 10], 2);
    if (eocd >= 20 && std::memcmp(tail.data() + eocd - 20, "PK\x06\x07", 4) == 0) {
      // Zip64: the locator gives the zip64 end record's offset.
      std::uint8_t rec[56];
      const std::uint64_t rec_at = le(&tail[eocd - 20 + 8], 8);
      if (read(rec_at, rec, sizeof rec) != sizeof rec || std::memcmp(rec, "PK\x06\x06", 4) != 0) return;
      count = le(rec + 32, 8);
      cd_size = le(rec + 40, 8);
      cd_at = le(rec + 48, 8);
      cd_end = rec_at;
      one_disk = one_disk && le(&tail[eocd - 20 + 4], 4) == 0 && le(&tail[eocd - 20 + 16], 4) == 1 &&
                 le(rec + 16, 4) == 0 && le(rec + 20, 4) == 0 && le(rec + 24, 8) == count;
    }
    // A directory larger than its file, or than the member limit allows
    // (46 bytes an entry at least), is not read.
    if (cd_at > size || cd_size > size - cd_at || count > max_entries || cd_size > (count + 1) * (46 + 3 * 65535ull))
      return;
    if (count == 0 || cd_size == 0) return;
    bool plain = one_disk && cd_at + cd_size == cd_end;
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
    std::uint64_t parsed = 0;
    for (std::uint64_t i = 0; i < count && ensure(46); ++i) {
      const std::uint8_t* e = win.data() + (cd_at + pos - win_at);
      if (std::memcmp(e, "PK\x01\x02", 4) != 0) break;
      const std::size_t name_len = le(e + 28, 2), extra_len = le(e + 30, 2), comment_len = le(e + 32, 2);
      const std::size_t entry = 46 + name_len + extra_len + comment_len;
      if (!ensure(entry)) break;
      e = win.data() + (cd_at + pos - win_at);  // the window may have moved
      pos += entry;
      ++parsed;
      if (name_len > max_name) {
        plain = false;
        continue;
      }
      Entry z;
      z.name.assign(reinterpret_cast<const char*>(e + 46), name_len);
      z.made_by = static_cast<std::uint16_t>(le(e + 4, 2));
      z.flags = static_cast<std::uint16_t>(le(e + 8, 2));
      z.method = static_cast<std::uint16_t>(le(e + 10, 2));
      z.crc = static_cast<std::uint32_t>(le(e + 16, 4));
      z.packed = le(e + 20, 4);
      z.unpacked = le(e + 24, 4);
      z.external = static_cast<std::uint32_t>(le(e + 38, 4));
      z.local_at = le(e + 42, 4);
      const std::uint64_t disk = le(e + 34, 2);
      bool disk_ok = disk == 0;
      // Zip64 extra field (id 1): the 64-bit values of the fields set to ~0,
      // in this order.
      const std::uint8_t* x = e + 46 + name_len;
      for (std::size_t k = 0; k + 4 <= extra_len;) {
        const std::size_t id = le(x + k, 2), len = le(x + k + 2, 2);
        if (k + 4 + len > extra_len) break;
        if (id == 1) {
          std::size_t f = k + 4;
          if (z.unpacked == 0xFFFFFFFFu && f + 8 <= k + 4 + len) z.unpacked = le(x + f, 8), f += 8;
          if (z.packed == 0xFFFFFFFFu && f + 8 <= k + 4 + len) z.packed = le(x + f, 8), f += 8;
          if (z.local_at == 0xFFFFFFFFu && f + 8 <= k + 4 + len) z.local_at = le(x + f, 8), f += 8;
          if (disk == 0xFFFF && f + 4 <= k + 4 + len) disk_ok = le(x + f, 4) == 0;
        }
        k += 4 + len;
      }
      plain = plain && disk_ok && (z.flags & 1) == 0 && (z.method == 0 || z.method == 8) &&
              plain_name(z.name, z.flags);
      entries_.push_back(std::move(z));
    }
    direct_ = plain && parsed == count && pos == cd_size;
  }
  ReadAt read_;
  std::uint64_t size_;
  std::span<const std::uint8_t> whole_;
  std::vector<Entry> entries_;
  struct Named {
    std::vector<std::size_t> index;  // into entries_, in directory order
    std::size_t taken = 0;           // how many next() has given
  };
  std::map<std::string_view, Named> by_name_;
  bool direct_ = false;
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
  // An archive read by libarchive. `zip`: its directory when it is a zip, else null.
  void walk(archive* a, const std::string& name, int depth, ZipDirectory* zip = nullptr);
  // A zip whose directory is direct(), read from the directory alone.
  void walk_zip(const ZipDirectory& zip, const std::string& name, int depth);
  // A member's bytes: walked when they are an archive, else visited.
  void member_bytes(const std::string& path, std::span<const std::uint8_t> data, int depth);
  // Counts one more member of the archive `name`; false (and stops the walk)
  // past the member limit.
  bool count_member(const std::string& name);
  // The rules every member meets before its bytes are read, in this order:
  // directories skipped, the path length, regular files only, encryption,
  // the size limit and the zip-bomb ratio of sizes declared up front. Gives
  // the member's error record and false when it is not to be read.
  bool admit(const std::string& path, mode_t type, bool encrypted, std::optional<std::uint64_t> size,
             const ZipDirectory::Entry* declared);
  // The bytes of a direct() zip's member, checked against its CRC-32.
  void zip_member(const ZipDirectory& zip, const ZipDirectory::Entry& z, const std::string& name,
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
  struct DecompressorFree {
    void operator()(libdeflate_decompressor* d) const noexcept { libdeflate_free_decompressor(d); }
  };
  std::unique_ptr<libdeflate_decompressor, DecompressorFree> inflater{};
};

bool Walk::count_member(const std::string& name) {
  if (++members > o.max_members) {
    error(name, ErrorCode::archive_limit,
          "more than " + std::to_string(o.max_members) + " archive members: the rest are not read");
    stopped = true;
    return false;
  }
  return true;
}

bool Walk::admit(const std::string& path, mode_t type, bool encrypted, std::optional<std::uint64_t> size,
                 const ZipDirectory::Entry* declared) {
  if (type == AE_IFDIR) return false;
  if (path.size() > o.max_path) {
    error(path.substr(0, o.max_path), ErrorCode::archive_limit,
          "member path of " + std::to_string(path.size()) + " bytes exceeds the limit of " +
              std::to_string(o.max_path));
    return false;
  }
  if (type != AE_IFREG) {
    const char* what = type == AE_IFLNK ? "symbolic link" : type == AE_IFCHR || type == AE_IFBLK ? "device"
                       : type == AE_IFIFO ? "fifo" : type == AE_IFSOCK ? "socket" : "non-regular member";
    error(path, ErrorCode::not_a_file, std::string(what) + " in an archive: skipped");
    return false;
  }
  if (encrypted) {
    error(path, ErrorCode::encrypted, "encrypted archive member: not read");
    return false;
  }
  if (size && *size > o.max_member_bytes) {
    error(path, ErrorCode::file_too_large,
          "member of " + std::to_string(*size) + " bytes exceeds the limit of " + std::to_string(o.max_member_bytes) +
              " bytes");
    return false;
  }
  // A zip states each member's sizes in its central directory: a bomb is
  // refused from them, before a byte is inflated.
  if (declared && ratio_exceeded(declared->unpacked, declared->packed, o.max_ratio)) {
    error(path, ErrorCode::archive_limit,
          "member declares " + std::to_string(declared->unpacked) + " bytes from " +
              std::to_string(declared->packed) + " compressed bytes, a compression ratio above " +
              std::to_string(static_cast<int>(o.max_ratio)) + ":1 (a zip bomb?): refused before inflating");
    return false;
  }
  return true;
}

void Walk::walk_zip(const ZipDirectory& zip, const std::string& name, int depth) {
  for (const ZipDirectory::Entry& z : zip.entries()) {
    if (stopped || !count_member(name)) return;
    // The member's type as the zip records it: a Unix mode when made on Unix
    // (host 3), else the MS-DOS directory attribute; a name ending in '/' is
    // a directory whatever the attributes say.
    const unsigned host = z.made_by >> 8, unix_type = (z.external >> 16) & AE_IFMT;
    mode_t type = AE_IFREG;
    if (!z.name.empty() && z.name.back() == '/')
      type = AE_IFDIR;
    else if (host == 3 && unix_type != 0)
      type = static_cast<mode_t>(unix_type);
    else if (host != 3 && (z.external & 0x10) != 0)
      type = AE_IFDIR;
    const std::string path = name + "!/" + (z.name.empty() ? std::string("(unnamed member)") : z.name);
    if (!admit(path, type, false, z.unpacked, &z)) continue;
    zip_member(zip, z, name, path, depth);
  }
}

// Deflate never grows data by more than 5 bytes a 64 KiB block (stored
// blocks); a compressed size beyond this is not a deflate stream of the size
// declared (and is not read into memory).
bool plausible_deflate(std::uint64_t packed, std::uint64_t unpacked) {
  return packed <= unpacked + unpacked / 1024 + 1024;
}

void Walk::zip_member(const ZipDirectory& zip, const ZipDirectory::Entry& z, const std::string& name,
                      const std::string& path, int depth) {
  std::uint8_t h[30];
  if (z.local_at > zip.size() || zip.read(z.local_at, h, sizeof h) != sizeof h ||
      std::memcmp(h, "PK\x03\x04", 4) != 0 || le_at(h + 8, 2) != z.method) {
    error(path, ErrorCode::decode_error,
          "member damaged: no local header of this member at offset " + std::to_string(z.local_at));
    return;
  }
  const std::uint64_t data_at = z.local_at + 30 + le_at(h + 26, 2) + le_at(h + 28, 2);
  if (data_at > zip.size() || z.packed > zip.size() - data_at) {
    error(path, ErrorCode::decode_error, "member damaged: its data runs past the end of the archive");
    return;
  }
  if (z.method == 0 ? z.packed != z.unpacked : !plausible_deflate(z.packed, z.unpacked)) {
    error(path, ErrorCode::decode_error,
          "member damaged: " + std::to_string(z.packed) + " compressed bytes cannot make the " +
              std::to_string(z.unpacked) + " bytes its directory entry declares");
    return;
  }
  total += z.unpacked;
  if (total > o.max_total_bytes) {
    error(name, ErrorCode::archive_limit,
          "more than " + std::to_string(o.max_total_bytes) + " uncompressed bytes: the rest is not read");
    stopped = true;
    return;
  }
  const auto packed_n = static_cast<std::size_t>(z.packed), unpacked_n = static_cast<std::size_t>(z.unpacked);
  const auto d = static_cast<std::size_t>(depth);
  if (buffers.size() <= d) buffers.resize(d + 1);
  const std::uint8_t* in = nullptr;
  if (!zip.whole().empty()) {
    in = zip.whole().data() + data_at;
  } else {
    std::uint8_t* dst = (z.method == 0 ? buffers[d].member : buffers[d].packed).get(packed_n);
    if (zip.read(data_at, dst, packed_n) != packed_n) {
      error(path, ErrorCode::decode_error, "member damaged: the archive ends inside its data");
      return;
    }
    in = dst;
  }
  const std::uint8_t* out = in;
  if (z.method == 8) {
    if (!inflater) {
      inflater.reset(libdeflate_alloc_decompressor());
      if (!inflater) throw std::bad_alloc();
    }
    std::uint8_t* dst = buffers[d].member.get(unpacked_n);
    const libdeflate_result r = libdeflate_deflate_decompress(inflater.get(), in, packed_n, dst, unpacked_n, nullptr);
    if (r != LIBDEFLATE_SUCCESS) {
      error(path, ErrorCode::decode_error,
            r == LIBDEFLATE_BAD_DATA ? std::string("member damaged: invalid deflate data")
                                     : "member damaged: its deflate data does not make the " +
                                           std::to_string(z.unpacked) + " bytes its directory entry declares");
      return;
    }
    out = dst;
  }
  if (libdeflate_crc32(0, out, unpacked_n) != z.crc) {
    error(path, ErrorCode::decode_error, "member damaged: its bytes fail the archive's CRC-32 check");
    return;
  }
  member_bytes(path, std::span<const std::uint8_t>(out, unpacked_n), depth);
  // A member far larger than the usual is not kept for the rest of the walk
  // (the nested walk may have grown `buffers`: index again).
  if (buffers[d].member.cap > (std::size_t{16} << 20)) buffers[d].member = {};
  if (buffers[d].packed.cap > (std::size_t{16} << 20)) buffers[d].packed = {};
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
    ZipDirectory zip(memory_reader(data), data.size(), o.max_members, o.max_path, data);
    if (zip.direct()) {
      walk_zip(zip, path, depth + 1);
      return;
    }
    auto a = new_reader();
    if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) {
      error(path, ErrorCode::decode_error, "archive cannot be opened: " + reason(a.get()));
      return;
    }
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
    if (!count_member(name)) return;
    // The name as UTF-8 (libarchive converts a legacy code page), else as stored.
    const char* p = archive_entry_pathname_utf8(e);
    if (!p) p = archive_entry_pathname(e);
    // Every member takes its slot of the zip directory, skipped ones too.
    const bool is_zip = (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP;
    const ZipDirectory::Entry* declared = zip && is_zip && p ? zip->next(p) : nullptr;
    const bool raw = archive_format(a) == ARCHIVE_FORMAT_RAW;
    const std::string member = raw ? std::string("data") : (p ? p : "(unnamed member)");
    const std::string path = name + "!/" + member;
    const mode_t type = raw ? AE_IFREG : archive_entry_filetype(e);
    std::optional<std::uint64_t> stated;  // the size the archive states, if any
    if (archive_entry_size_is_set(e)) stated = static_cast<std::uint64_t>(std::max<la_int64_t>(archive_entry_size(e), 0));
    if (!admit(path, type, archive_entry_is_encrypted(e) != 0, stated, declared)) continue;
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
  if (zip && zip->direct()) {
    w.walk_zip(*zip, name, 1);
    return;
  }
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
  Walk w{opts, visit};
  ZipDirectory zip(memory_reader(bytes), bytes.size(), opts.max_members, opts.max_path, bytes);
  if (zip.direct()) {
    w.walk_zip(zip, name, 1);
    return;
  }
  auto a = new_reader();
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    w.error(name, ErrorCode::decode_error, "archive cannot be opened: " + reason(a.get()));
    return;
  }
  w.walk(a.get(), name, 1, &zip);
}

}  // namespace pdqguard
