// Video: decode a clip with libav* (from a file or from memory), sample frames the
// way vPDQ does, and hash each sampled frame with the bit-exact PDQ core.
#pragma once

#include <pdqguard/export.h>
#include <pdqguard/hash.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace pdqguard {

/// How a sampled frame becomes pixels for the hasher.
enum class VideoMode : int {
  /// vPDQ-compatible: sws_scale to RGB24 (stream size or downsample x downsample,
  /// SWS_AREA), then PDQ on the RGB buffer. Byte for byte the reference's output.
  compatible = 0,
  /// Triage: the decoder's luma (Y) plane is hashed directly when the decoded
  /// format has one (other formats go through sws_scale to gray8); no RGB
  /// conversion. Faster, NOT vPDQ-compatible: hashes land a few bits away
  /// (README "Video" gives the measured distances).
  luma = 1,
};
/// "compatible", "luma" (never null).
PDQGUARD_API const char* video_mode_name(VideoMode m) noexcept;

/// Sampling choices and limits for one video. Defaults suit untrusted input.
struct VideoOptions {
  /// One frame is hashed every seconds_per_hash seconds of the stream's frame
  /// rate (vPDQ's rule: frameMod = (int)(seconds_per_hash * fps), at least 1;
  /// a frame is hashed when its 0-based decoder output counter is a multiple
  /// of frameMod). 0 hashes every frame. Negative: invalid_argument.
  double seconds_per_hash = 1.0;
  /// 0 = hash at the stream's size; N > 0 = scale every sampled frame to N x N
  /// first (vPDQ's `-s N`). Compatible mode only.
  int downsample = 0;
  VideoMode mode = VideoMode::compatible;
  /// Decode only key frames (AVDISCARD_NONKEY): the counter then counts key
  /// frames only, so this is a triage option, not vPDQ-compatible.
  bool key_frames_only = false;
  /// Largest width x height accepted, checked from the stream header before
  /// decoding and again on every decoded frame (image_too_large).
  std::uint64_t max_pixels = 100'000'000;
  /// Largest input accepted, in bytes (file_too_large).
  std::uint64_t max_bytes = 4ull << 30;
  /// Longest stream accepted, in seconds: the header's duration is checked
  /// before decoding, decoded frames / fps while decoding (video_too_long).
  double max_duration_seconds = 6 * 3600.0;
  /// Most decoded frames accepted (video_too_long); also checked against the
  /// header's frame count before decoding.
  std::int64_t max_frames = 2'000'000;
  /// Decoder threads for this video (libav's thread_count); 1 = the calling
  /// thread only. Output does not depend on it.
  int decoder_threads = 1;
};

/// One hashed frame, as vPDQ records it.
struct VideoFrameHash {
  std::int64_t frame_number = 0;  ///< 0-based decoder output counter
  int quality = 0;                ///< PDQ quality 0..100
  Hash256 hash;
  double timestamp = 0;  ///< seconds: (float)frame_number / (float)fps, as vPDQ computes it
};

/// What was learnt about the video stream.
struct VideoInfo {
  int stream_index = -1;   ///< index of the first video stream in the container
  int width = 0;           ///< stream header size
  int height = 0;
  double fps = 0;          ///< avg_frame_rate, else r_frame_rate
  int frame_mod = 1;       ///< every frame_mod-th decoded frame is hashed
  std::string codec;       ///< libavcodec's decoder name, e.g. "h264"
  std::string container;   ///< libavformat's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
  double duration = 0;     ///< seconds the header claims; 0 when unknown
  std::int64_t frames_decoded = 0;  ///< decoder output frames (after draining)
  std::int64_t frames_hashed = 0;
};

/// A whole video's hashes, in frame order.
struct VideoHashes {
  VideoInfo info;
  std::vector<VideoFrameHash> frames;
};

/// Called for each hashed frame, in frame order, while the video decodes.
/// May throw; the exception propagates out of the hashing call.
using VideoFrameCallback = std::function<void(const VideoFrameHash&)>;

/// Decodes and hashes videos. Owns the reusable state of one worker (decoded
/// frame, conversion context and buffer, PDQ scratch), so hashing frame after
/// frame and video after video allocates nothing per frame beyond what libav's
/// demuxer and decoder do themselves. One VideoHasher must not be used by two
/// threads at once; use one per thread. Results do not depend on the instance.
///
/// Errors (pdqguard::Error): io_error (unreadable file), file_too_large,
/// unsupported_format (not a container libavformat recognises, or no decoder for
/// the codec), truncated_input (the data ends before the container or stream
/// does), decode_error (damaged container or a decoder error), no_video_stream
/// (no stream, or audio only), bad_frame_rate (zero or unknown fps),
/// image_too_large, video_too_long, invalid_argument (bad options). The message
/// names the problem and, when libav gave one, its own words.
class PDQGUARD_API VideoHasher {
 public:
  VideoHasher();
  ~VideoHasher();
  VideoHasher(VideoHasher&&) noexcept;
  VideoHasher& operator=(VideoHasher&&) noexcept;
  VideoHasher(const VideoHasher&) = delete;
  VideoHasher& operator=(const VideoHasher&) = delete;

  /// Hashes the video file at `path`.
  VideoHashes hash_file(const std::string& path, const VideoOptions& opts = {});
  /// Hashes a video held in memory (`size` bytes at `data`, borrowed for the
  /// call); the bytes never touch disk. `name` is only a probing hint (its
  /// extension) and may be empty.
  VideoHashes hash_memory(const void* data, std::size_t size, const VideoOptions& opts = {},
                          const std::string& name = {});
  /// As hash_file, handing each hashed frame to `on_frame` as it is ready
  /// instead of collecting them; returns the stream's info.
  VideoInfo hash_file(const std::string& path, const VideoOptions& opts,
                      const VideoFrameCallback& on_frame);
  /// As hash_memory, with a per-frame callback.
  VideoInfo hash_memory(const void* data, std::size_t size, const VideoOptions& opts,
                        const VideoFrameCallback& on_frame, const std::string& name = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One line of vPDQ's text format, without the newline:
/// `frame_number,quality,hash,timestamp` (timestamp printed "%.3f").
PDQGUARD_API std::string format_vpdq_line(const VideoFrameHash& f);
/// Writes every frame as a vPDQ text line ending in '\n' (exactly the file the
/// reference's vpdq-hash-video writes).
PDQGUARD_API void write_vpdq(std::ostream& out, const std::vector<VideoFrameHash>& frames);

}  // namespace pdqguard
