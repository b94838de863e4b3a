// List parsers: every supported shape, damaged lines in both policies.
#include <doctest/doctest.h>

#include <pdqguard/index.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

using namespace pdqguard;

namespace {
const std::string H1 = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
const std::string H2 = "0000000000000000000000000000000000000000000000000000000000000000";
const std::string H3 = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
ParseOptions lenient() {
  ParseOptions o;
  o.policy = ParsePolicy::lenient;
  return o;
}
}  // namespace

TEST_CASE("plain list: comments, blank lines, CRLF, BOM, extra fields") {
  const std::string text = "\xEF\xBB\xBF# a comment\r\n" + H1 + "\r\n\r\n  " + H2 + ",some label\r\n# end\n" +
                           H3 + "\tthird one\n";
  const HashList l = parse_list_string(text, "plain.txt");
  CHECK(l.format == ListFormat::plain);
  REQUIRE(l.entries.size() == 3);
  CHECK(l.entries[0].hash.to_hex() == H1);
  CHECK(l.entries[0].id == "2");  // line number (the BOM line is line 1)
  CHECK(l.entries[0].label.empty());
  CHECK(l.entries[1].hash.is_zero());
  CHECK(l.entries[1].id == "4");
  CHECK(l.entries[1].label == "some label");
  CHECK(l.entries[2].label == "third one");
  CHECK(l.entries[2].line == 6);
  CHECK(l.lines == 6);
  CHECK(l.skipped == 0);
}

TEST_CASE("upper-case hex is accepted and normalised") {
  std::string up = H1;
  for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const HashList l = parse_list_string(up + "\n", "u");
  REQUIRE(l.entries.size() == 1);
  CHECK(l.entries[0].hash.to_hex() == H1);
}

TEST_CASE("strict policy names file, line and reason") {
  const std::string text = H1 + "\n" + H1.substr(0, 32) + "\n" + H2 + "\n";
  try {
    parse_list_string(text, "bad.txt");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::list_parse_error);
    const std::string m = e.what();
    CHECK(m.find("bad.txt:2:") == 0);
    CHECK(m.find("32 hex characters") != std::string::npos);
    CHECK(m.find("MD5") != std::string::npos);
  }
}

TEST_CASE("lenient policy skips, counts and reports every bad line") {
  std::string nonhex = H1;
  nonhex[10] = 'g';
  const std::string text = H1 + "\n" + nonhex + "\n" + H1 + "ab\n" + std::string("xyz\n") + H2 + "\n";
  const HashList l = parse_list_string(text, "l.txt", lenient());
  CHECK(l.entries.size() == 2);
  CHECK(l.skipped == 3);
  REQUIRE(l.problems.size() == 3);
  CHECK(l.problems[0].line == 2);
  CHECK(l.problems[0].file == "l.txt");
  CHECK(l.problems[0].reason.find("character 11") != std::string::npos);
  CHECK(l.problems[1].line == 3);
  CHECK(l.problems[1].reason.find("66") != std::string::npos);
  CHECK(l.problems[2].line == 4);
}

TEST_CASE("problems kept are capped but all are counted") {
  std::string text;
  for (int i = 0; i < 50; ++i) text += "nothex\n";
  ParseOptions o = lenient();
  o.max_problems_kept = 5;
  const HashList l = parse_list_string(text, "x", o);
  CHECK(l.skipped == 50);
  CHECK(l.problems.size() == 5);
}

TEST_CASE("CSV with header: hash column by name, id, label, quality, list") {
  const std::string text = "id,Quality,PDQ,category,list\n"
                           "a1,90," + H1 + ",spam,listA\n"
                           "\"a,2\",100," + H2 + ",\"quoted \"\"label\"\"\",\n";
  const HashList l = parse_list_string(text, "c.csv");
  CHECK(l.format == ListFormat::csv);
  REQUIRE(l.entries.size() == 2);
  CHECK(l.entries[0].id == "a1");
  CHECK(l.entries[0].quality == 90);
  CHECK(l.entries[0].label == "spam");
  CHECK(l.entries[0].list == "listA");
  CHECK(l.entries[1].id == "a,2");
  CHECK(l.entries[1].label == "quoted \"label\"");
  CHECK(l.entries[1].list.empty());
}

