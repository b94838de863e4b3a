// Resource limits of the list parsers and the index-file reader: a list file
// above max_list_bytes is refused before it is read, a line above max_line_bytes
// is refused (strict) or reported (lenient) without being held in memory, and
// index files whose counts or offsets overflow are index_corrupt even when both
// of their checksums have been forged to match.
#include <doctest/doctest.h>

#include <pdqguard/index.hpp>

#include "index/synth.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <streambuf>
#include <string>
#include <unistd.h>
#include <xxhash.h>

using namespace pdqguard;

namespace {

const std::string H1 = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
const std::string H2 = "0000000000000000000000000000000000000000000000000000000000000001";

// The suite runs once per SIMD path, in parallel, in one directory.
std::string tmp_path(const char* tag) {
  return std::string("test_limits_") + tag + "_" + std::to_string(getpid());
}

ParseOptions opts(ParsePolicy p, std::size_t max_line = kDefaultMaxLineBytes) {
  ParseOptions o;
  o.policy = p;
  o.max_line_bytes = max_line;
  return o;
}

/// An input stream of `prefix`, then `fill` repeated `n` times (generated on the
/// fly, never held), then `suffix`. Counts the bytes handed out.
class GenBuf : public std::streambuf {
 public:
  GenBuf(std::string prefix, char fill, std::uint64_t n, std::string suffix)
      : prefix_(std::move(prefix)), suffix_(std::move(suffix)), fill_(fill), n_(n) {}
  std::uint64_t served() const { return served_; }

 protected:
  int_type underflow() override {
    if (stage_ == 0) {
      stage_ = 1;
      if (!prefix_.empty()) return set(prefix_.data(), prefix_.size());
    }
    if (stage_ == 1) {
      if (n_ > 0) {
        const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(n_, sizeof block_));
        std::memset(block_, fill_, k);
        n_ -= k;
        return set(block_, k);
      }
      stage_ = 2;
      if (!suffix_.empty()) return set(suffix_.data(), suffix_.size());
    }
    return traits_type::eof();
  }

 private:
  int_type set(char* p, std::size_t k) {
    setg(p, p, p + k);
    served_ += k;
    return traits_type::to_int_type(*p);
  }
  std::string prefix_, suffix_;
  char fill_;
  std::uint64_t n_;
  std::uint64_t served_ = 0;
  int stage_ = 0;
  char block_[1 << 16];
};

}  // namespace

TEST_CASE("list limits: documented defaults") {
  const ParseOptions o;
  CHECK(o.max_list_bytes == (std::uint64_t{4} << 30));
  CHECK(o.max_line_bytes == 65536);
}

TEST_CASE("list limits: a line above max_line_bytes is refused (strict) or reported (lenient)") {
  const std::string long_line(101, 'a');
  const std::string text = H1 + "\n" + long_line + "\n" + H2 + "\n";
  try {
    parse_list_string(text, "n.txt", opts(ParsePolicy::strict, 100));
    FAIL("accepted a line above the limit");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::list_parse_error);
    CHECK(std::string(e.what()).find("n.txt:2: line longer than 100 bytes") != std::string::npos);
  }
  const HashList l = parse_list_string(text, "n.txt", opts(ParsePolicy::lenient, 100));
  CHECK(l.entries.size() == 2);
  CHECK(l.skipped == 1);
  CHECK(l.lines == 3);
  REQUIRE(l.problems.size() == 1);
  CHECK(l.problems[0].line == 2);
  CHECK(l.problems[0].reason.find("line longer than 100 bytes (max_line_bytes)") != std::string::npos);
  // The limit is on the text of the line: "\r\n" does not count, exactly 100 bytes is allowed.
  const std::string label_line = H1 + " " + std::string(100 - 65, 'x');
  REQUIRE(label_line.size() == 100);
  const HashList ok = parse_list_string(label_line + "\r\n" + H2 + "\n", "ok.txt", opts(ParsePolicy::strict, 100));
  CHECK(ok.entries.size() == 2);
  std::istringstream in(label_line + "\r\n" + H2 + "\n");
  CHECK(parse_list_stream(in, "ok.txt", opts(ParsePolicy::strict, 100)).entries.size() == 2);
  // 0 = no limit.
  const std::string huge_label = H1 + " " + std::string(200000, 'y') + "\n";
  const HashList nolimit = parse_list_string(huge_label, "big.txt", opts(ParsePolicy::strict, 0));
  REQUIRE(nolimit.entries.size() == 1);
  CHECK(nolimit.entries[0].label.size() == 200000);
  CHECK_THROWS_AS(parse_list_string(huge_label, "big.txt"), Error);  // the default 64 KiB refuses it
}

