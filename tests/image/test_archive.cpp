// The archive walker (lib/archive) on archives written here with libarchive's
// own writer (no 7z or zstd tool needed): 7z and tar.zst give every member's
// exact bytes; a zip whose directory declares a bomb is refused before any
// byte is inflated (its compressed data is garbage: inflating would give a
// decode_error, not the archive_limit the declared sizes give).
#include <doctest/doctest.h>

#include <pdqguard/archive.hpp>
#include <pdqguard/error.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace pdqguard;

namespace {
using Members = std::vector<std::pair<std::string, std::vector<std::uint8_t>>>;

// An archive of `members` in libarchive's `format` with `filter`, in memory.
// `options`: libarchive's writer options, e.g. "zip:compression=store".
std::vector<std::uint8_t> write_archive(int format, int filter, const Members& members,
                                        std::size_t capacity = 1u << 22, const char* options = nullptr) {
  archive* a = archive_write_new();
  REQUIRE(a != nullptr);
  REQUIRE(archive_write_set_format(a, format) == ARCHIVE_OK);
  if (options) REQUIRE(archive_write_set_options(a, options) == ARCHIVE_OK);
  if (filter != ARCHIVE_FILTER_NONE) REQUIRE(archive_write_add_filter(a, filter) == ARCHIVE_OK);
  std::vector<std::uint8_t> out(capacity);
  std::size_t used = 0;
  REQUIRE(archive_write_open_memory(a, out.data(), out.size(), &used) == ARCHIVE_OK);
  for (const auto& [name, data] : members) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, name.c_str());
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    REQUIRE(archive_write_data(a, data.data(), data.size()) == static_cast<la_ssize_t>(data.size()));
    archive_entry_free(e);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  out.resize(used);
  return out;
}

std::map<std::string, ArchiveMember> walk(std::span<const std::uint8_t> bytes, const ArchiveOptions& o = {}) {
  std::map<std::string, ArchiveMember> got;
  std::map<std::string, std::vector<std::uint8_t>> keep;
  archive_walk_memory(bytes, "a", o, [&](const ArchiveMember& m) {
    ArchiveMember c = m;
    keep[m.path].assign(m.data.begin(), m.data.end());
    c.data = keep[m.path];
    got[m.path] = c;
  });
  // The spans point into `keep`, which dies here: keep only sizes and errors.
  for (auto& [path, m] : got) m.data = {};
  return got;
}

std::vector<std::uint8_t> pattern(std::size_t n, int seed) {
  std::vector<std::uint8_t> v(n);
  std::uint32_t x = 2463534242u + static_cast<std::uint32_t>(seed);
  for (auto& b : v) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    b = static_cast<std::uint8_t>(x);
  }
  return v;
}

void put16(std::vector<std::uint8_t>& v, std::size_t at, std::uint32_t x) {
  v[at] = static_cast<std::uint8_t>(x), v[at + 1] = static_cast<std::uint8_t>(x >> 8);
}
void put32(std::vector<std::uint8_t>& v, std::size_t at, std::uint32_t x) {
  put16(v, at, x & 0xFFFF), put16(v, at + 2, x >> 16);
}

