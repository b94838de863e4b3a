// pdqguard video hash: vPDQ hashes of video files (the library decides everything:
// sampling, conversion, limits, the text format; this file only routes output).
#include "commands.hpp"
#include "engine.hpp"
#include "output.hpp"
#include "records.hpp"

#include <pdqguard/error.hpp>
#include <pdqguard/video.hpp>
#include <pdqguard/vpdq.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <limits>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>
#include <unistd.h>
#include <unordered_set>

namespace pdqguard::cli {

namespace {

struct VideoHashOptions {
  std::vector<std::string> videos;
  double seconds_per_hash = 1.0;
  int downsample = 0;
  std::string format = "vpdq";
  std::string output;
  std::string output_dir;
  int threads = 1;
  std::string mode = "compatible";
  bool key_frames_only = false;
  std::uint64_t max_pixels = VideoOptions{}.max_pixels;
  std::uint64_t max_bytes = VideoOptions{}.max_bytes;
  double max_duration = VideoOptions{}.max_duration_seconds;
  std::int64_t max_frames = VideoOptions{}.max_frames;
};

std::string json_dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

nlohmann::ordered_json info_json(const std::string& path, const VideoInfo& info) {
  return nlohmann::ordered_json{{"path", path},
                                {"ok", true},
                                {"kind", "video"},
                                {"container", info.container},
                                {"codec", info.codec},
                                {"width", info.width},
                                {"height", info.height},
                                {"fps", info.fps},
                                {"duration", info.duration},
                                {"frame_mod", info.frame_mod},
                                {"frames_decoded", info.frames_decoded},
                                {"frames_hashed", info.frames_hashed}};
}

/// The text one video produces in the chosen format (without errors).
std::string render(const std::string& path, const VideoHashes& v, bool jsonl) {
  if (!jsonl) {
    std::ostringstream s;
    write_vpdq(s, v.frames);
    return s.str();
  }
  nlohmann::ordered_json j = info_json(path, v.info);
  nlohmann::ordered_json frames = nlohmann::ordered_json::array();
  for (const auto& f : v.frames)
    frames.push_back(nlohmann::ordered_json{{"frame", f.frame_number},
                                            {"quality", f.quality},
                                            {"hash", f.hash.to_hex()},
                                            {"timestamp", f.timestamp}});
  j["frames"] = std::move(frames);
  return json_dump(j) + "\n";
}

std::string render_error(const std::string& path, const Error& e) {
  return json_dump(nlohmann::ordered_json{
             {"path", path}, {"ok", false}, {"kind", "video"}, {"error", e.code_name()},
             {"message", e.what()}}) +
         "\n";
}

/// --output-dir names, decided up front in input order so that threads cannot
/// change them: a video's file is <stem><ext>; when an earlier input of the run
/// already has that name, <stem>-2<ext>, then -3, ... (the first free one).
/// So two inputs never overwrite each other, and a run names its files the same
/// way every time.
std::vector<std::string> output_names(const std::vector<std::string>& videos, const std::string& ext) {
  std::vector<std::string> names;
  names.reserve(videos.size());
  std::unordered_set<std::string> taken;
  for (const std::string& v : videos) {
    const std::string stem = std::filesystem::path(v).stem().string();
    std::string name = stem + ext;
    for (int k = 2; !taken.insert(name).second; ++k) name = stem + "-" + std::to_string(k) + ext;
    names.push_back(std::move(name));
  }
  return names;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw Error(ErrorCode::io_error, "cannot write " + path);
}

int run_video_hash(const VideoHashOptions& o) {
  const bool jsonl = o.format == "jsonl";
  if (!o.output.empty() && !o.output_dir.empty())
    throw Error(ErrorCode::invalid_argument, "give -o FILE or --output-dir DIR, not both");
  if (!jsonl && o.output_dir.empty() && o.videos.size() > 1)
    throw Error(ErrorCode::invalid_argument,
                "--format vpdq writes one file per video: with several videos use --output-dir DIR");
  VideoOptions vo;
  vo.seconds_per_hash = o.seconds_per_hash;
  vo.downsample = o.downsample;
  vo.mode = o.mode == "luma" ? VideoMode::luma : VideoMode::compatible;
  vo.key_frames_only = o.key_frames_only;
  vo.max_pixels = o.max_pixels;
  vo.max_bytes = o.max_bytes;
  vo.max_duration_seconds = o.max_duration;
  vo.max_frames = o.max_frames;
  if (!o.output_dir.empty()) std::filesystem::create_directories(o.output_dir);
  const std::vector<std::string> out_names =
      o.output_dir.empty() ? std::vector<std::string>() : output_names(o.videos, jsonl ? ".jsonl" : ".txt");

  // Output: stdout or -o FILE get the videos' texts in input order; --output-dir
  // one file per video. Errors: a JSON record (jsonl) or a line on stderr (vpdq).
  int fd = STDOUT_FILENO;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, std::fclose);
  if (!o.output.empty() && o.output_dir.empty()) {
    file.reset(std::fopen(o.output.c_str(), "wb"));
    if (!file) throw Error(ErrorCode::io_error, "cannot create " + o.output);
    fd = fileno(file.get());
  }
  Sink sink(fd, /*sorted=*/true, /*window=*/static_cast<std::uint64_t>(o.threads) * 2);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> any_error{false};
  auto worker = [&] {
    VideoHasher vh;  // one per worker: its frame and conversion buffers are reused
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= o.videos.size()) return;
      sink.wait_window(i);
      const std::string& path = o.videos[i];
      std::string line;
      try {
        const VideoHashes v = vh.hash_file(path, vo);
        std::string text = render(path, v, jsonl);
        if (!o.output_dir.empty()) {
          write_file((std::filesystem::path(o.output_dir) / out_names[i]).string(), text);
        } else {
          line = std::move(text);
        }
      } catch (const Error& e) {
        any_error = true;
        if (jsonl && o.output_dir.empty()) line = render_error(path, e);
        else sink.progress("pdqguard video hash: " + path + ": " + e.code_name() + ": " + e.what() + "\n");
      } catch (const std::bad_alloc&) {
        any_error = true;
        sink.progress("pdqguard video hash: " + path + ": out_of_memory\n");
      }
      sink.submit(i, std::move(line));
    }
  };
  const int n = std::min<int>(o.threads, static_cast<int>(std::max<std::size_t>(o.videos.size(), 1)));
  std::vector<std::thread> pool;
  for (int t = 1; t < n; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (sink.failed()) {
    std::fprintf(stderr, "pdqguard video hash: %s\n", sink.failure().c_str());
    return kExitError;
  }
  return any_error ? kExitError : kExitClean;
}

