// Test helpers for the video suites: files, the shared video folder, vPDQ text.
#pragma once

#include <pdqguard/error.hpp>
#include <pdqguard/video.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

namespace pdqguard::test {

/// ../shared/video (set by CMake).
inline std::string video_dir() { return PDQGUARD_VIDEO_DIR; }
/// tests/data/video in the source tree.
inline std::string video_data_dir() { return std::string(PDQGUARD_SOURCE_DIR) + "/tests/data/video"; }

/// Exits with 77 (CTest: skipped) when the shared video folder is absent.
inline void require_shared_video() {
  if (!std::filesystem::is_directory(video_dir() + "/videos")) {
    std::printf("shared video folder %s absent: skipped\n", video_dir().c_str());
    std::fflush(stdout);
    std::_Exit(77);
  }
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::vector<std::uint8_t> read_bytes(const std::string& path) {
  const std::string s = read_text(path);
  return {s.begin(), s.end()};
}

inline std::string to_vpdq_text(const std::vector<VideoFrameHash>& frames) {
  std::ostringstream s;
  write_vpdq(s, frames);
  return s.str();
}

/// The error code `f` throws (ok when it returns), its message in *msg.
inline ErrorCode code_of(const std::function<void()>& f, std::string* msg = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (msg != nullptr) *msg = e.what();
    return e.code();
  }
  return ErrorCode::ok;
}

/// The first line where two texts differ, for a readable failure message.
inline std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  for (int n = 1;; ++n) {
    const bool ga = static_cast<bool>(std::getline(sa, la));
    const bool gb = static_cast<bool>(std::getline(sb, lb));
    if (!ga && !gb) return "identical";
    if (!ga || !gb || la != lb)
      return "line " + std::to_string(n) + ": got '" + (ga ? la : "<end>") + "' expected '" +
             (gb ? lb : "<end>") + "'";
  }
}

}  // namespace pdqguard::test