// A deflate zip, one member per (name, declared size, compressed bytes), with
// sizes in the local headers and the central directory as `declared` says.
std::vector<std::uint8_t> hand_zip(const std::vector<std::tuple<std::string, std::uint32_t, std::vector<std::uint8_t>>>& ms) {
  std::vector<std::uint8_t> z, cd;
  for (const auto& [name, usize, data] : ms) {
    const std::size_t local = z.size();
    std::vector<std::uint8_t> h(30, 0);
    put32(h, 0, 0x04034b50), put16(h, 4, 20), put16(h, 8, 8);
    put32(h, 18, static_cast<std::uint32_t>(data.size())), put32(h, 22, usize);
    put16(h, 26, static_cast<std::uint32_t>(name.size()));
    z.insert(z.end(), h.begin(), h.end());
    z.insert(z.end(), name.begin(), name.end());
    z.insert(z.end(), data.begin(), data.end());
    std::vector<std::uint8_t> c(46, 0);
    put32(c, 0, 0x02014b50), put16(c, 4, 20), put16(c, 6, 20), put16(c, 10, 8);
    put32(c, 20, static_cast<std::uint32_t>(data.size())), put32(c, 24, usize);
    put16(c, 28, static_cast<std::uint32_t>(name.size())), put32(c, 42, static_cast<std::uint32_t>(local));
    cd.insert(cd.end(), c.begin(), c.end());
    cd.insert(cd.end(), name.begin(), name.end());
  }
  const std::size_t cd_at = z.size();
  z.insert(z.end(), cd.begin(), cd.end());
  std::vector<std::uint8_t> end(22, 0);
  put32(end, 0, 0x06054b50), put16(end, 8, static_cast<std::uint32_t>(ms.size()));
  put16(end, 10, static_cast<std::uint32_t>(ms.size()));
  put32(end, 12, static_cast<std::uint32_t>(cd.size())), put32(end, 16, static_cast<std::uint32_t>(cd_at));
  z.insert(z.end(), end.begin(), end.end());
  return z;
}
}  // namespace

TEST_CASE("archives: 7z and tar.zst (written by libarchive) give every member's bytes") {
  const Members members = {{"dir/one.bin", pattern(5000, 1)}, {"two.bin", pattern(70000, 2)}, {"empty", {}}};
  for (const auto& [format, filter, what] :
       {std::tuple{ARCHIVE_FORMAT_7ZIP, ARCHIVE_FILTER_NONE, "7z"},
        std::tuple{ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_ZSTD, "tar.zst"},
        std::tuple{ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip (libarchive: sizes in data descriptors)"}}) {
    CAPTURE(what);
    const std::vector<std::uint8_t> bytes = write_archive(format, filter, members);
    std::size_t head = std::min<std::size_t>(bytes.size(), 512);
    CHECK(is_archive(std::span(bytes.data(), head)));
    std::map<std::string, std::vector<std::uint8_t>> got;
    archive_walk_memory(bytes, "x", {}, [&](const ArchiveMember& m) {
      CHECK_MESSAGE(m.error == ErrorCode::ok, m.path << ": " << m.message);
      got[m.path].assign(m.data.begin(), m.data.end());
    });
    REQUIRE(got.size() == members.size());
    for (const auto& [name, data] : members) CHECK(got["x!/" + name] == data);
  }
}

TEST_CASE("archives: a zip bomb is refused from its declared sizes, before inflating") {
  // 64 MiB declared from 2000 bytes of garbage "deflate" data.
  const std::vector<std::uint8_t> garbage(2000, 0xFF);
  const std::vector<std::uint8_t> bomb = hand_zip({{"zeros.bmp", 64u << 20, garbage}});
  const auto got = walk(bomb);
  REQUIRE(got.count("a!/zeros.bmp") == 1);
  const ArchiveMember& m = got.at("a!/zeros.bmp");
  CHECK(m.error == ErrorCode::archive_limit);
  CHECK(m.message.find("refused before inflating") != std::string::npos);
  CHECK(m.message.find("67108864") != std::string::npos);
  // The same declared sizes under a higher ratio limit: now it is inflated,
  // and the garbage is a decode_error (so the refusal above came first).
  ArchiveOptions lax;
  lax.max_ratio = 1e6;
  CHECK(walk(bomb, lax).at("a!/zeros.bmp").error == ErrorCode::decode_error);
  // Declared 1 MiB (the allowance): not a bomb by its sizes.
  const auto small = walk(hand_zip({{"small.bmp", 1u << 20, garbage}}));
  CHECK(small.at("a!/small.bmp").error == ErrorCode::decode_error);
  // A bomb nested in a tar is refused the same way (the zip read from memory).
  const std::vector<std::uint8_t> tar = write_archive(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE,
                                                      {{"in/bomb.zip", bomb}, {"ok.bin", pattern(100, 3)}});
  const auto nested = walk(tar);
  CHECK(nested.at("a!/in/bomb.zip!/zeros.bmp").error == ErrorCode::archive_limit);
  CHECK(nested.at("a!/in/bomb.zip!/zeros.bmp").message.find("before inflating") != std::string::npos);
  CHECK(nested.at("a!/ok.bin").error == ErrorCode::ok);
}

TEST_CASE("archives: a damaged zip directory is ignored (the inflating check remains)") {
  std::vector<std::uint8_t> bomb = hand_zip({{"zeros.bmp", 64u << 20, std::vector<std::uint8_t>(2000, 0xFF)}});
  // Point the directory past the end of the file: no declared sizes are read.
  put32(bomb, bomb.size() - 6, 0x7FFFFFFF);
  const auto got = walk(bomb);
  for (const auto& [path, m] : got) CHECK(m.message.find("before inflating") == std::string::npos);
}

namespace {
// A file under the temporary directory, removed at the end of its scope.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& stem)
      : path((std::filesystem::temp_directory_path() /
              (stem + "-" + std::to_string(::getpid()) + "-" + std::to_string(reinterpret_cast<std::uintptr_t>(this))))
                 .string()) {}
  ~TempFile() { std::remove(path.c_str()); }
  void write(const std::vector<std::uint8_t>& bytes) const {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                 static_cast<std::streamsize>(bytes.size()));
  }
};

std::map<std::string, ArchiveMember> walk_fd(int fd, const ArchiveOptions& o = {}) {
  std::map<std::string, ArchiveMember> got;
  archive_walk_fd(fd, "a", o, [&](const ArchiveMember& m) {
    ArchiveMember c = m;
    c.data = {};
    got[m.path] = c;
  });
  return got;
}

// A raw deflate stream of nothing (one empty fixed-Huffman final block).
const std::vector<std::uint8_t> kEmptyDeflate{0x03, 0x00};
}  // namespace