TEST_CASE("list limits: streamed lists give the same result as in-memory text across chunk boundaries") {
  // Lines of every length around the 64 KiB read chunk and around the line limit,
  // with CRLF, a BOM, comments, NULs and bad hashes: parse_list_stream must agree
  // with parse_list_string on every entry, count and problem.
  std::mt19937_64 rng(11);
  const std::size_t max_line = 3000;
  std::string text = "\xEF\xBB\xBF# header comment\n";
  for (int i = 0; i < 400; ++i) {
    switch (rng() % 6) {
      case 0: text += H1 + " label " + std::to_string(i) + "\n"; break;
      case 1: text += H2 + "\r\n"; break;
      case 2: text += std::string(max_line - 1 + rng() % 3, 'b') + (rng() % 2 ? "\r\n" : "\n"); break;
      case 3: text += H1 + " " + std::string(rng() % (max_line - 60), 'l') + "\n"; break;
      case 4: text += "# comment\n\n"; break;
      default: text += std::string(70000 + rng() % 1000, 'c') + "\n"; break;
    }
  }
  text += H2 + " no final newline";
  const ParseOptions o = opts(ParsePolicy::lenient, max_line);
  const HashList a = parse_list_string(text, "x", o);
  std::istringstream in(text);
  const HashList b = parse_list_stream(in, "x", o);
  CHECK(a.lines == b.lines);
  CHECK(a.skipped == b.skipped);
  CHECK(a.skipped > 10);
  REQUIRE(a.entries.size() == b.entries.size());
  for (std::size_t i = 0; i < a.entries.size(); ++i) {
    CHECK(a.entries[i].hash == b.entries[i].hash);
    CHECK(a.entries[i].line == b.entries[i].line);
    CHECK(a.entries[i].label == b.entries[i].label);
  }
  REQUIRE(a.problems.size() == b.problems.size());
  for (std::size_t i = 0; i < a.problems.size(); ++i) {
    CHECK(a.problems[i].line == b.problems[i].line);
    CHECK(a.problems[i].reason == b.problems[i].reason);
  }
  // And the file path agrees too.
  const std::string path = tmp_path("chunks.txt");
  {
    std::ofstream f(path, std::ios::binary);
    f << text;
  }
  const HashList c = parse_list_file(path, o);
  CHECK(c.lines == a.lines);
  CHECK(c.entries.size() == a.entries.size());
  CHECK(c.problems.size() == a.problems.size());
  std::remove(path.c_str());
}

TEST_CASE("list limits: a 256 MiB line is streamed past, never held") {
  const std::uint64_t n = std::uint64_t{256} << 20;
  SUBCASE("strict: refused as soon as the limit is passed, the rest is not read") {
    GenBuf gb(H1 + "\n", 'z', n, "\n" + H2 + "\n");
    std::istream in(&gb);
    try {
      parse_list_stream(in, "huge.txt", opts(ParsePolicy::strict));
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::list_parse_error);
      CHECK(std::string(e.what()).find("huge.txt:2: line longer than 65536 bytes") != std::string::npos);
    }
    CHECK(gb.served() < 4 * kDefaultMaxLineBytes);  // stopped early, not after 256 MiB
  }
  SUBCASE("lenient: the line is skipped and reported, the next line still parsed") {
    GenBuf gb(H1 + "\n", 'z', n, "\n" + H2 + "\n");
    std::istream in(&gb);
    const HashList l = parse_list_stream(in, "huge.txt", opts(ParsePolicy::lenient));
    CHECK(gb.served() == n + 2 * 65 + 1);
    REQUIRE(l.entries.size() == 2);
    CHECK(l.entries[1].line == 3);
    CHECK(l.lines == 3);
    REQUIRE(l.problems.size() == 1);
    CHECK(l.problems[0].line == 2);
  }
  SUBCASE("lenient: a last line without a newline") {
    GenBuf gb(H1 + "\n", 'z', n, "");
    std::istream in(&gb);
    const HashList l = parse_list_stream(in, "huge.txt", opts(ParsePolicy::lenient));
    CHECK(l.entries.size() == 1);
    CHECK(l.lines == 2);
    CHECK(l.skipped == 1);
  }
}

