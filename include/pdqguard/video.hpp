// Video: decode a clip with libav* (from a file or from memory), sample frames the
// way vPDQ does, and hash each sampled frame with the bit-exact PDQ core.
#pragma once

#include <pdqguard/export.h>
#include <pdqguard/hash.hpp>
#include <pdqguard/hasher.hpp>
#include <pdqguard/index.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace pdqguard {

// ---------------------------------------------------------------------------
// Recognising videos and vPDQ's sampling rule (no libav needed for these)
// ---------------------------------------------------------------------------

/// Bytes of a file's start sniff_video_container looks at (MPEG-TS needs three
/// 188-byte packets); fewer are fine, they only recognise less.
inline constexpr std::size_t kVideoSniffBytes = 512;

/// Recognises a video container by the magic bytes at the start of a file, never
/// by its name, without libav: "mp4" (ISO BMFF: mp4, m4v, 3gp, and QuickTime with
/// an ftyp box), "mov" (QuickTime without ftyp: a leading moov/mdat/wide/free/
/// skip/pnot atom), "webm" / "matroska" (EBML, told apart by the DocType),
/// "avi", "flv", "mpegts" (0x47 sync bytes at 0, 188 and 376), "mpeg" (a
/// program stream pack or a video sequence header), "asf" (WMV), "ogg".
/// Returns nullptr for anything else, and for every file sniff_format()
/// recognises as an image (HEIF/AVIF `ftyp` brands, animated GIF and WebP stay
/// images): images are never taken for videos. A file of a listed container
/// may still hold no video (an .m4a or an audio-only .ogg): VideoHasher then
/// reports no_video_stream. Pure, thread-safe, reads at most kVideoSniffBytes.
PDQGUARD_API const char* sniff_video_container(std::span<const std::uint8_t> head) noexcept;

/// vPDQ's sampling interval: frameMod = (int)(seconds_per_hash * fps), at least
/// 1 (and at most INT_MAX); frame N (0-based decoder output counter) is hashed
/// when N % frameMod == 0. seconds_per_hash 0 gives 1 (every frame). Arguments
/// that are not finite or are negative give 1. The one home of this rule:
/// VideoHasher, StreamSampler (frames_per_hash) and the CLI's sampled --raw
/// streams use it.
PDQGUARD_API int vpdq_frame_mod(double seconds_per_hash, double fps) noexcept;
/// vPDQ's timestamp of frame N: (float)N / (float)fps, in seconds (0 when fps <= 0).
PDQGUARD_API double vpdq_timestamp(std::int64_t frame_number, double fps) noexcept;

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
  /// first (vPDQ's `-s N`; at most kMaxDownsample). Compatible mode only.
  int downsample = 0;
  static constexpr int kMaxDownsample = 65535;
  VideoMode mode = VideoMode::compatible;
  /// Decode only key frames (AVDISCARD_NONKEY) and hash every one of them
  /// (seconds_per_hash does not thin them), numbered by their position in the
  /// stream as their timestamps give it. A triage option, not vPDQ-compatible.
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
  /// Also compute the 7 dihedral variants of every sampled frame (the
  /// VideoSample callbacks get them, for Matcher::query(const DihedralResult&));
  /// costs about 8x the hashing, not the decoding. vPDQ output is unchanged.
  bool dihedral = false;
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