TEST_CASE("archives: the zip pre-check reads the open descriptor, not the path") {
  const std::vector<std::uint8_t> bomb = hand_zip({{"zeros.bmp", 64u << 20, std::vector<std::uint8_t>(2000, 0xFF)}});
  TempFile file("pdqguard-bomb");
  file.write(bomb);
  const int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  // The path is gone, then is a FIFO (opening it by path would block): the
  // declared sizes are still read, from the descriptor, and refuse the bomb.
  REQUIRE(::unlink(file.path.c_str()) == 0);
  REQUIRE(::mkfifo(file.path.c_str(), 0600) == 0);
  const auto got = walk_fd(fd);
  ::close(fd);
  REQUIRE(got.count("a!/zeros.bmp") == 1);
  CHECK(got.at("a!/zeros.bmp").error == ErrorCode::archive_limit);
  CHECK(got.at("a!/zeros.bmp").message.find("refused before inflating") != std::string::npos);
}

TEST_CASE("archives: a zip with a central directory of several MiB is read whole, in windows") {
  // 30,000 members (written by libarchive): a directory of ~2.7 MB, more than
  // the 1 MiB window. Every member comes out with its bytes.
  Members members;
  for (int i = 0; i < 30000; ++i) members.push_back({"dir/member-" + std::to_string(100000 + i) + ".bin", pattern(4, i)});
  const std::vector<std::uint8_t> zip = write_archive(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, members, 32u << 20);
  std::size_t ok = 0;
  archive_walk_memory(zip, "z", {}, [&](const ArchiveMember& m) {
    const std::size_t i = std::stoul(m.path.substr(std::strlen("z!/dir/member-"), 6)) - 100000;
    if (m.error == ErrorCode::ok && i < members.size() &&
        std::vector<std::uint8_t>(m.data.begin(), m.data.end()) == members[i].second)
      ++ok;
  });
  CHECK(ok == members.size());
  // A bomb whose entry is the last of a ~2.4 MB directory (past the first
  // windows) is still refused from its declared sizes, from memory and from a
  // descriptor.
  std::vector<std::tuple<std::string, std::uint32_t, std::vector<std::uint8_t>>> ms;
  for (int i = 0; i < 30000; ++i) ms.emplace_back("filler-" + std::to_string(100000 + i) + ".bin", 0u, kEmptyDeflate);
  ms.emplace_back("zeros.bmp", 64u << 20, std::vector<std::uint8_t>(2000, 0xFF));
  const std::vector<std::uint8_t> late_bomb = hand_zip(ms);
  const auto check = [&](const std::map<std::string, ArchiveMember>& got) {
    REQUIRE(got.size() == ms.size());
    std::size_t fillers_ok = 0;
    for (const auto& [path, m] : got) fillers_ok += path.find("filler-") != std::string::npos && m.error == ErrorCode::ok;
    CHECK(fillers_ok == 30000);
    CHECK(got.at("a!/zeros.bmp").error == ErrorCode::archive_limit);
    CHECK(got.at("a!/zeros.bmp").message.find("refused before inflating") != std::string::npos);
  };
  check(walk(late_bomb));
  TempFile file("pdqguard-late-bomb");
  file.write(late_bomb);
  const int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  check(walk_fd(fd));
  ::close(fd);
}

