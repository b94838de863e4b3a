// The scanning pipeline shared by `hash`, `scan`/`match`: inputs -> bounded queue ->
// worker threads (read, decode, hash, match) -> whole records -> one output sink.
#pragma once

#include "input.hpp"
#include "lists.hpp"
#include "shard.hpp"

#include <pdqguard/archive.hpp>
#include <pdqguard/image.hpp>
#include <pdqguard/video.hpp>
#include <pdqguard/vpdq.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace pdqguard::cli {

enum class OutFormat { automatic, jsonl, csv, table };

/// The most worker threads a run starts (--threads is checked against it).
inline constexpr unsigned kMaxThreads = 256;

/// Everything a run of the pipeline needs; filled by the subcommands.
struct EngineOptions {
  std::vector<std::string> inputs;  ///< files, directories, "-" (paths on stdin)
  bool follow_symlinks = false;
  bool null_separated = false;  ///< -0: paths on stdin are NUL-separated
  int max_depth = kDefaultMaxDepth;  ///< --max-depth: directory levels entered below an input
  bool read_special = false;    ///< --read-special: FIFOs and devices are read like files
  unsigned threads = 0;         ///< 0 = all cores
  bool sort = false;            ///< records in input order (bounded reorder buffer)
  OutFormat format = OutFormat::automatic;
  std::string output;       ///< -o FILE ("" = stdout)
  std::string resume;       ///< --resume FILE (append, skip inputs already there)
  bool quiet = false;       ///< no progress line
  bool progress = false;    ///< --progress: the progress line also when stderr is no terminal
  bool no_summary = false;  ///< no summary on stderr
  bool no_error_records = false;  ///< --no-error-records: errors only counted in the summary
  DecodeOptions decode;
  bool archives = true;     ///< descend into archive files (--no-archives turns it off)
  ArchiveOptions archive;   ///< --max-archive-*; max_member_bytes follows --max-bytes
  bool dihedral = false;
  // Videos: files whose first bytes sniff_video_container() recognises.
  bool videos = true;        ///< --no-videos: hash them as images (an error record)
  VideoOptions video;        ///< --seconds-per-hash, --max-duration, --max-frames, --max-video-bytes
                             ///< (max_pixels and dihedral follow --max-pixels and --dihedral)
  bool all_frames = false;   ///< --all-frames: every frame of a GIF/WebP/APNG hashed and matched
  bool all_matches = false;  ///< --all-matches: every frame's matches, not the nearest per entry
  std::shared_ptr<const VpdqIndex> video_index;  ///< --video-list files (scan), or null
  std::vector<std::string> video_list_names;     ///< the file of each video in video_index
  Shard shard;              ///< --shard I/N: only this shard's inputs (shard.hpp)
  // Matching (scan/match only).
  std::shared_ptr<const Matcher> matcher;  ///< null for `hash`
  std::string matcher_description;         ///< the summary's "Lists:" line
  int threshold = kDefaultRadius;
  int min_quality = kDefaultMinQuality;
  bool matches_only = false;
  // Other input modes.
  std::string raw_format;  ///< --raw FORMAT: frames from the (single) input
  std::string raw_size;    ///< --size WxH
  double raw_fps = 0;      ///< --fps: sample raw frames (vpdq_frame_mod of seconds_per_hash)
  bool seconds_per_hash_given = false;  ///< --seconds-per-hash was on the command line
  std::string hashes;      ///< --hashes FILE|-: hex hashes, one per line
  std::string command = "hash";  ///< for messages: "hash" or "scan"
};

/// Runs the pipeline; returns the exit status (see commands.hpp).
int run_engine(const EngineOptions& o);

/// A CLI11 check: a finite number > 0 (NaN, inf, 0 and negatives refused).
CLI::Validator positive_finite();

/// Adds --max-pixels and --max-bytes, range-checked by DecodeOptions' bounds.
void add_decode_limit_options(CLI::App* cmd, DecodeOptions& d);

/// Adds the options every pipeline subcommand shares (inputs, threads, output...).
void add_pipeline_options(CLI::App* cmd, EngineOptions& o);

/// Reads --video-list files (vPDQ text or ThreatExchange JSON, one video each)
/// into o.video_index (HMA's thresholds: `match`). Throws as read_vpdq_file.
void load_video_lists(const std::vector<std::string>& files, const VpdqMatchOptions& match,
                      EngineOptions& o);

}  // namespace pdqguard::cli