TEST_CASE("every hash column name is recognised") {
  for (const char* name : {"hash", "pdq", "signal", "signal_value", "hash_value", "pdq_hash"}) {
    const std::string text = std::string("foo,") + name + "\nx," + H1 + "\n";
    const HashList l = parse_list_string(text, "n.csv");
    REQUIRE(l.entries.size() == 1);
    CHECK(l.entries[0].hash.to_hex() == H1);
    CHECK(l.entries[0].id == "2");  // no id column: line number
  }
}

TEST_CASE("HMA export shape: hash,indicator_id,timestamp,tags") {
  const std::string text = "hash,indicator_id,timestamp,tags\r\n" + H1 + ",12345,1600000000,\"tag1 tag2\"\r\n" + H2 +
                           ",67890,1600000001,\r\n";
  const HashList l = parse_list_string(text, "hma.csv");
  REQUIRE(l.entries.size() == 2);
  CHECK(l.entries[0].id == "12345");
  CHECK(l.entries[0].label == "tag1 tag2");
  CHECK(l.entries[1].id == "67890");
}

TEST_CASE("TSV with header") {
  const std::string text = "signal_type\tsignal_value\tlabel\npdq\t" + H1 + "\tx\nvideo_md5\t" +
                           "d41d8cd98f00b204e9800998ecf8427e\ty\n";
  const HashList l = parse_list_string(text, "t.tsv");
  CHECK(l.format == ListFormat::tsv);
  REQUIRE(l.entries.size() == 1);
  CHECK(l.entries[0].label == "x");
  CHECK(l.ignored == 1);  // another signal type: not loaded, but counted and reported
  REQUIRE(l.problems.size() == 1);
  CHECK(l.problems[0].line == 3);
}

TEST_CASE("a 32-char value in a PDQ column is refused with its line") {
  const std::string text = "pdq,id\n" + H1 + ",1\nd41d8cd98f00b204e9800998ecf8427e,2\n";
  CHECK_THROWS_WITH_AS(parse_list_string(text, "m.csv"), doctest::Contains("m.csv:3:"), Error);
  const HashList l = parse_list_string(text, "m.csv", lenient());
  CHECK(l.entries.size() == 1);
  CHECK(l.skipped == 1);
}

TEST_CASE("CSV row too short and unterminated quote") {
  const std::string text = "id,label,hash\n1,a," + H1 + "\n2,b\n3,\"open," + H2 + "\n";
  const HashList l = parse_list_string(text, "s.csv", lenient());
  CHECK(l.entries.size() == 1);
  CHECK(l.skipped == 2);
  REQUIRE(l.problems.size() == 2);
  CHECK(l.problems[0].line == 3);
  CHECK(l.problems[1].reason.find("quote") != std::string::npos);
}

TEST_CASE("a header without a hash column is an error in both policies") {
  CHECK_THROWS_AS(parse_list_string("name,value\na,b\n", "h.csv"), Error);
  CHECK_THROWS_AS(parse_list_string("name,value\na,b\n", "h.csv", lenient()), Error);
}

TEST_CASE("python-threatexchange local file: pdq <hash>") {
  const std::string text = "pdq " + H1 + "\npdq " + H2 + " some_note\nmd5 d41d8cd98f00b204e9800998ecf8427e\npdq zz\n";
  const HashList l = parse_list_string(text, "te.txt", lenient());
  CHECK(l.format == ListFormat::threatexchange);
  REQUIRE(l.entries.size() == 2);
  CHECK(l.entries[1].label == "some_note");
  CHECK(l.ignored == 1);
  CHECK(l.skipped == 1);
  CHECK_THROWS_AS(parse_list_string(text, "te.txt"), Error);
}