namespace {
// Every visit in order: (path, error, message, bytes).
struct Visit {
  std::string path;
  ErrorCode error;
  std::string message;
  std::vector<std::uint8_t> data;
};
std::vector<Visit> visits_memory(std::span<const std::uint8_t> bytes, const ArchiveOptions& o = {}) {
  std::vector<Visit> v;
  archive_walk_memory(bytes, "a", o, [&](const ArchiveMember& m) {
    v.push_back({m.path, m.error, m.message, {m.data.begin(), m.data.end()}});
  });
  return v;
}
std::vector<Visit> visits_file(const std::vector<std::uint8_t>& bytes, const ArchiveOptions& o = {}) {
  TempFile file("pdqguard-zip");
  file.write(bytes);
  const int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  std::vector<Visit> v;
  archive_walk_fd(fd, "a", o, [&](const ArchiveMember& m) {
    v.push_back({m.path, m.error, m.message, {m.data.begin(), m.data.end()}});
  });
  ::close(fd);
  return v;
}
// The offset of the n-th (0-based) central directory entry of a zip.
std::size_t central_entry(const std::vector<std::uint8_t>& z, int n) {
  std::size_t at = z.size() - 22;
  const std::size_t cd_at = z[at + 16] | z[at + 17] << 8 | z[at + 18] << 16 | static_cast<std::size_t>(z[at + 19]) << 24;
  at = cd_at;
  for (int i = 0; i < n; ++i) at += 46 + (z[at + 28] | z[at + 29] << 8) + (z[at + 30] | z[at + 31] << 8) + (z[at + 32] | z[at + 33] << 8);
  REQUIRE(std::memcmp(&z[at], "PK\x01\x02", 4) == 0);
  return at;
}
}  // namespace

TEST_CASE("archives: stored and deflated zip members, nested or not, give their exact bytes") {
  // These members are read straight from the zip and inflated with libdeflate
  // (lib/archive's zip_member); the bytes must be those that went in, from
  // memory and from a descriptor, at every nesting level.
  const Members inner = {{"in/x.bin", pattern(40000, 7)}, {"in/y.bin", std::vector<std::uint8_t>(90000, 0x5A)}};
  for (const char* options : {"zip:compression=deflate", "zip:compression=store"}) {
    CAPTURE(options);
    const Members members = {
        {"empty", {}},
        {"one", {0x42}},
        {"random.bin", pattern(100000, 1)},
        {"zeros.bin", std::vector<std::uint8_t>(300000, 0)},
        {"inner.zip", write_archive(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, inner, 1u << 20, options)},
        {"dup.bin", pattern(3000, 2)},  // a repeated name: each entry its own bytes, in order
        {"dup.bin", pattern(5000, 3)},
    };
    const std::vector<std::uint8_t> zip = write_archive(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, members, 4u << 20, options);
    for (const auto& v : {visits_memory(zip), visits_file(zip)}) {
      std::vector<std::pair<std::string, std::vector<std::uint8_t>>> want;
      for (const auto& [name, data] : members)
        if (name != "inner.zip") want.emplace_back("a!/" + name, data);
      for (const auto& [name, data] : inner) want.emplace_back("a!/inner.zip!/" + name, data);
      REQUIRE(v.size() == want.size());
      std::size_t matched = 0;
      for (const auto& w : want)
        for (const Visit& got : v)
          if (got.path == w.first && got.error == ErrorCode::ok && got.data == w.second) {
            ++matched;
            break;
          }
      CHECK(matched == want.size());
      // The two dup.bin members in directory order.
      std::vector<std::vector<std::uint8_t>> dups;
      for (const Visit& got : v)
        if (got.path == "a!/dup.bin") dups.push_back(got.data);
      REQUIRE(dups.size() == 2);
      CHECK(dups[0] == members[5].second);
      CHECK(dups[1] == members[6].second);
    }
  }
}

