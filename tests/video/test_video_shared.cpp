// Every shared video (../shared/video) against the vPDQ reference's files, byte for
// byte: expected/ref/r0 (every frame), r1 (one per second), s128 (every frame at
// 128x128). audio-first-doorknob must give all 120 frames (the reference's file for
// it is doorknob-hd-no-bar's). Skipped (exit 77) when the shared folder is absent.
#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/video.hpp>

#include "video/video_util.hpp"

#include <filesystem>

using namespace pdqguard;
using namespace pdqguard::test;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> shared_videos() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(video_dir() + "/videos"))
    if (e.path().stem() != "truncated-chair") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

struct Mode {
  const char* dir;
  double seconds_per_hash;
  int downsample;
};
constexpr Mode kModes[] = {{"r0", 0, 0}, {"r1", 1, 0}, {"s128", 0, 128}};

}  // namespace

TEST_CASE("video shared: every video reproduces the reference's r0, r1 and s128 files") {
  require_shared_video();
  const auto videos = shared_videos();
  REQUIRE(videos.size() >= 16);
  VideoHasher vh;  // one hasher for everything: its buffers are reused across videos
  int compared = 0;
  for (const auto& mode : kModes) {
    VideoOptions o;
    o.seconds_per_hash = mode.seconds_per_hash;
    o.downsample = mode.downsample;
    for (const auto& v : videos) {
      const std::string expected_path =
          video_dir() + "/expected/ref/" + mode.dir + "/" + v.stem().string() + ".txt";
      const std::string expected = read_text(expected_path);
      const std::string got = to_vpdq_text(vh.hash_file(v.string(), o).frames);
      CHECK_MESSAGE(got == expected, mode.dir, " ", v.filename().string(), ": ",
                    first_difference(got, expected));
      ++compared;
    }
  }
  CHECK(compared == 3 * static_cast<int>(videos.size()));
}

TEST_CASE("video shared: audio-first-doorknob is drained to all 120 frames") {
  require_shared_video();
  VideoHasher vh;
  VideoOptions o;
  o.seconds_per_hash = 0;
  const auto a = vh.hash_file(video_dir() + "/videos/audio-first-doorknob.mp4", o);
  const auto b = vh.hash_file(video_dir() + "/videos/doorknob-hd-no-bar.mp4", o);
  CHECK(a.info.stream_index == 1);
  CHECK(a.frames.size() == 120);
  CHECK(to_vpdq_text(a.frames) == to_vpdq_text(b.frames));
}

TEST_CASE("video shared: memory input gives what file input gives") {
  require_shared_video();
  VideoHasher vh;
  VideoOptions o;  // one hash per second
  for (const auto& v : shared_videos()) {
    const auto bytes = read_bytes(v.string());
    const auto from_memory = vh.hash_memory(bytes.data(), bytes.size(), o);
    const auto from_file = vh.hash_file(v.string(), o);
    CHECK_MESSAGE(to_vpdq_text(from_memory.frames) == to_vpdq_text(from_file.frames),
                  v.filename().string());
    CHECK(from_memory.info.frames_decoded == from_file.info.frames_decoded);
  }
}

TEST_CASE("video shared: truncated-chair gets a clean truncated_input error") {
  require_shared_video();
  VideoHasher vh;
  const std::string path = video_dir() + "/videos/truncated-chair.mp4";
  for (int memory = 0; memory < 2; ++memory) {
    try {
      if (memory) {
        const auto bytes = read_bytes(path);
        vh.hash_memory(bytes.data(), bytes.size());
      } else {
        vh.hash_file(path);
      }
      FAIL("truncated-chair.mp4 was hashed");
    } catch (const Error& e) {
      CHECK_MESSAGE(e.code() == ErrorCode::truncated_input, std::string(e.what()));
      MESSAGE(std::string(e.what()));
    }
  }
}
