// vPDQ hash files (text and ThreatExchange JSON) and video-against-video matching
// the way ThreatExchange's Python matcher (used by HMA) scores clips.
#pragma once

#include <pdqguard/export.h>
#include <pdqguard/hash.hpp>
#include <pdqguard/video.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace pdqguard {

/// One video's vPDQ hash: its hashed frames and a name to report.
struct VpdqVideo {
  std::string id;  ///< e.g. the file name; reported by matches
  std::vector<VideoFrameHash> frames;
};

/// Parses vPDQ's text format: one `frame_number,quality,hash,timestamp` line per
/// frame (what write_vpdq and the reference's vpdq-hash-video write; blank lines
/// and CRLF tolerated). Throws Error(list_parse_error) "ID:LINE: reason" for a
/// malformed line (wrong field count, bad number, quality outside 0..100, bad
/// hash). Thread-safe.
PDQGUARD_API VpdqVideo parse_vpdq_text(std::string_view text, const std::string& id);
/// Parses ThreatExchange's JSON form: a JSON array of strings
/// `"hash,quality,timestamp"`; frame numbers are the strings' positions. Throws
/// Error(list_parse_error) for text that is not such an array or a bad element.
PDQGUARD_API VpdqVideo parse_vpdq_json(std::string_view text, const std::string& id);
/// Parses either form (JSON when the first non-blank character is '['). Throws
/// as the two parsers do.
PDQGUARD_API VpdqVideo parse_vpdq(std::string_view text, const std::string& id);
/// Reads and parses a vPDQ file; `id` defaults to the file name without
/// directories. Throws Error(io_error), Error(file_too_large) for a file above
/// `max_bytes`, and as parse_vpdq.
PDQGUARD_API VpdqVideo read_vpdq_file(const std::string& path, const std::string& id = {},
                                      std::uint64_t max_bytes = 256ull << 20);

/// Whether `head` (the first bytes of a file) looks like a vPDQ hash file: a JSON
/// array, or a first non-blank line of 4 comma-separated fields whose third is
/// 64 hex digits.
PDQGUARD_API bool looks_like_vpdq(std::string_view head) noexcept;
/// One side of a video match from a file: a vPDQ hash file (recognised by
/// looks_like_vpdq on its first 4 KiB; parsed with read_vpdq_file) or else a
/// video, hashed by `hasher` with `opts`. The id is the file name without
/// directories. Throws as read_vpdq_file or VideoHasher::hash_file.
PDQGUARD_API VpdqVideo load_vpdq_or_video(const std::string& path, VideoHasher& hasher,
                                          const VideoOptions& opts);

/// Matching parameters; the defaults are HMA's.
struct VpdqMatchOptions {
  int distance = 31;       ///< a query frame matches a target frame within this distance (<=)
  int min_quality = 50;    ///< frames of lower quality are dropped on both sides
  double query_threshold = 80.0;   ///< a pair matches when query % >= this ...
  double target_threshold = 0.0;   ///< ... and target % >= this
};

/// The score of one (query, target) pair.
struct VpdqScore {
  double query_percent = 0;   ///< % of the query's kept frames with a target frame within distance
  double target_percent = 0;  ///< % of the target's kept frames with a query frame within distance
  std::size_t query_frames = 0;   ///< kept query frames (quality >= min, distinct hashes)
  std::size_t target_frames = 0;  ///< kept target frames
  bool match = false;         ///< both percentages at or above their thresholds
};

/// The frames matching keeps: quality >= min_quality, the first of equal hashes.
PDQGUARD_API std::vector<Hash256> vpdq_kept_hashes(const std::vector<VideoFrameHash>& frames,
                                                   int min_quality);
/// Scores one pair by brute force (every kept query frame against every kept
/// target frame): ThreatExchange's Python algorithm. Percentages of an empty
/// side are 0. The reference the index is tested against.
PDQGUARD_API VpdqScore vpdq_score_pair(const std::vector<VideoFrameHash>& query,
                                       const std::vector<VideoFrameHash>& target,
                                       const VpdqMatchOptions& opts = {});

/// One listed video a query shares frames with.
struct VpdqMatch {
  std::size_t video = 0;  ///< position in the list given to build()
  std::string id;
  VpdqScore score;
};

/// All frames of many listed videos in ONE exact index (pdqguard::Matcher over
/// their distinct hashes), so scoring a clip against every listed video costs
/// one radius search per kept query frame, not a comparison per video.
/// Immutable after build; match() is thread-safe.
class PDQGUARD_API VpdqIndex {
 public:
  /// Builds from the listed videos with `opts` (its distance, min_quality and
  /// thresholds are used by every match()). Throws Error(invalid_argument) for
  /// bad options (distance outside 0..256).
  static std::shared_ptr<const VpdqIndex> build(std::span<const VpdqVideo> videos,
                                                const VpdqMatchOptions& opts = {});
  ~VpdqIndex();
  VpdqIndex(const VpdqIndex&) = delete;
  VpdqIndex& operator=(const VpdqIndex&) = delete;

  /// Scores `query` against every listed video: returns each video with at least
  /// one frame within distance (query_percent > 0), best first (query %, then
  /// target %, then list order); with `only_matches`, only those whose score
  /// passes both thresholds.
  std::vector<VpdqMatch> match(const std::vector<VideoFrameHash>& query,
                               bool only_matches = false) const;
  /// Listed videos; kept frames over all of them; distinct hashes in the index.
  std::size_t video_count() const noexcept;
  std::size_t frame_count() const noexcept;
  std::size_t slot_count() const noexcept;
  const VpdqMatchOptions& options() const noexcept;

 private:
  struct Impl;
  VpdqIndex() = default;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pdqguard
