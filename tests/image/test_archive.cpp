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
std::vector<std::uint8_t> write_archive(int format, int filter, const Members& members,
                                        std::size_t capacity = 1u << 22) {
  archive* a = archive_write_new();
  REQUIRE(a != nullptr);
  REQUIRE(archive_write_set_format(a, format) == ARCHIVE_OK);
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