/// A hashed frame with the whole hashing result, for callers that match frames
/// as they come: `result` has too_small, and with VideoOptions::dihedral all
/// eight hashes (has_dihedral). frame.hash == result.hashes[0].
struct VideoSample {
  VideoFrameHash frame;
  DihedralResult result;
};
/// Called for each hashed frame with its full result; may throw (propagates).
using VideoSampleCallback = std::function<void(const VideoSample&)>;

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
  /// As hash_file with a callback, handing each hashed frame's VideoSample
  /// (dihedral variants when opts.dihedral).
  VideoInfo sample_file(const std::string& path, const VideoOptions& opts,
                        const VideoSampleCallback& on_sample);
  /// As hash_memory with a callback, handing VideoSamples.
  VideoInfo sample_memory(const void* data, std::size_t size, const VideoOptions& opts,
                          const VideoSampleCallback& on_sample, const std::string& name = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------
// Live streams: frames the caller already has (a video call, a capture card)
// ---------------------------------------------------------------------------

/// The sampling policy of a stream of frames, alone (no hashing): what
/// FrameStream samples by, and what a caller that hashes elsewhere (the CLI's
/// sampled --raw stream) uses so the rule has one home.
///  - frames_per_hash > 0: vPDQ's counter rule, frame N (0-based count of frames
///    offered) is a sample when N % frames_per_hash == 0 (see vpdq_frame_mod);
///  - else seconds_per_hash > 0: the first frame, then the first frame at or
///    after each multiple of seconds_per_hash after the first sample's timestamp;
///  - else every frame.
/// Not thread-safe (one per stream).
class PDQGUARD_API StreamSampler {
 public:
  /// Throws Error(invalid_argument) for a negative or non-finite
  /// seconds_per_hash or a negative frames_per_hash.
  StreamSampler(double seconds_per_hash, int frames_per_hash);
  /// Whether the next frame, presented at `timestamp`, is a sample (false for a
  /// timestamp that is not finite or is before the previous frame's).
  bool would_sample(double timestamp) const noexcept;
  /// Counts the next frame as offered at `timestamp`; `sampled` says whether it
  /// was taken as a sample (normally would_sample's answer). A caller that
  /// failed to hash a sample may skip this call so the frame is not counted.
  void advance(double timestamp, bool sampled) noexcept;
  /// Frames counted by advance().
  std::int64_t frames_seen() const noexcept { return seen_; }
  /// The timestamp of the last frame counted (-infinity before the first).
  double last_timestamp() const noexcept { return last_ts_; }

 private:
  double seconds_per_hash_;
  int frames_per_hash_;
  std::int64_t seen_ = 0;
  double last_ts_;
  bool started_ = false;
  double base_ts_ = 0;
  double next_due_ = 0;
};

/// How a FrameStream samples. Frames must all have `format`, `width`, `height`.
struct StreamOptions {
  PixelFormat format = PixelFormat::i420;
  int width = 0;
  int height = 0;
  /// Time-based sampling: the first frame, then the first frame at or after each
  /// multiple of seconds_per_hash after the first frame's timestamp. 0 = every frame.
  double seconds_per_hash = 1.0;
  /// > 0: counter-based sampling instead, vPDQ's rule: frame N (0-based count of
  /// pushed frames) is sampled when N % frames_per_hash == 0.
  int frames_per_hash = 0;
  /// >= 0: a sampled frame whose hash is within this distance of the last kept
  /// one is dropped (verdict skipped) instead of kept. -1 = keep every sample.
  int skip_distance = -1;
  /// Also hash the 7 dihedral variants of every sample (StreamSample::dihedral,
  /// for Matcher::query(const DihedralResult&)): a sample then costs
  /// Hasher::hash_dihedral instead of Hasher::hash, an unsampled frame still
  /// nothing; still no heap allocation per frame. The C API turns it on per push when the matcher's
  /// PDQG_MATCHER_DIHEDRAL is on.
  bool dihedral = false;
};

/// What push() did with a frame.
enum class StreamVerdict : int {
  unsampled = 0,  ///< not a sample: nothing was read, copied or allocated
  skipped = 1,    ///< sampled and hashed, but within skip_distance of the last kept sample
  kept = 2,       ///< sampled, hashed and kept: report / match it
};

/// One pushed frame's record (result filled for skipped and kept frames).
struct StreamSample {
  std::int64_t frame_number = 0;  ///< 0-based count of frames pushed before this one
  double timestamp = 0;           ///< as pushed
  HashResult result;
  /// With dihedral sampling: all eight hashes of a sampled frame (has_dihedral);
  /// otherwise has_dihedral is false and only hashes[0] (= result.hash) is set.
  DihedralResult dihedral;
};

/// Samples and hashes a live stream of frames. Owns a Hasher, so a stream hashes
/// frame after frame without allocating (counted in tests: zero heap allocations
/// per frame, sampled or not, once the first sample has sized the scratch). One
/// stream per thread; many streams may share a Matcher (its queries are
/// thread-safe).
class PDQGUARD_API FrameStream {
 public:
  /// Throws Error(invalid_argument) for a non-positive size, a negative or
  /// non-finite seconds_per_hash, a negative frames_per_hash or skip_distance < -1.
  explicit FrameStream(const StreamOptions& options);
  ~FrameStream();
  FrameStream(FrameStream&&) noexcept;
  FrameStream& operator=(FrameStream&&) noexcept;
  FrameStream(const FrameStream&) = delete;
  FrameStream& operator=(const FrameStream&) = delete;

  /// Offers the next frame, presented at `timestamp` seconds (finite, never less
  /// than the previous frame's). An unsampled frame is not read: it costs a
  /// counter and a comparison. A sampled frame must match the stream's format
  /// and size (Error(invalid_argument) otherwise, or for an invalid view) and is
  /// hashed into out.result. Returns the verdict; `out` always gets the frame
  /// number and timestamp.
  StreamVerdict push(const FrameView& frame, double timestamp, StreamSample& out);
  /// As push(), with the dihedral variants of a sample computed when `dihedral`
  /// (whatever StreamOptions::dihedral says).
  StreamVerdict push(const FrameView& frame, double timestamp, StreamSample& out, bool dihedral);
  /// Whether push() at `timestamp` would sample the next frame (false for a
  /// timestamp push() would refuse): lets a caller describe or fetch the frame
  /// only when it will be read. Does not change the stream.
  bool would_sample(double timestamp) const noexcept;

  const StreamOptions& options() const noexcept;
  std::int64_t frames_pushed() const noexcept;
  std::int64_t frames_kept() const noexcept;
  std::int64_t frames_skipped() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------
// Multi-frame inputs against image lists
// ---------------------------------------------------------------------------

/// One match of one frame of a multi-frame input (a video's sampled frame).
struct FrameMatch {
  Match match;
  std::int64_t frame = 0;  ///< 0-based frame number
  double timestamp = 0;    ///< seconds
};
/// The rule for a multi-frame input's match list: keeps ONE entry per (list,
/// id), that of the nearest frame (lowest distance, then earliest frame), and
/// orders the kept entries in the library's result order (match_order_less,
/// then frame). Thread-safe (works on `matches` only).
PDQGUARD_API void keep_nearest_frame_matches(std::vector<FrameMatch>& matches);

/// One line of vPDQ's text format, without the newline:
/// `frame_number,quality,hash,timestamp` (timestamp printed "%.3f").
PDQGUARD_API std::string format_vpdq_line(const VideoFrameHash& f);
/// Writes every frame as a vPDQ text line ending in '\n' (exactly the file the
/// reference's vpdq-hash-video writes).
PDQGUARD_API void write_vpdq(std::ostream& out, const std::vector<VideoFrameHash>& frames);

}  // namespace pdqguard
