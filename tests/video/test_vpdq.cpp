// vPDQ files (text and ThreatExchange JSON) and video-list matching: the one-index
// scorer against the brute-force pair scorer on synthetic videos.
#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/vpdq.hpp>

#include "video/video_util.hpp"

#include <map>
#include <random>
#include <sstream>

using namespace pdqguard;
using pdqguard::test::code_of;

namespace {

Hash256 random_hash(std::mt19937_64& rng) {
  Hash256 h;
  std::string hex;
  for (int i = 0; i < 4; ++i) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
    hex += buf;
  }
  return Hash256::from_hex(hex);
}

Hash256 flip_bits(const Hash256& h, int n, std::mt19937_64& rng) {
  std::string hex = h.to_hex();
  for (int k = 0; k < n; ++k) {
    const int bit = static_cast<int>(rng() % 256);
    const int digit = bit / 4;
    int v = std::stoi(std::string(1, hex[static_cast<std::size_t>(digit)]), nullptr, 16);
    v ^= 1 << (bit % 4);
    hex[static_cast<std::size_t>(digit)] = "0123456789abcdef"[v];
  }
  return Hash256::from_hex(hex);
}

VideoFrameHash frame(std::int64_t n, int q, const Hash256& h) {
  VideoFrameHash f;
  f.frame_number = n;
  f.quality = q;
  f.hash = h;
  f.timestamp = static_cast<double>(n) / 30.0;
  return f;
}

}  // namespace

TEST_CASE("vpdq text: round trip and malformed lines") {
  std::mt19937_64 rng(7);
  std::vector<VideoFrameHash> frames;
  for (int i = 0; i < 20; ++i) frames.push_back(frame(i * 30, 40 + i * 3, random_hash(rng)));
  std::ostringstream s;
  write_vpdq(s, frames);
  const VpdqVideo v = parse_vpdq_text(s.str(), "v");
  REQUIRE(v.frames.size() == frames.size());
  for (std::size_t i = 0; i < frames.size(); ++i) {
    CHECK(v.frames[i].frame_number == frames[i].frame_number);
    CHECK(v.frames[i].quality == frames[i].quality);
    CHECK(v.frames[i].hash == frames[i].hash);
    CHECK(format_vpdq_line(v.frames[i]) == format_vpdq_line(frames[i]));
  }
  // CRLF, blank lines and a BOM are tolerated; parse_vpdq picks the text form.
  std::string crlf = "\xEF\xBB\xBF" + format_vpdq_line(frames[0]) + "\r\n\r\n" +
                     format_vpdq_line(frames[1]) + "\r\n";
  CHECK(parse_vpdq(crlf, "c").frames.size() == 2);

  const std::string hex = frames[0].hash.to_hex();
  const std::pair<std::string, std::string> bad[] = {
      {"0,100," + hex, "3 comma-separated fields"},
      {"0,100," + hex + ",0.000,extra", "5 comma-separated fields"},
      {"x,100," + hex + ",0.000", "frame number 'x'"},
      {"-1,100," + hex + ",0.000", "frame number '-1'"},
      {"0,101," + hex + ",0.000", "quality '101'"},
      {"0,100," + hex.substr(0, 63) + "g,0.000", "bad hash"},
      {"0,100," + hex.substr(0, 40) + ",0.000", "bad hash"},
      {"0,100," + hex + ",soon", "timestamp 'soon'"},
  };
  for (const auto& [line, why] : bad) {
    std::string msg;
    const std::string text = format_vpdq_line(frames[0]) + "\n" + line + "\n";
    CHECK_MESSAGE(code_of([&] { parse_vpdq_text(text, "f.txt"); }, &msg) ==
                      ErrorCode::list_parse_error,
                  line);
    CHECK_MESSAGE(msg.find("f.txt:2: ") == 0, msg);
    CHECK_MESSAGE(msg.find(why) != std::string::npos, msg);
  }
}

TEST_CASE("vpdq text: read by the bounded line reader (a huge line is refused, not held)") {
  const VideoFrameHash f = frame(0, 90, Hash256::from_hex(std::string(64, 'a')));
  const std::string text = format_vpdq_line(f) + "\n" + std::string(1 << 20, '7') + "\n";
  std::string msg;
  CHECK(code_of([&] { parse_vpdq_text(text, "big.txt"); }, &msg) == ErrorCode::list_parse_error);
  CHECK_MESSAGE(msg.find("big.txt:2: line longer than") == 0, msg);
  // A last line without a newline still counts.
  CHECK(parse_vpdq_text(format_vpdq_line(f) + "\n" + format_vpdq_line(f), "t").frames.size() == 2);
}

TEST_CASE("vpdq JSON: ThreatExchange's list of \"hash,quality,timestamp\" strings") {
  std::mt19937_64 rng(8);
  const Hash256 a = random_hash(rng), b = random_hash(rng);
  const std::string json =
      " [\"" + a.to_hex() + ",100,0.000\", \"" + b.to_hex() + ",49,1.000\"]\n";
  const VpdqVideo v = parse_vpdq(json, "te.json");
  REQUIRE(v.frames.size() == 2);
  CHECK(v.frames[0].hash == a);
  CHECK(v.frames[1].hash == b);
  CHECK(v.frames[1].quality == 49);
  CHECK(v.frames[1].frame_number == 1);
  CHECK(v.frames[1].timestamp == 1.0);
  for (const std::string bad : {std::string("[1, 2]"), std::string("{\"a\": 1}"),
                                std::string("[\"" + a.to_hex() + ",100\"]"),
                                std::string("[\"" + a.to_hex() + ",100,0.0\""),
                                std::string("[\"zz,100,0.0\"]")}) {
    std::string msg;
    CHECK_MESSAGE(code_of([&] { parse_vpdq_json(bad, "te.json"); }, &msg) ==
                      ErrorCode::list_parse_error,
                  bad);
    CHECK(msg.find("te.json") == 0);
  }
  CHECK(code_of([&] { read_vpdq_file("/nonexistent/v.txt"); }) == ErrorCode::io_error);
}