TEST_CASE("binary garbage never crashes and is reported") {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 131 + 7) % 256);
  try {
    const HashList l = parse_list_string(junk, "junk", lenient());
    CHECK(l.entries.empty());
    CHECK(l.skipped + l.ignored > 0);
  } catch (const Error& e) {  // e.g. a line taken for a CSV header without a hash column
    CHECK(e.code() == ErrorCode::list_parse_error);
  }
  CHECK_THROWS_AS(parse_list_string(junk, "junk"), Error);
}

TEST_CASE("empty input and comment-only input give empty lists") {
  CHECK(parse_list_string("", "e").entries.empty());
  CHECK(parse_list_string("# nothing\n\n", "e").entries.empty());
}

TEST_CASE("parse from file and stream") {
  const std::string path = "test_index_list.txt";
  {
    std::ofstream f(path, std::ios::binary);
    f << H1 << "\n" << H2 << "\n";
  }
  const HashList l = parse_list_file(path);
  CHECK(l.name == "test_index_list.txt");
  CHECK(l.entries.size() == 2);
  std::istringstream in(H3 + "\n");
  CHECK(parse_list_stream(in, "s").entries.size() == 1);
  std::remove(path.c_str());
  try {
    parse_list_file("/nonexistent/list.txt");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::io_error);
  }
}

TEST_CASE("RFC 4180: a quoted label that holds newlines is one record (issue 21)") {
  const std::string text = "hash,label,id\r\n" + H1 + ",\"first line\r\nsecond, with comma\r\n\r\nfourth \"\"q\"\"\",a1\r\n" +
                           H2 + ",plain,a2\r\n";
  for (int via_stream = 0; via_stream < 2; ++via_stream) {
    CAPTURE(via_stream);
    std::istringstream in(text);
    const HashList l = via_stream ? parse_list_stream(in, "ml.csv") : parse_list_string(text, "ml.csv");
    REQUIRE(l.entries.size() == 2);
    CHECK(l.entries[0].label == "first line\nsecond, with comma\n\nfourth \"q\"");
    CHECK(l.entries[0].id == "a1");
    CHECK(l.entries[0].line == 2);  // where the record starts
    CHECK(l.entries[1].id == "a2");
    CHECK(l.entries[1].line == 6);
    CHECK(l.lines == 6);
    CHECK(l.tags.empty());  // no tags column: no tags kept
  }
}

TEST_CASE("RFC 4180: a quoted field never closed is named malformed, never skipped silently") {
  const std::string text = "hash,label\n" + H1 + ",ok\n" + H2 + ",\"open\nand on\n";
  try {
    parse_list_string(text, "open.csv");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::list_parse_error);
    CHECK(std::string(e.what()).find("open.csv:3:") == 0);
    CHECK(std::string(e.what()).find("unterminated quoted field") != std::string::npos);
  }
  const HashList l = parse_list_string(text, "open.csv", lenient());
  CHECK(l.entries.size() == 1);
  CHECK(l.skipped == 1);
  REQUIRE(l.problems.size() == 1);
  CHECK(l.problems[0].line == 3);
  // A quoted record is bounded by max_line_bytes in all.
  ParseOptions small = lenient();
  small.max_line_bytes = 100;
  std::string longrec = "hash,label\n" + H1 + ",\"";
  for (int i = 0; i < 10; ++i) longrec += "twenty bytes of text\n";
  longrec += "\"\n" + H2 + ",after\n";
  const HashList b = parse_list_string(longrec, "big.csv", small);
  CHECK(b.skipped >= 1);
  REQUIRE_FALSE(b.problems.empty());
  CHECK(b.problems[0].reason.find("max_line_bytes") != std::string::npos);
}