struct VideoMatchOptions {
  std::string query;
  std::vector<std::string> targets;
  VpdqMatchOptions match;
  double seconds_per_hash = 1.0;
  int downsample = 0;
  std::string format;
};

// Every (query, target) pair: one record each, in target order. The targets go
// into one VpdqIndex, so the query is searched once, not once per target.
int run_video_match(const VideoMatchOptions& o) {
  VideoOptions vo;
  vo.seconds_per_hash = o.seconds_per_hash;
  vo.downsample = o.downsample;
  VideoHasher vh;
  const bool table = o.format == "table" || (o.format.empty() && isatty(STDOUT_FILENO));
  bool any_error = false;
  auto report_error = [&](const std::string& path, const Error& e) {
    any_error = true;
    if (table)
      write_line(path + ": ERROR " + e.code_name() + ": " + e.what() + "\n");
    else
      write_line(render_error(path, e));
  };
  VpdqVideo query;
  try {
    query = load_vpdq_or_video(o.query, vh, vo);
  } catch (const Error& e) {
    report_error(o.query, e);
    return kExitError;
  }
  std::vector<VpdqVideo> targets;
  std::vector<std::optional<Error>> target_errors(o.targets.size());
  for (std::size_t i = 0; i < o.targets.size(); ++i) {
    try {
      targets.push_back(load_vpdq_or_video(o.targets[i], vh, vo));
    } catch (const Error& e) {
      target_errors[i] = e;
    }
  }
  const auto index = VpdqIndex::build(targets, o.match);
  std::vector<std::optional<VpdqScore>> scores(targets.size());
  for (const auto& m : index->match(query.frames)) scores[m.video] = m.score;
  bool any_match = false;
  std::size_t t = 0;
  for (std::size_t i = 0; i < o.targets.size(); ++i) {
    if (target_errors[i]) {
      report_error(o.targets[i], *target_errors[i]);
      continue;
    }
    VpdqScore s;
    if (scores[t]) {
      s = *scores[t];
    } else {  // no frame within distance: 0 % of each side's kept frames
      s.query_frames = vpdq_kept_hashes(query.frames, o.match.min_quality).size();
      s.target_frames = vpdq_kept_hashes(targets[t].frames, o.match.min_quality).size();
    }
    any_match = any_match || s.match;
    if (table) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "query %.1f %% target %.1f %%", s.query_percent,
                    s.target_percent);
      write_line(o.query + " vs " + o.targets[i] + ": " + buf + (s.match ? ": MATCH\n" : ": no match\n"));
    } else {
      write_line(json_dump(nlohmann::ordered_json{{"query", o.query},
                                                  {"target", o.targets[i]},
                                                  {"query_percent", s.query_percent},
                                                  {"target_percent", s.target_percent},
                                                  {"query_frames", s.query_frames},
                                                  {"target_frames", s.target_frames},
                                                  {"match", s.match}}) +
                 "\n");
    }
    ++t;
  }
  if (any_match) return kExitMatch;
  return any_error ? kExitError : kExitClean;
}

}  // namespace