TEST_CASE("archives: a zip member with damaged bytes gets a decode_error; the others their bytes") {
  const Members members = {{"a.bin", pattern(50000, 1)}, {"b.bin", pattern(50000, 2)}};
  const std::vector<std::uint8_t> zip = write_archive(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, members, 1u << 20,
                                                      "zip:compression=deflate");
  const auto check = [&](const std::vector<Visit>& v, const char* message) {
    REQUIRE(v.size() == 2);
    CHECK(v[0].path == "a!/a.bin");
    CHECK(v[0].error == ErrorCode::decode_error);
    CHECK(v[0].data.empty());
    CHECK_MESSAGE(v[0].message.find(message) != std::string::npos, v[0].message);
    CHECK(v[1].path == "a!/b.bin");
    CHECK(v[1].error == ErrorCode::ok);
    CHECK(v[1].data == members[1].second);
  };
  SUBCASE("the CRC-32 the directory declares does not match") {
    std::vector<std::uint8_t> bad = zip;
    bad[central_entry(bad, 0) + 16] ^= 0x01;
    check(visits_memory(bad), "CRC-32");
    check(visits_file(bad), "CRC-32");
  }
  SUBCASE("the deflate stream is invalid") {
    std::vector<std::uint8_t> bad = zip;
    // The first byte of a.bin's data: a final block of the reserved type 3.
    const std::size_t local = 0, data = local + 30 + (bad[26] | bad[27] << 8) + (bad[28] | bad[29] << 8);
    bad[data] = 0x07;
    check(visits_memory(bad), "invalid deflate data");
    check(visits_file(bad), "invalid deflate data");
  }
  SUBCASE("a repeated name with a CRC mismatch is damaged too") {
    const Members dups = {{"a.bin", pattern(50000, 1)}, {"b.bin", pattern(50000, 2)}, {"b.bin", pattern(60000, 3)}};
    std::vector<std::uint8_t> bad = write_archive(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, dups, 1u << 20,
                                                  "zip:compression=deflate");
    bad[central_entry(bad, 1) + 16] ^= 0x01;
    for (const auto& v : {visits_memory(bad), visits_file(bad)}) {
      REQUIRE(v.size() == 3);
      CHECK(v[0].error == ErrorCode::ok);
      CHECK(v[1].path == "a!/b.bin");
      CHECK(v[1].error == ErrorCode::decode_error);
      CHECK_MESSAGE(v[1].message.find("CRC") != std::string::npos, v[1].message);
      CHECK(v[2].error == ErrorCode::ok);
      CHECK(v[2].data == dups[2].second);
    }
  }
}