TEST_CASE("ThreatExchange export: collab,signal_type,signal_str,category,tags (issue 18)") {
  const std::string text =
      "collab,signal_type,signal_str,category,tags\n"
      "Sample Collab,pdq," + H1 + ",adult,\"tag1 tag2\"\n"
      "Sample Collab,video_md5,d41d8cd98f00b204e9800998ecf8427e,adult,\n"
      "Other Collab,pdq," + H2 + ",,\n";
  const HashList l = parse_list_string(text, "te-export.csv");
  CHECK(l.format == ListFormat::csv);
  REQUIRE(l.entries.size() == 2);
  CHECK(l.entries[0].hash.to_hex() == H1);
  CHECK(l.entries[0].list == "Sample Collab");
  CHECK(l.entries[0].label == "adult");
  REQUIRE(l.tags.size() == l.entries.size());
  CHECK(l.tags[0] == "tag1 tag2");
  CHECK(l.tags[1].empty());
  CHECK(l.entries[0].id == "2");
  CHECK(l.entries[1].list == "Other Collab");
  CHECK(l.ignored == 1);  // the non-PDQ signal type, line by line
  REQUIRE(l.problems.size() == 1);
  CHECK(l.problems[0].line == 3);
  // Matches name the collab as their list.
  const auto m = Matcher::build(std::span<const HashList>(&l, 1));
  const QueryResult r = m->query(HashResult{Hash256::from_hex(H1), 100, false});
  REQUIRE(r.matches.size() == 1);
  CHECK(r.matches[0].list == "Sample Collab");
  CHECK(r.matches[0].label == "adult");
  // Every entry names its collab: the file's own name is no list of its own
  // (it was one, with 0 entries, counted in "N list(s)").
  CHECK(m->list_names() == std::vector<std::string>{"Sample Collab", "Other Collab"});
  MatcherUpdate add;  // the same rule when the export is added to a built matcher
  add.add.push_back(l);
  const HashList base = parse_list_string(H2 + "\n", "base.txt");
  CHECK(Matcher::build(std::span<const HashList>(&base, 1))->with_updates(add)->list_names() ==
        std::vector<std::string>{"base.txt", "Sample Collab", "Other Collab"});
  // A file whose rows fall back to the file's name keeps it, before the others.
  const HashList mixed = parse_list_string("hash,list\n" + H1 + ",\n" + H2 + ",Other\n", "mixed.csv");
  CHECK(Matcher::build(std::span<const HashList>(&mixed, 1))->list_names() ==
        std::vector<std::string>{"mixed.csv", "Other"});
}

TEST_CASE("max_line_bytes at its largest loads every line (no wrap to 'every line too long')") {
  ParseOptions o;
  o.max_line_bytes = SIZE_MAX;
  std::istringstream in(H1 + "\n" + H2 + "\n");
  CHECK(parse_list_stream(in, "w", o).entries.size() == 2);
  CHECK(parse_list_string(H1 + "\n", "w", o).entries.size() == 1);
}

