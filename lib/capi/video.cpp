// C API: video files over pdqguard::VideoHasher; their frames matched through the
// public pdqg_matcher_query_result and merged by keep_nearest_frame_matches.
#include "capi/common.hpp"
#include "capi/convert.hpp"

#include <pdqguard/video.hpp>

#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

using namespace pdqguard;
using namespace pdqguard::capi;

namespace {

VideoOptions to_options(const pdqg_video_options* c) {
  VideoOptions o;
  if (c == nullptr) return o;
  if (c->reserved_ != 0) throw Error(ErrorCode::invalid_argument, "reserved_ must be 0");
  if (c->max_pixels < 0 || c->max_bytes < 0 || c->max_frames < 0 || c->max_duration_seconds < 0)
    throw Error(ErrorCode::invalid_argument, "video limits must be >= 0 (0 = the default)");
  o.seconds_per_hash = c->seconds_per_hash;
  o.downsample = c->downsample;
  if (c->max_pixels > 0) o.max_pixels = static_cast<std::uint64_t>(c->max_pixels);
  if (c->max_bytes > 0) o.max_bytes = static_cast<std::uint64_t>(c->max_bytes);
  if (c->max_frames > 0) o.max_frames = c->max_frames;
  if (c->max_duration_seconds > 0) o.max_duration_seconds = c->max_duration_seconds;
  return o;  // VideoHasher validates the rest (invalid_argument)
}

void copy_name(char* out, std::size_t cap, const std::string& s) {
  const std::size_t n = std::min(cap - 1, s.size());
  std::memcpy(out, s.data(), n);
  out[n] = '\0';
}

void export_info(const VideoInfo& i, pdqg_video_info* out) {
  if (out == nullptr) return;
  *out = pdqg_video_info{};
  out->width = i.width;
  out->height = i.height;
  out->fps = i.fps;
  out->duration = i.duration;
  out->frame_mod = i.frame_mod;
  out->stream_index = i.stream_index;
  out->frames_decoded = i.frames_decoded;
  out->frames_hashed = i.frames_hashed;
  copy_name(out->codec, sizeof out->codec, i.codec);
  copy_name(out->container, sizeof out->container, i.container);
}

pdqg_video_frame to_c_frame(const VideoSample& s) {
  pdqg_video_frame f{};
  f.frame_number = s.frame.frame_number;
  f.timestamp = s.frame.timestamp;
  f.hash = to_c(s.frame.hash);
  f.quality = s.frame.quality;
  f.too_small = s.result.too_small ? 1 : 0;
  return f;
}

template <typename T>
T* malloc_copy(const std::vector<T>& v) {
  if (v.empty()) return nullptr;
  auto* p = static_cast<T*>(std::malloc(v.size() * sizeof(T)));
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, v.data(), v.size() * sizeof(T));
  return p;
}

/// One malloc block: the entries, then their NUL-terminated strings.
pdqg_video_match* export_video_matches(const std::vector<FrameMatch>& ms) {
  return export_match_block<pdqg_video_match>(
      ms, [](const FrameMatch& m) -> const Match& { return m.match; },
      [](pdqg_video_match& c) -> pdqg_match& { return c.match; },
      [](pdqg_video_match& c, const FrameMatch& m) {
        c.frame_number = m.frame;
        c.timestamp = m.timestamp;
      });
}

int hash_any(const char* path, const void* data, std::size_t size, const char* name,
             const pdqg_video_options* options, pdqg_video_frame** frames, std::size_t* count,
             pdqg_video_info* info) {
  if (frames == nullptr || count == nullptr)
    return fail(nullptr, ErrorCode::invalid_argument, "NULL frames or count");
  *frames = nullptr;
  *count = 0;
  return guard(nullptr, [&] {
    const VideoOptions o = to_options(options);
    std::vector<pdqg_video_frame> out;
    const auto on = [&out](const VideoSample& s) { out.push_back(to_c_frame(s)); };
    VideoHasher vh;
    const VideoInfo i = path != nullptr ? vh.sample_file(path, o, on)
                                        : vh.sample_memory(data, size, o, on, name ? name : "");
    *frames = malloc_copy(out);
    *count = out.size();
    export_info(i, info);
    return 0;
  });
}

}  // namespace

extern "C" {

int pdqg_video_hash_file(const char* path, const pdqg_video_options* options,
                         pdqg_video_frame** frames, size_t* count, pdqg_video_info* info) {
  if (path == nullptr) return fail(nullptr, ErrorCode::invalid_argument, "NULL path");
  return hash_any(path, nullptr, 0, nullptr, options, frames, count, info);
}

int pdqg_video_hash_memory(const void* data, size_t size, const char* name,
                           const pdqg_video_options* options, pdqg_video_frame** frames,
                           size_t* count, pdqg_video_info* info) {
  if (data == nullptr && size > 0) return fail(nullptr, ErrorCode::invalid_argument, "NULL data");
  static const unsigned char kEmpty = 0;
  return hash_any(nullptr, data != nullptr ? data : &kEmpty, size, name, options, frames, count,
                  info);
}

void pdqg_video_frames_free(pdqg_video_frame* frames) { std::free(frames); }

int pdqg_video_match_file(const pdqg_matcher* matcher, const char* path,
                          const pdqg_video_options* options, int all_frames,
                          pdqg_video_match** matches, size_t* count, pdqg_video_info* info) {
  if (matcher == nullptr || path == nullptr || matches == nullptr || count == nullptr)
    return fail(nullptr, ErrorCode::invalid_argument, "NULL matcher, path or output");
  *matches = nullptr;
  *count = 0;
  std::int64_t dihedral = 0;
  if (const int st = pdqg_matcher_get(matcher, PDQG_MATCHER_DIHEDRAL, &dihedral)) return st;
  return guard(nullptr, [&] {
    VideoOptions o = to_options(options);
    o.dihedral = dihedral != 0;
    std::vector<FrameMatch> found;
    const auto on = [&](const VideoSample& s) {
      pdqg_result r{};
      r.hash = to_c(s.result.hashes[0]);
      r.quality = s.result.quality;
      r.too_small = s.result.too_small ? 1 : 0;
      r.has_dihedral = s.result.has_dihedral ? 1 : 0;
      for (int v = 0; v < 8 && s.result.has_dihedral; ++v)
        r.dihedral[v] = to_c(s.result.hashes[static_cast<std::size_t>(v)]);
      pdqg_match* m = nullptr;
      std::size_t n = 0;
      if (const int st = pdqg_matcher_query_result(matcher, &r, &m, &n))
        throw Error(static_cast<ErrorCode>(st), pdqg_last_error());
      struct Free {
        pdqg_match* m;
        ~Free() { pdqg_matches_free(m); }
      } const free_m{m};
      for (std::size_t k = 0; k < n; ++k) {
        FrameMatch fm;
        fm.match.list = m[k].list;
        fm.match.id = m[k].id;
        fm.match.label = m[k].label;
        fm.match.hash = to_cpp(m[k].hash);
        fm.match.distance = m[k].distance;
        fm.match.variant = static_cast<Dihedral>(m[k].dihedral);
        fm.frame = s.frame.frame_number;
        fm.timestamp = s.frame.timestamp;
        found.push_back(std::move(fm));
      }
    };
    VideoHasher vh;
    const VideoInfo i = vh.sample_file(path, o, on);
    if (all_frames == 0) keep_nearest_frame_matches(found);
    *matches = export_video_matches(found);
    *count = found.size();
    export_info(i, info);
    return 0;
  });
}

void pdqg_video_matches_free(pdqg_video_match* matches) { std::free(matches); }

}  // extern "C"