TEST_CASE("list limits: max_list_bytes") {
  const std::string text = H1 + "\n" + H2 + "\n";  // 130 bytes
  ParseOptions small;
  small.max_list_bytes = 100;
  auto expect_too_large = [](auto&& f) {
    try {
      f();
      FAIL("accepted a list above max_list_bytes");
    } catch (const Error& e) {
      CHECK_MESSAGE(e.code() == ErrorCode::file_too_large, e.what());
      CHECK(std::string(e.what()).find("max_list_bytes") != std::string::npos);
    }
  };
  expect_too_large([&] { parse_list_string(text, "s", small); });
  std::istringstream in(text);
  expect_too_large([&] { parse_list_stream(in, "s", small); });
  const std::string path = tmp_path("size.txt");
  {
    std::ofstream f(path, std::ios::binary);
    f << text;
  }
  expect_too_large([&] { parse_list_file(path, small); });
  small.max_list_bytes = 130;  // exactly at the limit is allowed
  CHECK(parse_list_file(path, small).entries.size() == 2);
  small.max_list_bytes = 0;  // no limit
  CHECK(parse_list_file(path, small).entries.size() == 2);
  std::vector<std::string> paths{path};
  ParseOptions tiny;
  tiny.max_list_bytes = 10;
  expect_too_large([&] { build_matcher_from_files(paths, tiny); });
  std::remove(path.c_str());
}

TEST_CASE("list limits: a regular file above max_list_bytes is refused from its size, before reading") {
  // A sparse 5 GiB file of zeros: reading it would report a NUL byte / an
  // over-long line (list_parse_error) after seconds; the size check refuses it
  // at once with file_too_large under the default 4 GiB limit.
  const std::string path = tmp_path("sparse.txt");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  const bool sized = ::ftruncate(fd, static_cast<off_t>(std::uint64_t{5} << 30)) == 0;
  ::close(fd);
  if (!sized) {
    std::remove(path.c_str());
    MESSAGE("file system refuses a 5 GiB sparse file: skipped");
    return;
  }
  for (ParsePolicy p : {ParsePolicy::strict, ParsePolicy::lenient}) {
    try {
      parse_list_file(path, opts(p));
      FAIL("accepted");
    } catch (const Error& e) {
      CHECK_MESSAGE(e.code() == ErrorCode::file_too_large, e.what());
      CHECK(std::string(e.what()).find("5368709120 bytes") != std::string::npos);
    }
  }
  std::remove(path.c_str());
}

TEST_CASE("list limits: a directory is an io_error, not a list") {
  try {
    parse_list_file(".");
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::io_error);
  }
}

// ---------------------------------------------------------------------------
// Index files with overflowing counts and offsets, both checksums forged.
// ---------------------------------------------------------------------------

namespace {

template <class T>
void put(std::vector<char>& b, std::size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}
template <class T>
T get(const std::vector<char>& b, std::size_t at) {
  T v;
  std::memcpy(&v, b.data() + at, sizeof v);
  return v;
}

// Header layout (lib/index/file.cpp): checksum at 24 (XXH3-64 of [128, end)),
// header checksum at 32 (XXH3-64 of the header with that field zero), sections
// (u32) at 44, slots/entries/strings/lists (u64) at 48/56/64/72; the section
// table follows at 128, 24 bytes each: id u32, sub u32, offset u64, bytes u64.
constexpr std::size_t kSections = 44, kSlots = 48, kEntries = 56, kStrings = 64, kTable = 128;

/// Recomputes both checksums so only the structural checks can catch a forgery.
void reseal(std::vector<char>& b) {
  put<std::uint64_t>(b, 24, XXH3_64bits(b.data() + 128, b.size() - 128));
  put<std::uint64_t>(b, 32, 0);
  put<std::uint64_t>(b, 32, XXH3_64bits(b.data(), 128));
}

/// The byte position of section `id`'s table row.
std::size_t row_of(const std::vector<char>& b, std::uint32_t id) {
  const std::uint32_t n = get<std::uint32_t>(b, kSections);
  for (std::uint32_t i = 0; i < n; ++i)
    if (get<std::uint32_t>(b, kTable + 24 * i) == id) return kTable + 24 * i;
  FAIL("no section ", id);
  return 0;
}

void expect_corrupt_all_ways(const std::string& p, const char* what) {
  for (bool verify : {true, false}) {
    OpenOptions o;
    o.verify_checksum = verify;
    try {
      Matcher::open(p, o);
      FAIL("opened a forged file: ", what);
    } catch (const Error& e) {
      CHECK_MESSAGE(e.code() == ErrorCode::index_corrupt, what, ": ", e.what());
    }
  }
  try {
    verify_index_file(p);
    FAIL("verified a forged file: ", what);
  } catch (const Error& e) {
    CHECK_MESSAGE(e.code() == ErrorCode::index_corrupt, what, ": ", e.what());
  }
  try {
    index_file_info(p);
    FAIL("described a forged file: ", what);
  } catch (const Error& e) {
    CHECK_MESSAGE(e.code() == ErrorCode::index_corrupt, what, ": ", e.what());
  }
}

}  // namespace