TEST_CASE("RFC 4180: records spanning many lines, fields opening and closing on later lines") {
  // Two quoted fields of one record each span lines, the second opening on a
  // line the first closes on; a third record after them keeps its own line.
  std::string label, tags;
  for (int i = 0; i < 3000; ++i) label += (i ? "\n" : "") + std::string(static_cast<std::size_t>(i % 7), static_cast<char>('a' + i % 26)) + ",\"\"";
  for (int i = 0; i < 500; ++i) tags += (i ? "\r\n" : "") + std::to_string(i);
  std::string quoted_label, quoted_tags;
  for (char c : label) quoted_label += c == '"' ? std::string("\"\"") : std::string(1, c);
  const std::string text = "hash,label,tags,id\n" + H1 + ",\"" + quoted_label + "\",  \"" + tags + "\"  ,a1\n" +
                           H2 + ",\"x\ny\",\"\",a2\n" + H3 + ",plain,t,a3\n";
  for (int via_stream = 0; via_stream < 2; ++via_stream) {
    CAPTURE(via_stream);
    std::istringstream in(text);
    const HashList l = via_stream ? parse_list_stream(in, "many.csv") : parse_list_string(text, "many.csv");
    REQUIRE(l.entries.size() == 3);
    CHECK(l.skipped == 0);
    std::string tags_lf = tags;  // a '\r' ends its physical line: dropped like any line's
    tags_lf.erase(std::remove(tags_lf.begin(), tags_lf.end(), '\r'), tags_lf.end());
    CHECK(l.entries[0].label == label);
    CHECK(l.entries[0].id == "a1");
    CHECK(l.entries[0].line == 2);
    REQUIRE(l.tags.size() == 3);
    CHECK(l.tags[0] == tags_lf);
    CHECK(l.entries[1].label == "x\ny");
    CHECK(l.entries[1].id == "a2");
    CHECK(l.entries[1].line == 2 + 3000 - 1 + 500);
    CHECK(l.tags[1].empty());
    CHECK(l.entries[2].id == "a3");
    CHECK(l.entries[2].line == 2 + 3000 - 1 + 500 + 2);
    CHECK(l.lines == 2 + 3000 - 1 + 500 + 2);
  }
  // Text after a quote that closes on a later line: the record is malformed,
  // reported at the line it starts on.
  const std::string bad = "hash,label\n" + H1 + ",\"one\ntwo\nthree\" x\n" + H2 + ",ok\n";
  const HashList b = parse_list_string(bad, "bad.csv", lenient());
  REQUIRE(b.entries.size() == 1);
  CHECK(b.entries[0].line == 5);
  REQUIRE(b.problems.size() == 1);
  CHECK(b.problems[0].line == 2);
  CHECK(b.problems[0].reason == "text after a closing quote");
  CHECK_THROWS_WITH_AS(parse_list_string(bad, "bad.csv"), "bad.csv:2: text after a closing quote", Error);
}

TEST_CASE("RFC 4180: a 64 KiB record of short lines parses whole; never closed, it is reported as before") {
  // Just under the default max_line_bytes (64 KiB) with the record's lines
  // joined: ~32,000 lines of one character each.
  std::string label;
  const std::string head = H1 + ",\"";
  const std::string tail = "\",z\n";
  while (head.size() + label.size() + 2 + tail.size() - 1 <= kDefaultMaxLineBytes)
    label += label.empty() ? "x" : "\nx";
  REQUIRE(label.size() > 65000);
  const std::string text = "hash,label,id\n" + head + label + tail + H2 + ",after,y\n";
  const std::size_t nlines = static_cast<std::size_t>(std::count(label.begin(), label.end(), '\n')) + 1;
  const HashList l = parse_list_string(text, "big.csv");
  REQUIRE(l.entries.size() == 2);
  CHECK(l.entries[0].label == label);
  CHECK(l.entries[0].id == "z");
  CHECK(l.entries[0].line == 2);
  CHECK(l.entries[1].label == "after");
  CHECK(l.entries[1].line == 2 + nlines);
  // One byte more and the record is past max_line_bytes: malformed, at its start.
  const std::string over = "hash,label,id\n" + head + label + "xx" + tail + H2 + ",after,y\n";
  CHECK_THROWS_WITH_AS(parse_list_string(over, "big.csv"),
                       doctest::Contains("big.csv:2: a quoted field spans lines past 65536 bytes"), Error);
  // The same record never closed: the same error as before, at its first line.
  const std::string open = "hash,label,id\n" + head + label + "\n";
  CHECK_THROWS_WITH_AS(parse_list_string(open, "open.csv"),
                       "open.csv:2: unterminated quoted field (the record runs to a later malformed line or the end)",
                       Error);
  const HashList o = parse_list_string(open, "open.csv", lenient());
  CHECK(o.entries.empty());
  CHECK(o.skipped == 1);
  REQUIRE(o.problems.size() == 1);
  CHECK(o.problems[0].line == 2);
  CHECK(o.lines == 1 + nlines);
}
