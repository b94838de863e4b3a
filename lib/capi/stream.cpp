// C API: live-stream handles over pdqguard::FrameStream.
#include "capi/common.hpp"
#include "capi/convert.hpp"

#include <pdqguard/video.hpp>

#include <new>

struct pdqg_stream {
  explicit pdqg_stream(const pdqguard::StreamOptions& o) : stream(o) {}
  pdqguard::FrameStream stream;
  pdqguard::capi::ErrorSlot error;
};

using namespace pdqguard;
using namespace pdqguard::capi;

extern "C" {

int pdqg_stream_create(const pdqg_stream_options* options, pdqg_stream** out) {
  if (options == nullptr || out == nullptr)
    return fail(nullptr, ErrorCode::invalid_argument, "NULL options or output");
  *out = nullptr;
  if (options->format < PDQG_FORMAT_GRAY8 || options->format > PDQG_FORMAT_NV12)
    return fail(nullptr, ErrorCode::invalid_argument, "unknown pixel format");
  return guard(nullptr, [&] {
    StreamOptions o;
    o.format = static_cast<PixelFormat>(options->format);
    o.width = options->width;
    o.height = options->height;
    o.seconds_per_hash = options->seconds_per_hash;
    o.frames_per_hash = options->frames_per_hash;
    o.skip_distance = options->skip_distance;
    *out = new pdqg_stream(o);
    return 0;
  });
}

void pdqg_stream_free(pdqg_stream* stream) { delete stream; }

int pdqg_stream_push(pdqg_stream* stream, const pdqg_frame* frame, double timestamp,
                     const pdqg_matcher* matcher, pdqg_stream_sample* sample,
                     pdqg_match** matches, size_t* count) {
  if (stream == nullptr || sample == nullptr)
    return fail(stream ? &stream->error : nullptr, ErrorCode::invalid_argument,
                "NULL stream or sample");
  if (matcher != nullptr && (matches == nullptr || count == nullptr))
    return fail(&stream->error, ErrorCode::invalid_argument, "a matcher needs matches and count");
  if (matches != nullptr) *matches = nullptr;
  if (count != nullptr) *count = 0;
  stream->error.set("");
  return guard(&stream->error, [&] {
    // The frame is described (and checked against its buffer sizes) only when
    // the stream will sample it: an unsampled frame is never read.
    FrameView view;
    if (stream->stream.would_sample(timestamp)) {
      if (frame == nullptr) throw Error(ErrorCode::invalid_argument, "NULL frame");
      if (const std::string why = frame_to_view(*frame, view); !why.empty())
        throw Error(ErrorCode::invalid_argument, why);
    }
    // The matcher's PDQG_MATCHER_DIHEDRAL asks for the variants of each sample.
    std::int64_t dihedral = 0;
    if (matcher != nullptr) {
      if (const int st = pdqg_matcher_get(matcher, PDQG_MATCHER_DIHEDRAL, &dihedral)) return st;
    }
    StreamSample s;
    const StreamVerdict v = stream->stream.push(view, timestamp, s, dihedral != 0);
    *sample = pdqg_stream_sample{};
    sample->verdict = static_cast<int>(v);
    sample->frame_number = s.frame_number;
    sample->timestamp = s.timestamp;
    if (v != StreamVerdict::unsampled) {
      sample->result.hash = to_c(s.result.hash);
      sample->result.quality = s.result.quality;
      sample->result.too_small = s.result.too_small ? 1 : 0;
      sample->result.width = view.width;
      sample->result.height = view.height;
      if (s.dihedral.has_dihedral) {
        sample->result.has_dihedral = 1;
        for (int i = 0; i < 8; ++i)
          sample->result.dihedral[i] = to_c(s.dihedral.hashes[static_cast<std::size_t>(i)]);
      }
    }
    if (v == StreamVerdict::kept && matcher != nullptr) {
      const int st = pdqg_matcher_query_result(matcher, &sample->result, matches, count);
      if (st != 0) stream->error.set(pdqg_last_error());
      return st;
    }
    return 0;
  });
}

const char* pdqg_stream_error(const pdqg_stream* stream) {
  return stream == nullptr ? "" : stream->error.text;
}

}  // extern "C"