TEST_CASE("index limits: overflowing counts and offsets are index_corrupt, never a crash") {
  const std::string good = tmp_path("good.pdqidx");
  const std::string bad = tmp_path("bad.pdqidx");
  BuildOptions bo;
  bo.kind = IndexKind::mih;
  Matcher::build_from_hashes(synth::uniform(500, 3), bo)->save(good);
  const std::vector<char> bytes = synth::read_all(good);
  {
    std::vector<char> b = bytes;
    reseal(b);
    REQUIRE(b == bytes);  // reseal reproduces the writer's checksums
  }
  auto forge = [&](const char* what, auto&& edit) {
    std::vector<char> b = bytes;
    edit(b);
    reseal(b);
    synth::write_all(bad, b);
    expect_corrupt_all_ways(bad, what);
  };
  // Hash section ids: 1 hashes, 2 slot table, 3 entries, 5 strings, 8 mih table.
  forge("section offset + bytes wraps 2^64", [&](std::vector<char>& b) {
    const std::size_t r = row_of(b, 3);
    put<std::uint64_t>(b, r + 8, ~std::uint64_t{0} - 7);  // offset = 2^64 - 8 (8-aligned)
  });
  forge("section bytes wraps past the end", [&](std::vector<char>& b) {
    const std::size_t r = row_of(b, 1);
    put<std::uint64_t>(b, r + 16, ~std::uint64_t{0} - get<std::uint64_t>(b, r + 8) + 33);
  });
  forge("string blob of 2^64-1 bytes", [&](std::vector<char>& b) {
    put<std::uint64_t>(b, row_of(b, 5) + 16, ~std::uint64_t{0});
  });
  forge("entry count whose byte size exceeds the file (count x 16 near 2^36)", [&](std::vector<char>& b) {
    put<std::uint64_t>(b, kEntries, 0xfffffffeull);
  });
  forge("slot count 2^59 (x 32 bytes wraps to 0)", [&](std::vector<char>& b) {
    put<std::uint64_t>(b, kSlots, std::uint64_t{1} << 59);
  });
  forge("entries 2^60 (x 16 bytes wraps to 0) and slots 0", [&](std::vector<char>& b) {
    put<std::uint64_t>(b, kEntries, std::uint64_t{1} << 60);
    put<std::uint64_t>(b, kSlots, 0);
  });
  forge("string count 2^61 (x 8 bytes wraps to 0)", [&](std::vector<char>& b) {
    put<std::uint64_t>(b, kStrings, (std::uint64_t{1} << 61) - 1);
  });
  forge("4 billion sections", [&](std::vector<char>& b) { put<std::uint32_t>(b, kSections, 0xffffffffu); });
  forge("mih table claiming 2^31 keys", [&](std::vector<char>& b) {
    put<std::uint64_t>(b, row_of(b, 8) + 16, std::uint64_t{1} << 33);
  });
  forge("slot table pointing past the entries", [&](std::vector<char>& b) {
    const std::size_t off = static_cast<std::size_t>(get<std::uint64_t>(b, row_of(b, 2) + 8));
    put<std::uint32_t>(b, off + 4 * 10, 0xfffffff0u);
  });
  forge("file_size field of 2^64-1", [&](std::vector<char>& b) { put<std::uint64_t>(b, 16, ~std::uint64_t{0}); });
  std::remove(bad.c_str());
  std::remove(good.c_str());
}