void add_video_commands(CLI::App& app, std::function<int()>& run) {
  CLI::App* video = app.add_subcommand("video", "vPDQ: hash videos, match videos");
  video->require_subcommand(1);

  auto o = std::make_shared<VideoHashOptions>();
  CLI::App* hash = video->add_subcommand("hash", "vPDQ hashes of video files");
  hash->footer(
      "Decodes each VIDEO in process (libavformat/libavcodec; files of any container and codec\n"
      "Debian's FFmpeg reads) and hashes one frame per --seconds-per-hash seconds as vPDQ does.\n"
      "--format vpdq (default): vPDQ's text, one `frame,quality,hash,timestamp` line per hashed\n"
      "frame, byte for byte the file the reference's vpdq-hash-video writes.\n"
      "--format jsonl: one record per video {path, ok, kind, container, codec, width, height, fps,\n"
      "duration, frame_mod, frames_decoded, frames_hashed, frames:[{frame,quality,hash,timestamp}]}\n"
      "or {path, ok:false, error, message}.\n"
      "Examples:\n"
      "  pdqguard video hash --format vpdq -o clip.txt clip.mp4\n"
      "  pdqguard video hash --seconds-per-hash 0 --downsample 128 clip.mp4\n"
      "  pdqguard video hash --output-dir hashes/ --threads 4 videos/*.mp4\n"
      "--output-dir names: <stem>.txt in input order; when an earlier input took that name\n"
      "(a/clip.mp4 then b/clip.mp4), <stem>-2.txt, then -3, ...: no input overwrites another.\n"
      "Exit status: 0 all hashed, 2 an error for some video (the others are still hashed).");
  hash->add_option("videos", o->videos, "Video files")->required();
  hash->add_option("--seconds-per-hash", o->seconds_per_hash,
                   "One hashed frame per S seconds; 0 = every frame (default 1)")
      ->check(CLI::NonNegativeNumber);
  hash->add_option("--downsample", o->downsample, "Scale frames to N x N before hashing (vPDQ -s)")
      ->check(CLI::Range(0, VideoOptions::kMaxDownsample));
  hash->add_option("--format", o->format, "vpdq (default) or jsonl")
      ->check(CLI::IsMember({"vpdq", "jsonl"}));
  hash->add_option("-o,--output", o->output, "Write to FILE instead of stdout");
  hash->add_option("--output-dir", o->output_dir,
                   "Write one <stem>.txt (jsonl: .jsonl) per video; a stem an earlier input of the "
                   "run already used gets -2, -3, ... (<stem>-2.txt)");
  hash->add_option("--threads", o->threads, "Videos hashed in parallel (default 1)")
      ->check(CLI::Range(1, static_cast<int>(kMaxThreads)));
  hash->add_option("--mode", o->mode,
                   "compatible (default: vPDQ's RGB conversion) or luma (triage: the decoder's Y "
                   "plane, faster, not vPDQ-compatible)")
      ->check(CLI::IsMember({"compatible", "luma"}));
  hash->add_flag("--key-frames-only", o->key_frames_only,
                 "Decode and hash key frames only (triage; each numbered by its position in the stream)");
  // The same bounds as images' pixel and byte limits (DecodeOptions).
  hash->add_option("--max-pixels", o->max_pixels, "Largest frame width x height accepted")
      ->check(CLI::Range(DecodeOptions::kMinLimit, DecodeOptions::kMaxLimit));
  hash->add_option("--max-bytes", o->max_bytes, "Largest video file accepted, in bytes")
      ->check(CLI::Range(DecodeOptions::kMinLimit, DecodeOptions::kMaxLimit));
  hash->add_option("--max-duration", o->max_duration, "Longest video accepted, in seconds")
      ->check(positive_finite());
  hash->add_option("--max-frames", o->max_frames, "Most decoded frames accepted (video_too_long)")
      ->check(CLI::Range(std::int64_t{1}, std::numeric_limits<std::int64_t>::max()));
  hash->callback([o, &run] { run = [o] { return run_video_hash(*o); }; });

  auto m = std::make_shared<VideoMatchOptions>();
  CLI::App* match = video->add_subcommand("match", "Match a video against videos (vPDQ, as HMA scores)");
  match->footer(
      "QUERY and each TARGET are a video file or a vPDQ hash file (text `frame,quality,hash,timestamp`\n"
      "lines, or ThreatExchange's JSON list of \"hash,quality,timestamp\" strings), told apart by content.\n"
      "Frames of quality < --min-quality and repeated hashes are dropped; a frame matches when a frame\n"
      "of the other side is within --distance. A pair matches when query % >= --query-threshold and\n"
      "target % >= --target-threshold. All targets go into one index: the query is searched once.\n"
      "Output: one record per target {query, target, query_percent, target_percent, query_frames,\n"
      "target_frames, match} (or an error record).\n"
      "Examples:\n"
      "  pdqguard video match upload.mp4 known/*.txt\n"
      "  pdqguard video match --query-threshold 50 clip.txt full-movie.mp4\n"
      "Exit status: 1 some pair matched, 0 none, 2 errors only.");
  match->add_option("query", m->query, "Video or vPDQ file")->required();
  match->add_option("targets", m->targets, "Videos or vPDQ files")->required();
  match->add_option("--distance", m->match.distance, "Frame match distance (<=, default 31)")
      ->check(CLI::Range(kMinRadius, kMaxRadius));
  match->add_option("--min-quality", m->match.min_quality, "Drop frames below this quality (default 50)")
      ->check(CLI::Range(kMinMinQuality, kMaxMinQuality));
  match->add_option("--query-threshold", m->match.query_threshold, "Query match % needed (default 80)")
      ->check(CLI::Range(0.0, 100.0));
  match->add_option("--target-threshold", m->match.target_threshold, "Target match % needed (default 0)")
      ->check(CLI::Range(0.0, 100.0));
  match->add_option("--seconds-per-hash", m->seconds_per_hash, "Sampling for video sides (default 1)")
      ->check(CLI::NonNegativeNumber);
  match->add_option("--downsample", m->downsample, "Scale video frames to N x N first")
      ->check(CLI::Range(0, VideoOptions::kMaxDownsample));
  match->add_option("-f,--format", m->format, "jsonl or table (default: table on a terminal)")
      ->check(CLI::IsMember({"jsonl", "table"}));
  match->callback([m, &run] { run = [m] { return run_video_match(*m); }; });
}

}  // namespace pdqguard::cli