TEST_CASE("vpdq pair score: dedup, quality gate, distance <= 31") {
  std::mt19937_64 rng(9);
  const Hash256 a = random_hash(rng), b = random_hash(rng), c = random_hash(rng);
  // Query: a, a (duplicate), b, c (quality 10: dropped) -> kept {a, b}.
  const std::vector<VideoFrameHash> q = {frame(0, 100, a), frame(1, 100, a), frame(2, 90, b),
                                         frame(3, 10, c)};
  // Target: a at distance 31 (matches), c (kept: quality 60) -> 1 of 2 target frames.
  const std::vector<VideoFrameHash> t = {frame(0, 80, flip_bits(a, 31, rng)), frame(1, 60, c)};
  REQUIRE(distance(t[0].hash, a) <= 31);
  const VpdqScore s = vpdq_score_pair(q, t);
  CHECK(s.query_frames == 2);
  CHECK(s.target_frames == 2);
  CHECK(s.query_percent == 50.0);
  CHECK(s.target_percent == 50.0);
  CHECK_FALSE(s.match);  // 50 % < 80 %
  VpdqMatchOptions o;
  o.query_threshold = 50;
  CHECK(vpdq_score_pair(q, t, o).match);
  o.distance = distance(t[0].hash, a) - 1;
  CHECK(vpdq_score_pair(q, t, o).query_percent == 0.0);
  CHECK(vpdq_score_pair({}, t).query_percent == 0.0);
  CHECK_FALSE(vpdq_score_pair({}, t).match);
}

TEST_CASE("vpdq index: one index over all listed videos scores as brute force does") {
  std::mt19937_64 rng(10);
  // 60 listed videos made of "scenes": runs of frames a few bits apart, some
  // duplicates and some low-quality frames; scenes are shared between videos.
  std::vector<Hash256> scenes;
  for (int i = 0; i < 40; ++i) scenes.push_back(random_hash(rng));
  std::vector<VpdqVideo> list;
  for (int v = 0; v < 60; ++v) {
    VpdqVideo vid;
    vid.id = "video" + std::to_string(v);
    const int n = 3 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      const Hash256& base = scenes[(static_cast<std::size_t>(v) * 7 + static_cast<std::size_t>(i) / 5) % scenes.size()];
      const int q = (rng() % 6 == 0) ? static_cast<int>(rng() % 50) : 50 + static_cast<int>(rng() % 51);
      const Hash256 h = (rng() % 8 == 0 && i > 0) ? vid.frames.back().hash
                                                  : flip_bits(base, static_cast<int>(rng() % 24), rng);
      vid.frames.push_back(frame(i, q, h));
    }
    list.push_back(std::move(vid));
  }
  VpdqMatchOptions opts;
  opts.query_threshold = 60;
  opts.target_threshold = 10;
  const auto index = VpdqIndex::build(list, opts);
  CHECK(index->video_count() == list.size());
  int compared = 0, matched = 0;
  for (int qn = 0; qn < 40; ++qn) {
    // Queries: noisy copies of parts of listed videos, or unrelated clips.
    std::vector<VideoFrameHash> query;
    const auto& src = list[rng() % list.size()].frames;
    const bool unrelated = qn % 5 == 4;
    for (std::size_t i = 0; i < src.size(); i += 1 + rng() % 2) {
      const Hash256 h = unrelated ? random_hash(rng) : flip_bits(src[i].hash, static_cast<int>(rng() % 40), rng);
      query.push_back(frame(static_cast<std::int64_t>(i), src[i].quality, h));
    }
    std::map<std::size_t, VpdqScore> got;
    for (const auto& m : index->match(query)) got[m.video] = m.score;
    for (std::size_t v = 0; v < list.size(); ++v) {
      const VpdqScore want = vpdq_score_pair(query, list[v].frames, opts);
      ++compared;
      if (want.query_percent == 0) {
        CHECK_MESSAGE(got.count(v) == 0, "query ", qn, " video ", v);
        continue;
      }
      REQUIRE_MESSAGE(got.count(v) == 1, "query ", qn, " video ", v);
      CHECK(got[v].query_percent == want.query_percent);
      CHECK(got[v].target_percent == want.target_percent);
      CHECK(got[v].query_frames == want.query_frames);
      CHECK(got[v].target_frames == want.target_frames);
      CHECK(got[v].match == want.match);
      matched += want.match ? 1 : 0;
    }
    // only_matches keeps exactly the matching videos, best first.
    const auto only = index->match(query, true);
    for (std::size_t i = 0; i < only.size(); ++i) {
      CHECK(only[i].score.match);
      if (i > 0) CHECK(only[i - 1].score.query_percent >= only[i].score.query_percent);
    }
  }
  CHECK(compared == 40 * 60);
  CHECK(matched > 10);  // the data exercise both outcomes
}