namespace {
// A zip of stored members, each with its own local-header name and directory
// name (normally equal), the directory entries in the order given by `order`.
struct RawMember {
  std::string local_name, central_name;
  std::vector<std::uint8_t> data;
  std::uint16_t made_by = 20;  // host 0 (MS-DOS), version 2.0
  std::uint32_t external = 0;  // external attributes
};
std::vector<std::uint8_t> stored_zip(const std::vector<RawMember>& ms, const std::vector<std::size_t>& order) {
  std::vector<std::uint8_t> z;
  std::vector<std::size_t> local(ms.size());
  std::vector<std::uint32_t> crc(ms.size());
  for (std::size_t i = 0; i < ms.size(); ++i) {
    const RawMember& m = ms[i];
    local[i] = z.size();
    crc[i] = static_cast<std::uint32_t>(crc32(0, m.data.data(), static_cast<uInt>(m.data.size())));
    std::vector<std::uint8_t> h(30, 0);
    put32(h, 0, 0x04034b50), put16(h, 4, 20), put32(h, 14, crc[i]);
    put32(h, 18, static_cast<std::uint32_t>(m.data.size())), put32(h, 22, static_cast<std::uint32_t>(m.data.size()));
    put16(h, 26, static_cast<std::uint32_t>(m.local_name.size()));
    z.insert(z.end(), h.begin(), h.end());
    z.insert(z.end(), m.local_name.begin(), m.local_name.end());
    z.insert(z.end(), m.data.begin(), m.data.end());
  }
  const std::size_t cd_at = z.size();
  for (std::size_t i : order) {
    const RawMember& m = ms[i];
    std::vector<std::uint8_t> c(46, 0);
    put32(c, 0, 0x02014b50), put16(c, 4, m.made_by), put16(c, 6, 20), put32(c, 16, crc[i]);
    put32(c, 38, m.external);
    put32(c, 20, static_cast<std::uint32_t>(m.data.size())), put32(c, 24, static_cast<std::uint32_t>(m.data.size()));
    put16(c, 28, static_cast<std::uint32_t>(m.central_name.size())), put32(c, 42, static_cast<std::uint32_t>(local[i]));
    z.insert(z.end(), c.begin(), c.end());
    z.insert(z.end(), m.central_name.begin(), m.central_name.end());
  }
  const std::size_t cd_size = z.size() - cd_at;
  std::vector<std::uint8_t> end(22, 0);
  put32(end, 0, 0x06054b50), put16(end, 8, static_cast<std::uint32_t>(order.size()));
  put16(end, 10, static_cast<std::uint32_t>(order.size()));
  put32(end, 12, static_cast<std::uint32_t>(cd_size)), put32(end, 16, static_cast<std::uint32_t>(cd_at));
  z.insert(z.end(), end.begin(), end.end());
  return z;
}
}  // namespace

