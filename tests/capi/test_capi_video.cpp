// C API video files: pdqg_video_hash_file/_memory give what VideoHasher gives (the
// committed clip tests/data/video, 128x96, 10 fps, 30 frames), errors are statuses,
// and pdqg_video_match_file reports each list entry once with its nearest frame.
#include <doctest/doctest.h>

#include <pdqguard/pdqguard.h>
#include <pdqguard/video.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

std::string clip() { return std::string(PDQGUARD_SOURCE_DIR) + "/tests/data/video/audio-first-mpeg4.mp4"; }

std::string hex(const pdqg_hash& h) {
  char buf[PDQG_HEX_LENGTH + 1];
  pdqg_hash_to_hex(&h, buf);
  return buf;
}

}  // namespace

TEST_CASE("capi video: hash_file and hash_memory equal VideoHasher, frame for frame") {
  pdqguard::VideoHasher vh;
  const auto want = vh.hash_file(clip(), {}).frames;  // one per second: 0, 10, 20
  REQUIRE(want.size() == 3);
  pdqg_video_frame* f = nullptr;
  size_t n = 0;
  pdqg_video_info info;
  REQUIRE(pdqg_video_hash_file(clip().c_str(), nullptr, &f, &n, &info) == PDQG_OK);
  REQUIRE(n == want.size());
  for (size_t i = 0; i < n; ++i) {
    CHECK(f[i].frame_number == want[i].frame_number);
    CHECK(f[i].quality == want[i].quality);
    CHECK(f[i].timestamp == want[i].timestamp);
    CHECK(hex(f[i].hash) == want[i].hash.to_hex());
    CHECK(f[i].too_small == 0);
  }
  CHECK((info.width == 128 && info.height == 96 && info.fps == 10.0 && info.frame_mod == 10));
  CHECK((info.frames_decoded == 30 && info.frames_hashed == 3 && info.stream_index == 1));
  CHECK(std::string(info.codec) == "mpeg4");
  pdqg_video_frames_free(f);

  // Every frame ({0} options: seconds_per_hash 0), from memory.
  std::ifstream in(clip(), std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  pdqg_video_options o = {0};
  REQUIRE(pdqg_video_hash_memory(bytes.data(), bytes.size(), "clip.mp4", &o, &f, &n, nullptr) == PDQG_OK);
  CHECK(n == 30);
  CHECK(f[10].frame_number == 10);
  CHECK(hex(f[10].hash) == want[1].hash.to_hex());
  pdqg_video_frames_free(f);
}

TEST_CASE("capi video: errors are statuses with a message") {
  pdqg_video_frame* f = nullptr;
  size_t n = 7;
  CHECK(pdqg_video_hash_file("/nonexistent/clip.mp4", nullptr, &f, &n, nullptr) == PDQG_IO_ERROR);
  CHECK((f == nullptr && n == 0));
  const char text[] = "hello, not a video\n";
  CHECK(pdqg_video_hash_memory(text, sizeof text, nullptr, nullptr, &f, &n, nullptr) ==
        PDQG_UNSUPPORTED_FORMAT);
  CHECK(std::strlen(pdqg_last_error()) > 0);
  std::ifstream in(clip(), std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes.resize(bytes.size() / 3);  // cut short
  const int st = pdqg_video_hash_memory(bytes.data(), bytes.size(), nullptr, nullptr, &f, &n, nullptr);
  CHECK((st == PDQG_TRUNCATED_INPUT || st == PDQG_DECODE_ERROR));
  pdqg_video_options o = {0};
  o.max_frames = 5;
  CHECK(pdqg_video_hash_file(clip().c_str(), &o, &f, &n, nullptr) == PDQG_VIDEO_TOO_LONG);
  o = pdqg_video_options{};
  o.seconds_per_hash = -1;
  CHECK(pdqg_video_hash_file(clip().c_str(), &o, &f, &n, nullptr) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_video_hash_file(nullptr, nullptr, &f, &n, nullptr) == PDQG_INVALID_ARGUMENT);
  CHECK(pdqg_video_hash_file(clip().c_str(), nullptr, nullptr, &n, nullptr) == PDQG_INVALID_ARGUMENT);
  pdqg_video_frames_free(nullptr);
  pdqg_video_matches_free(nullptr);
}

TEST_CASE("capi video: match_file reports each entry once, at its nearest frame") {
  pdqguard::VideoHasher vh;
  pdqguard::VideoOptions every;
  every.seconds_per_hash = 0;
  const auto frames = vh.hash_file(clip(), every).frames;
  const std::string list = (std::filesystem::temp_directory_path() / "pdqguard_capi_video_list.csv").string();
  {
    std::ofstream out(list);
    out << "hash,id\n" << frames[10].hash.to_hex() << ",f10\n" << frames[20].hash.to_hex() << ",f20\n";
  }
  const char* paths[] = {list.c_str()};
  pdqg_matcher* m = nullptr;
  REQUIRE(pdqg_matcher_open(paths, 1, nullptr, &m) == PDQG_OK);
  REQUIRE(pdqg_matcher_set(m, PDQG_MATCHER_THRESHOLD, 256) == PDQG_OK);  // every frame matches both
  pdqg_video_match* v = nullptr;
  size_t n = 0;
  REQUIRE(pdqg_video_match_file(m, clip().c_str(), nullptr, 0, &v, &n, nullptr) == PDQG_OK);
  REQUIRE(n == 2);
  for (size_t i = 0; i < n; ++i) {
    const std::string id = v[i].match.id;
    CHECK(v[i].match.distance == 0);
    CHECK(v[i].frame_number == (id == "f10" ? 10 : 20));
    CHECK(v[i].timestamp == (id == "f10" ? 1.0 : 2.0));
  }
  pdqg_video_matches_free(v);
  REQUIRE(pdqg_video_match_file(m, clip().c_str(), nullptr, 1, &v, &n, nullptr) == PDQG_OK);
  CHECK(n == 6);  // 3 sampled frames x 2 entries
  CHECK(v[0].frame_number == 0);
  CHECK(v[5].frame_number == 20);
  pdqg_video_matches_free(v);
  pdqg_matcher_free(m);
  std::remove(list.c_str());
}
