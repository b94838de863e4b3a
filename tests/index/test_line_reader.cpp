// The one bounded line reader (lib/text/line_reader.hpp) over memory, a fd, a FILE
// and a stream: limits, CRLF, BOM, torn last lines, offsets.
#include <doctest/doctest.h>

#include "text/line_reader.hpp"

#include <pdqguard/error.hpp>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

using namespace pdqguard;
using namespace pdqguard::detail;

namespace {
std::vector<Line> all(LineReader& r, std::vector<std::string>* texts = nullptr) {
  std::vector<Line> out;
  Line l;
  while (r.next(l)) {
    if (texts) texts->emplace_back(l.text);
    out.push_back(l);
  }
  return out;
}

/// A source that hands out `chunk` bytes per read (lines cross chunk borders).
class Trickle final : public ByteSource {
 public:
  Trickle(std::string s, std::size_t chunk) : s_(std::move(s)), chunk_(chunk) {}
  std::size_t read(char* dst, std::size_t n) override {
    const std::size_t k = std::min({n, chunk_, s_.size() - pos_});
    s_.copy(dst, k, pos_);
    pos_ += k;
    return k;
  }
  std::size_t pos_ = 0;

 private:
  std::string s_;
  std::size_t chunk_;
};
}  // namespace

TEST_CASE("line reader: CRLF, BOM, blank lines, a torn last line and offsets") {
  const std::string text = "\xEF\xBB\xBF" "one\r\n\r\ntwo\nthree";
  for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{5}, std::size_t{1000}}) {
    CAPTURE(chunk);
    Trickle src(text, chunk);
    LineReader r(src, {});
    std::vector<std::string> t;
    const auto lines = all(r, &t);
    REQUIRE(t == std::vector<std::string>{"one", "", "two", "three"});
    CHECK(lines[0].number == 1);
    CHECK(lines[0].end_offset == 8);  // BOM + "one\r\n"
    CHECK(lines[2].end_offset == 14);
    CHECK(lines[2].terminated);
    CHECK_FALSE(lines[3].terminated);  // torn
    CHECK(lines[3].end_offset == text.size());
    CHECK(r.lines() == 4);
  }
  LineReader m(text, {});
  std::vector<std::string> t;
  all(m, &t);
  CHECK(t == std::vector<std::string>{"one", "", "two", "three"});
}

TEST_CASE("line reader: a too-long line is cut at the limit, reported once, and its rest skipped") {
  const std::string big(100000, 'x');
  const std::string text = "ab\n" + big + "\ncd\n" + big;  // the last one also torn
  LineReaderOptions o;
  o.max_line_bytes = 10;
  for (std::size_t chunk : {std::size_t{3}, std::size_t{65536}}) {
    CAPTURE(chunk);
    Trickle src(text, chunk);
    LineReader r(src, o);
    std::vector<std::string> t;
    const auto lines = all(r, &t);
    REQUIRE(lines.size() == 4);
    CHECK(t[0] == "ab");
    CHECK(lines[1].too_long);
    CHECK(t[1] == std::string(10, 'x'));
    CHECK(lines[1].number == 2);
    CHECK(t[2] == "cd");
    CHECK(lines[2].number == 3);
    CHECK_FALSE(lines[2].too_long);
    CHECK(lines[3].too_long);
  }
  // Exactly at the limit, also with a CR that is stripped: not too long.
  const std::string at_limit = std::string(10, 'y') + "\r\n" + std::string(11, 'z') + "\n";
  LineReader exact(at_limit, o);
  const auto e = all(exact);
  CHECK_FALSE(e[0].too_long);
  CHECK(e[1].too_long);
}

TEST_CASE("line reader: the largest max_line_bytes does not wrap (every line fits)") {
  LineReaderOptions o;
  o.max_line_bytes = SIZE_MAX;
  Trickle src("a\nbb\n", 1);
  LineReader r(src, o);
  std::vector<std::string> t;
  const auto lines = all(r, &t);
  CHECK(t == std::vector<std::string>{"a", "bb"});
  CHECK_FALSE(lines[0].too_long);
}

TEST_CASE("line reader: the total limit stops reading") {
  LineReaderOptions o;
  o.max_total_bytes = 5;
  LineReader m("abc\ndef\n", o);
  Line l;
  CHECK_FALSE(m.next(l));
  CHECK(m.total_exceeded());
  Trickle src("abc\ndef\n", 4);
  LineReader r(src, o);
  REQUIRE(r.next(l));
  CHECK(l.text == "abc");
  CHECK_FALSE(r.next(l));  // the chunk that passes the limit is not handed out
  CHECK(r.total_exceeded());
}

TEST_CASE("line reader: NUL separators keep '\\r' and a BOM when told") {
  LineReaderOptions o;
  o.separator = '\0';
  o.strip_cr = false;
  o.strip_bom = false;
  const std::string text("a\r\0b\nc\0", 7);
  LineReader r(text, o);
  std::vector<std::string> t;
  all(r, &t);
  CHECK(t == std::vector<std::string>{"a\r", "b\nc"});
}

TEST_CASE("line reader: fd, FILE and stream sources") {
  char tmpl[] = "/tmp/pdqguard_lr_XXXXXX";
  const int fd = ::mkstemp(tmpl);
  REQUIRE(fd >= 0);
  const std::string text = "1\n22\r\n333";
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
  const std::vector<std::string> want{"1", "22", "333"};
  {
    FdSource src(fd, tmpl);
    LineReader r(src, {});
    std::vector<std::string> t;
    all(r, &t);
    CHECK(t == want);
  }
  ::close(fd);
  {
    std::FILE* f = std::fopen(tmpl, "rb");
    REQUIRE(f);
    FileSource src(f, tmpl);
    LineReader r(src, {});
    std::vector<std::string> t;
    all(r, &t);
    CHECK(t == want);
    std::fclose(f);
  }
  {
    std::istringstream in(text);
    StreamSource src(in, "s");
    LineReader r(src, {});
    std::vector<std::string> t;
    all(r, &t);
    CHECK(t == want);
  }
  ::unlink(tmpl);
  // A stop callback ends a fd's input (the CLI's SIGINT).
  FdSource stopped(0, "stdin", [] { return true; });
  LineReader r(stopped, {});
  Line l;
  CHECK_FALSE(r.next(l));
  // A read error is an io_error naming the input.
  FdSource bad(-1, "nothing");
  LineReader rb(bad, {});
  CHECK_THROWS_AS(rb.next(l), Error);
}

TEST_CASE("error codes: transient ones, and names read back") {
  CHECK(is_transient(ErrorCode::out_of_memory));
  CHECK(is_transient(ErrorCode::io_error));
  CHECK_FALSE(is_transient(ErrorCode::decode_error));
  CHECK_FALSE(is_transient(ErrorCode::file_too_large));
  ErrorCode c{};
  REQUIRE(error_code_from_name("truncated_input", c));
  CHECK(c == ErrorCode::truncated_input);
  REQUIRE(error_code_from_name("io_error", c));
  CHECK(c == ErrorCode::io_error);
  CHECK_FALSE(error_code_from_name("no_such_code", c));
  CHECK_FALSE(error_code_from_name("unknown_error", c));
}