TEST_CASE("archives: a plain zip is read from its directory: its order, its names, every member once") {
  const std::vector<std::uint8_t> a = pattern(3000, 11), b = pattern(4000, 12), c = pattern(5000, 13);
  SUBCASE("a directory listing the members in reverse order") {
    std::vector<std::uint8_t> zip = stored_zip({{"a.bin", "a.bin", a}, {"b.bin", "b.bin", b}, {"c.bin", "c.bin", c}},
                                               {2, 1, 0});
    // Damage a.bin's CRC in the directory (its entry is the last): the direct
    // reader's CRC-32 message (libarchive's says "ZIP bad CRC").
    zip[central_entry(zip, 2) + 16] ^= 0x01;
    for (const auto& v : {visits_memory(zip), visits_file(zip)}) {
      REQUIRE(v.size() == 3);
      CHECK(v[0].path == "a!/c.bin");
      CHECK(v[0].data == c);
      CHECK(v[1].path == "a!/b.bin");
      CHECK(v[1].data == b);
      CHECK(v[2].path == "a!/a.bin");
      CHECK(v[2].error == ErrorCode::decode_error);
      CHECK_MESSAGE(v[2].message.find("CRC-32") != std::string::npos, v[2].message);
    }
  }
  SUBCASE("a local header naming another member: the directory's name, the entry's own bytes") {
    // The first member's local header says "b.bin", the name of the second;
    // its directory entry says "x.bin". Each entry gives the bytes at its own
    // offset, under its own name: nothing is read twice or skipped.
    const std::vector<std::uint8_t> zip =
        stored_zip({{"b.bin", "x.bin", a}, {"b.bin", "b.bin", b}, {"c.bin", "c.bin", c}}, {0, 1, 2});
    for (const auto& v : {visits_memory(zip), visits_file(zip)}) {
      REQUIRE(v.size() == 3);
      CHECK(v[0].path == "a!/x.bin");
      CHECK(v[0].data == a);
      CHECK(v[1].path == "a!/b.bin");
      CHECK(v[1].data == b);
      CHECK(v[2].path == "a!/c.bin");
      CHECK(v[2].data == c);
    }
  }
  SUBCASE("an entry whose offset does not hold its local header: that member is damaged, not the rest") {
    std::vector<std::uint8_t> zip = stored_zip({{"a.bin", "a.bin", a}, {"b.bin", "b.bin", b}}, {0, 1});
    put32(zip, central_entry(zip, 0) + 42, 7);  // into the middle of nothing
    for (const auto& v : {visits_memory(zip), visits_file(zip)}) {
      REQUIRE(v.size() == 2);
      CHECK(v[0].path == "a!/a.bin");
      CHECK(v[0].error == ErrorCode::decode_error);
      CHECK_MESSAGE(v[0].message.find("no local header") != std::string::npos, v[0].message);
      CHECK(v[1].data == b);
    }
  }
  SUBCASE("directories give no visit; a symbolic link or device gets a not_a_file record") {
    const std::uint16_t unix_host = 3 << 8 | 20;
    const std::vector<std::uint8_t> zip = stored_zip(
        {{"d/", "d/", {}},
         {"dos-dir", "dos-dir", {}, 20, 0x10},
         {"link", "link", {'a', '.', 'b', 'i', 'n'}, unix_host, 0120777u << 16},
         {"dev", "dev", {}, unix_host, 0020644u << 16},
         {"unix-dir", "unix-dir", {}, unix_host, 0040755u << 16},
         {"a.bin", "a.bin", a, unix_host, 0100644u << 16}},
        {0, 1, 2, 3, 4, 5});
    for (const auto& v : {visits_memory(zip), visits_file(zip)}) {
      REQUIRE(v.size() == 3);
      CHECK(v[0].path == "a!/link");
      CHECK(v[0].error == ErrorCode::not_a_file);
      CHECK(v[0].message.find("symbolic link") != std::string::npos);
      CHECK(v[1].path == "a!/dev");
      CHECK(v[1].error == ErrorCode::not_a_file);
      CHECK(v[1].message.find("device") != std::string::npos);
      CHECK(v[2].path == "a!/a.bin");
      CHECK(v[2].data == a);
    }
  }
  SUBCASE("a UTF-8 name (flag bit 11) is given as it is") {
    std::vector<std::uint8_t> zip = stored_zip({{"\xC3\xA9t\xC3\xA9.bin", "\xC3\xA9t\xC3\xA9.bin", a}}, {0});
    zip[central_entry(zip, 0) + 9] |= 0x08;  // general purpose flags, bit 11
    for (const auto& v : {visits_memory(zip), visits_file(zip)}) {
      REQUIRE(v.size() == 1);
      CHECK(v[0].path == "a!/\xC3\xA9t\xC3\xA9.bin");
      CHECK(v[0].data == a);
    }
  }
  SUBCASE("not plain, read by libarchive: data before the zip, a legacy-code-page name") {
    // 100 bytes before the zip (as a self-extracting archive has): the
    // directory is not where the end record says, so libarchive reads it,
    // correcting the offsets.
    std::vector<std::uint8_t> zip = stored_zip({{"a.bin", "a.bin", a}, {"b.bin", "b.bin", b}}, {0, 1});
    std::vector<std::uint8_t> sfx(100, 0x90);
    sfx.insert(sfx.end(), zip.begin(), zip.end());
    for (const auto& v : {visits_memory(sfx), visits_file(sfx)}) {
      REQUIRE(v.size() == 2);
      CHECK(v[0].path == "a!/a.bin");
      CHECK(v[0].data == a);
      CHECK(v[1].data == b);
    }
    // A name byte above 0x7F without the UTF-8 flag (CP437 0x82 is "é").
    const std::vector<std::uint8_t> cp437 = stored_zip({{"\x82.bin", "\x82.bin", a}}, {0});
    for (const auto& v : {visits_memory(cp437), visits_file(cp437)}) {
      REQUIRE(v.size() == 1);
      CHECK(v[0].error == ErrorCode::ok);
      CHECK(v[0].data == a);
    }
  }
}
