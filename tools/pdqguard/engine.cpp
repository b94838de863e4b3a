#include "engine.hpp"

#include "archive_input.hpp"

#include "commands.hpp"
#include "input.hpp"
#include "oom_reserve.hpp"
#include "output.hpp"
#include "queue.hpp"
#include "records.hpp"
#include "resume.hpp"
#include "signals.hpp"
#include "stats.hpp"

#include <pdqguard/error.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace pdqguard::cli {

namespace {

struct Context {
  const EngineOptions& o;
  Stats& stats;
  Sink& sink;
  OutFormat format;
  RawLayout raw;
};

/// Stores a hashing result (all eight hashes when --dihedral, else hashes[0]).
void set_result(Context& c, const DihedralResult& d, Record& r) {
  r.result = HashResult{d.hashes[0], d.quality, d.too_small};
  if (c.o.dihedral) {
    r.dihedral = d;
    r.print_dihedral = c.o.matcher == nullptr;  // `hash --dihedral` prints the 8 hashes
  }
  r.ok = true;
}

void hash_view(Context& c, Hasher& hasher, const FrameView& v, Record& r) {
  set_result(c, c.o.dihedral ? hasher.hash_dihedral(v) : DihedralResult::from_plain(hasher.hash(v)), r);
}

/// Matches a record through the library's query rules (gate, order, variants):
/// nothing is decided here.
void match_record(Context& c, Record& r) {
  if (!c.o.matcher || !r.ok) return;
  r.matching = true;
  QueryOptions q;
  q.radius = c.o.threshold;
  q.min_quality = c.o.min_quality;
  QueryResult res = r.dihedral ? c.o.matcher->query(*r.dihedral, q)
                               : c.o.matcher->query(HashResult{r.result.hash, r.has_quality ? r.result.quality : -1,
                                                               r.result.too_small},
                                                    q);
  r.low_quality = res.gated();
  r.hits = std::move(res.matches);
}

/// Parses "HEX[<sep>QUALITY...]" from a --hashes line.
void parse_hash_line(const std::string& text, Record& r) {
  const auto end = text.find_first_of(",;\t |");
  const std::string hex = text.substr(0, end);
  std::string why;
  if (!Hash256::try_from_hex(hex, r.result.hash, &why)) {
    r.ok = false;
    r.error = "bad_hash";
    r.message = why.empty() ? "not a 64-hex-digit PDQ hash" : why;
    return;
  }
  r.ok = true;
  r.has_quality = false;
  if (end != std::string::npos) {
    const auto qs = text.find_first_not_of(",;\t |", end);
    if (qs != std::string::npos) {
      const auto qe = text.find_first_of(",;\t |", qs);
      const std::string qt = text.substr(qs, qe == std::string::npos ? std::string::npos : qe - qs);
      int q = -1;
      const auto [p, ec] = std::from_chars(qt.data(), qt.data() + qt.size(), q);
      // A quality the line gives but that is not 0..100 refuses the line: dropping
      // it would leave the hash ungated by --min-quality.
      if (ec != std::errc() || p != qt.data() + qt.size() || q < 0 || q > 100) {
        r.ok = false;
        r.error = "bad_hash";
        r.message = "quality '" + qt.substr(0, 20) + "' is not an integer 0..100";
        return;
      }
      r.result.quality = q;
      r.has_quality = true;
    }
  }
}

/// Frees a worker's reusable buffers on the way out when one file made them
/// larger than the library keeps (release_if_large).
struct ReleaseLarge {
  std::vector<std::uint8_t>& a;
  std::vector<std::uint8_t>& b;
  ~ReleaseLarge() {
    release_if_large(a);
    release_if_large(b);
  }
};

/// What a worker reuses from one file to the next (sized by the inputs).
struct WorkerScratch {
  std::vector<std::uint8_t> file;  ///< the file's bytes
  DecodedImage img;                ///< decode metadata, and pixels when not streamed
  std::unique_ptr<VideoHasher> video;  ///< made at the worker's first video
};

/// The video container sniff_video_container() sees at the start of the file,
/// or nullptr (also when the file cannot be read, or is a FIFO or device: the
/// image path reports that; read_file_head never opens one).
const char* video_container_of_file(const std::string& path) {
  std::uint8_t head[kVideoSniffBytes];
  const std::size_t n = read_file_head(path, head);
  return sniff_video_container(std::span<const std::uint8_t>(head, n));
}

/// One frame of a multi-frame input (a video's sample, an animation's frame)
/// through the library's query rules, as match_record does for an image.
QueryResult query_frame(Context& c, const DihedralResult& d) {
  QueryOptions q;
  q.radius = c.o.threshold;
  q.min_quality = c.o.min_quality;
  return c.o.dihedral ? c.o.matcher->query(d, q) : c.o.matcher->query(d.plain(), q);
}

/// The match list of a multi-frame record: the frames' matches merged by the
/// library's rule (keep_nearest_frame_matches) unless --all-matches; low
/// quality when no frame could match.
void set_frame_matches(Context& c, std::vector<FrameMatch>& matches, std::int64_t gated,
                       std::int64_t frames, Record& r) {
  r.matching = true;
  r.low_quality = gated == frames;  // no frame of it could match
  if (!c.o.all_matches) keep_nearest_frame_matches(matches);
  r.hits.reserve(matches.size());
  r.hit_frames.reserve(matches.size());
  for (FrameMatch& m : matches) {
    r.hits.push_back(std::move(m.match));
    r.hit_frames.push_back({m.frame, m.timestamp});
  }
}

/// One video's record: decoded and sampled by the library (VideoHasher), each
/// sampled frame through Matcher::query, the frames' matches merged by the
/// library's rule (keep_nearest_frame_matches), and the clip scored against the
/// --video-list index. `memory` holds the bytes of an archive member, else the
/// file at r.path is read. hash/quality are the first hashed frame's.
void hash_video(Context& c, WorkerScratch& scratch, const char* container,
                std::span<const std::uint8_t> memory, bool from_memory, Record& r) {
  if (!scratch.video) scratch.video = std::make_unique<VideoHasher>();
  VideoOptions vo = c.o.video;
  vo.max_pixels = c.o.decode.max_pixels;
  vo.dihedral = c.o.dihedral;
  std::vector<FrameMatch> matches;
  std::vector<VideoFrameHash> frames;  // for the --video-list index only
  bool first = true;
  std::int64_t gated = 0;
  const auto on_sample = [&](const VideoSample& smp) {
    if (first) {
      first = false;
      set_result(c, smp.result, r);
    }
    if (c.o.video_index) frames.push_back(smp.frame);
    if (!c.o.matcher) return;
    QueryResult res = query_frame(c, smp.result);
    if (res.gated()) ++gated;
    for (Match& m : res.matches)
      matches.push_back(FrameMatch{std::move(m), smp.frame.frame_number, smp.frame.timestamp});
  };
  const VideoInfo info =
      from_memory ? scratch.video->sample_memory(memory.data(), memory.size(), vo, on_sample, r.path)
                  : scratch.video->sample_file(r.path, vo, on_sample);
  if (first) throw Error(ErrorCode::decode_error, "no frame of the video was hashed");
  r.format = container;
  r.width = info.width;
  r.height = info.height;
  r.frames_hashed = info.frames_hashed;
  r.duration = info.duration > 0 ? info.duration
                                 : static_cast<double>(info.frames_decoded) / info.fps;
  if (c.o.matcher) set_frame_matches(c, matches, gated, info.frames_hashed, r);
  if (c.o.video_index) {
    r.video_matching = true;
    for (VpdqMatch& m : c.o.video_index->match(frames, /*only_matches=*/true))
      r.video_matches.push_back({c.o.video_list_names[m.video], std::move(m.id), m.score});
  }
}

/// Decodes and hashes an encoded image held in memory into `r` (format, sizes,
/// warnings, hashes), with `img` as the decode scratch. hash_image streams JPEG
/// rows into the hasher and hashes PPM/PGM in place.
void hash_bytes(Context& c, Hasher& hasher, std::span<const std::uint8_t> bytes, DecodedImage& img,
                Record& r) {
  const DihedralResult d = hash_image(bytes, hasher, img, c.o.decode, c.o.dihedral);
  r.format = image_format_name(img.format);
  r.width = img.source_width ? img.source_width : img.width;
  r.height = img.source_height ? img.source_height : img.height;
  r.scale_denom = img.scale_denom;
  r.exif_orientation = img.exif_orientation;
  r.warnings = img.warnings;
  set_result(c, d, r);
}

/// --all-frames: a GIF, WebP or PNG (the formats that animate) as one
/// multi-frame record: every frame the library composites (decode_frames)
/// hashed and matched, hash and quality of frame 0, frames_hashed (1 for a
/// still), duration, the frames' matches merged as a video's are. Returns
/// false, doing nothing, for any other format.
bool hash_animation(Context& c, Hasher& hasher, std::span<const std::uint8_t> bytes, Record& r) {
  const ImageFormat f = sniff_format(bytes);
  if (f != ImageFormat::gif && f != ImageFormat::webp && f != ImageFormat::png) return false;
  std::vector<FrameMatch> matches;
  std::int64_t gated = 0;
  std::int64_t hashed = 0;
  // Every frame is composited (a frame is the canvas so far); with
  // --seconds-per-hash only the library's stream sampling picks which are hashed
  // (frame 0 always: it is the record's hash).
  StreamSampler sampler(c.o.seconds_per_hash_given ? c.o.video.seconds_per_hash : 0.0, 0);
  const AnimationInfo info = decode_frames(bytes, c.o.decode, [&](const DecodedImage& frame, const FrameInfo& fi) {
    const bool sample = fi.index == 0 || sampler.would_sample(fi.timestamp);
    sampler.advance(fi.timestamp, sample);
    if (!sample) return true;
    ++hashed;
    const DihedralResult d = hash_decoded(frame, hasher, c.o.dihedral);
    if (fi.index == 0) {
      r.format = image_format_name(frame.format);
      r.width = frame.source_width;
      r.height = frame.source_height;
      r.exif_orientation = frame.exif_orientation;
      set_result(c, d, r);
    }
    if (c.o.matcher) {
      QueryResult res = query_frame(c, d);
      if (res.gated()) ++gated;
      for (Match& m : res.matches) matches.push_back(FrameMatch{std::move(m), fi.index, fi.timestamp});
    }
    return true;
  });
  r.frames_hashed = hashed;
  r.duration = info.duration;
  r.warnings = info.warnings;
  if (c.o.matcher) set_frame_matches(c, matches, gated, hashed, r);
  return true;
}

/// One archive member's record: hashed and matched, or the error it raised.
Record member_record(Context& c, Hasher& hasher, WorkerScratch& scratch, const std::string& path,
                     std::span<const std::uint8_t> bytes) {
  Record r;
  r.kind = InputKind::file;
  r.path = path;
  DecodedImage& img = scratch.img;
  try {
    if (const char* container = c.o.videos ? sniff_video_container(bytes) : nullptr) {
      hash_video(c, scratch, container, bytes, /*from_memory=*/true, r);  // its own limits
      return r;
    }
    if (bytes.size() > c.o.decode.max_bytes)
      throw Error(ErrorCode::file_too_large, "member of " + std::to_string(bytes.size()) +
                                                 " bytes exceeds the limit of " +
                                                 std::to_string(c.o.decode.max_bytes) + " bytes");
    if (c.o.all_frames && hash_animation(c, hasher, bytes, r)) return r;
    hash_bytes(c, hasher, bytes, img, r);
    match_record(c, r);
  } catch (const Error& e) {
    return error_of(InputKind::file, path, 0, e.code_name(), e.what());
  } catch (const std::bad_alloc&) {
    return error_of(InputKind::file, path, 0, "out_of_memory", "out of memory");
  }
  return r;
}

Record process(Context& c, Hasher& hasher, WorkerScratch& scratch, WorkItem& w) {
  if (w.error) return error_of(w.kind, w.path, w.number, w.error, w.message);
  Record r;
  r.kind = w.kind;
  r.path = w.path;
  r.number = w.number;
  try {
    switch (w.kind) {
      case InputKind::file: {
        if (const char* container = c.o.videos ? video_container_of_file(w.path) : nullptr) {
          hash_video(c, scratch, container, {}, /*from_memory=*/false, r);  // streamed from disk
          return r;
        }
        // Per worker: the file's bytes and any decoded pixels land in
        // memory the previous file already faulted in (no page faults, no
        // zero fill per file).
        DecodedImage& img = scratch.img;
        const ReleaseLarge keep_bounded{scratch.file, img.pixels};
        const auto bytes = read_file_into(w.path, c.o.decode.max_bytes, scratch.file, c.o.read_special);
        if (c.o.all_frames && hash_animation(c, hasher, bytes, r)) return r;
        hash_bytes(c, hasher, bytes, img, r);
        break;
      }
      case InputKind::frame: {
        r.format = "raw";
        r.width = c.raw.width;
        r.height = c.raw.height;
        if (c.o.raw_fps > 0) r.timestamp = vpdq_timestamp(w.number, c.o.raw_fps);
        hash_view(c, hasher, raw_view(c.raw, w.bytes.data()), r);
        break;
      }
      case InputKind::hash_line: {
        parse_hash_line(w.path, r);
        if (!r.ok) return r;
        if (c.o.dihedral) {
          // A hash alone cannot be rotated: only the original variant is queried.
          r.dihedral.reset();
        }
        break;
      }
    }
    match_record(c, r);
  } catch (const Error& e) {
    return error_of(w.kind, w.path, w.number, e.code_name(), e.what());
  } catch (const std::bad_alloc&) {
    return error_of(w.kind, w.path, w.number, "out_of_memory", "out of memory");
  } catch (const std::exception& e) {
    return error_of(w.kind, w.path, w.number, "internal_error", e.what());
  }
  return r;
}

std::string render(const Context& c, const Record& r) {
  switch (c.format) {
    case OutFormat::csv: return render_csv(r, c.o.matcher != nullptr, c.o.video_index != nullptr);
    case OutFormat::table: return render_table(r);
    default: return render_jsonl(r);
  }
}

void count(Stats& s, const Record& r) {
  if (!r.ok) {
    s.add_error(r.error);
  } else {
    s.hashed.fetch_add(1, std::memory_order_relaxed);
    if (r.low_quality) s.low_quality.fetch_add(1, std::memory_order_relaxed);
    if (!r.hits.empty() || !r.video_matches.empty()) s.matched.fetch_add(1, std::memory_order_relaxed);
  }
  s.done.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

int run_engine(const EngineOptions& o) {
  if (!o.raw_format.empty() && o.inputs.size() > 1)  // the second would be ignored
    throw Error(ErrorCode::invalid_argument, "--raw reads frames from one input (a file or -), got " +
                                                 std::to_string(o.inputs.size()));
  // Refused before the output is opened (-o would truncate it, --resume create it).
  if (o.shard.count && (!o.hashes.empty() || !o.raw_format.empty()))
    throw Error(ErrorCode::invalid_argument, "--shard splits files and directories, not --hashes or --raw");
  install_signal_handlers();
  oom_reserve_arm();
  const bool matching = o.matcher != nullptr;  // image lists: the match columns and fields
  const bool any_lists = matching || o.video_index != nullptr;  // summary/progress count matches

  // Output: --resume appends JSON lines to its file, -o truncates, else stdout.
  if (!o.resume.empty() && !o.output.empty())
    throw Error(ErrorCode::invalid_argument, "--resume FILE already names the output; drop -o");
  ResumeSet resume;
  int fd = STDOUT_FILENO;
  OutFormat format = o.format;
  if (!o.resume.empty()) {
    if (format != OutFormat::automatic && format != OutFormat::jsonl)
      throw Error(ErrorCode::invalid_argument, "--resume writes JSON lines; drop --format");
    format = OutFormat::jsonl;
    ResumeFile rf = open_resume(o.resume);  // refuses (untouched) what is not pdqguard's output
    resume = std::move(rf.set);
    fd = rf.fd;
    if (!o.quiet)
      std::fprintf(stderr, "pdqguard: resuming: %llu inputs already recorded in %s%s%s\n",
                   static_cast<unsigned long long>(resume.records), o.resume.c_str(),
                   resume.transient ? (" (" + std::to_string(resume.transient) +
                                       " with a transient error, out_of_memory or io_error, are retried)")
                                          .c_str()
                                    : "",
                   resume.torn_tail ? " (a torn last line was cut off and will be redone)" : "");
  } else if (!o.output.empty()) {
    fd = ::open(o.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(ErrorCode::io_error, o.output + ": cannot open: " + std::strerror(errno));
  }
  if (format == OutFormat::automatic) format = isatty(fd) ? OutFormat::table : OutFormat::jsonl;

  unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, kMaxThreads);
  // Hash lines are small and cheap to query: a deeper queue lets the reader hand
  // them over in bursts (see queue.hpp) instead of waking once per line; 64 per
  // worker keeps it bounded (<= 4 MiB per worker at kMaxHashLineBytes).
  const std::size_t qcap = std::size_t(threads) * (o.hashes.empty() ? 4 : 64);
  Sink sink(fd, o.sort, std::uint64_t(threads) * 16);
  if (format == OutFormat::csv) sink.write_now(csv_header(matching, o.video_index != nullptr));

  Stats stats;
  Context ctx{o, stats, sink, format, {}};
  if (!o.raw_format.empty()) ctx.raw = parse_raw_layout(o.raw_format, o.raw_size, o.decode);
  if (o.raw_fps != 0 && (o.raw_format.empty() || !(o.raw_fps > 0) || !std::isfinite(o.raw_fps)))
    throw Error(ErrorCode::invalid_argument, "--fps takes a positive number and needs --raw");
  if (!o.raw_format.empty() && o.seconds_per_hash_given && o.raw_fps == 0)
    throw Error(ErrorCode::invalid_argument,
                "--seconds-per-hash on a --raw stream needs its frame rate: give --fps");
  // --raw --fps: the stream API's sampling policy with vPDQ's frame counter.
  std::optional<StreamSampler> raw_sampler;
  if (o.raw_fps > 0) raw_sampler.emplace(0.0, vpdq_frame_mod(o.video.seconds_per_hash, o.raw_fps));
  ArchiveOptions archive_opts = o.archive;
  archive_opts.max_member_bytes = o.decode.max_bytes;  // a member is refused as a file would be

  // The progress line: redrawn in place on a terminal; with --progress elsewhere,
  // one line a second plus a last one. Its total is counted ahead of the workers.
  std::unique_ptr<Progress> progress;
  std::unique_ptr<LookAheadCount> look_ahead;
  if (!o.quiet && (o.progress || isatty(STDERR_FILENO))) {
    if (!o.hashes.empty()) {
      // Hash lines are not counted ahead: the total is known when the input ends.
    } else if (!o.raw_format.empty()) {
      struct stat st {};
      const std::string in = o.inputs.empty() ? "-" : o.inputs[0];
      // (Not when resuming: the frames already recorded are not known ahead.)
      if (in != "-" && resume.keys.empty() && ::stat(in.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        const auto size = static_cast<std::uint64_t>(st.st_size);  // a truncated frame gets a record too
        stats.counted = (size + ctx.raw.frame_bytes - 1) / ctx.raw.frame_bytes;
        if (raw_sampler) {  // --fps: only the samples (and a truncated last frame) get records
          StreamSampler count = *raw_sampler;
          const std::uint64_t whole = size / ctx.raw.frame_bytes;
          std::uint64_t samples = 0;
          for (std::uint64_t n = 0; n < whole; ++n) {
            const double ts = vpdq_timestamp(static_cast<std::int64_t>(n), o.raw_fps);
            const bool take = count.would_sample(ts);
            count.advance(ts, take);
            samples += take ? 1 : 0;
          }
          stats.counted = samples + (size % ctx.raw.frame_bytes != 0 ? 1 : 0);
        }
        stats.total_known = true;
      }
    } else {
      look_ahead = std::make_unique<LookAheadCount>(
          o.inputs, WalkOptions{o.null_separated, o.follow_symlinks, o.max_depth}, stats,
          [&resume, &o](const WorkItem& w) {
            return in_shard(o.shard, w) && !resume.contains(w.kind, w.path, w.number);
          });
    }
    if (isatty(STDERR_FILENO))
      progress = std::make_unique<Progress>(stats, any_lists, [&sink](const std::string& l) { sink.progress(l); });
    else
      progress = std::make_unique<Progress>(
          stats, any_lists,
          [](const std::string& l) {
            const std::string line = "pdqguard: progress: " + l + "\n";
            [[maybe_unused]] const auto n = ::write(STDERR_FILENO, line.data(), line.size());
          },
          std::chrono::seconds(1), true);
  }

  // Inputs from the reader, and the members of archives that workers walk.
  WorkQueues<WorkItem> queue(qcap, std::size_t(threads) * 2 + 2);
  // An archive counts as one input done when the last of its items is finished.
  const auto input_done = [&stats](const std::shared_ptr<ArchiveCountdown>& archive) {
    if (!archive || archive->left.fetch_sub(1, std::memory_order_acq_rel) == 1)
      stats.inputs_done.fetch_add(1, std::memory_order_relaxed);
  };
  // Archive members travel from their walker to the workers in buffers whose
  // bytes in flight are bounded (64 MiB per worker, or one member larger than
  // that), recycled so that the members of a large archive cost no page faults.
  const auto member_pool = std::make_shared<BytePool>(std::size_t(threads) * (64u << 20),
                                                      std::size_t(threads) * 4 + 4, std::size_t(16) << 20);
  // --resume: an archive is walked again (its own path has no record when its
  // members have), but a member already recorded is not recorded twice.
  const auto member_wanted = [&](const std::string& path) {
    if (!resume.contains(InputKind::file, path, 0)) return true;
    stats.skipped_resume.fetch_add(1, std::memory_order_relaxed);
    return false;
  };
  // --sort: records waiting behind an earlier input, beyond which a walker of a
  // later archive waits (archives walked side by side stay bounded in memory).
  const std::size_t sort_parts_limit = std::size_t(threads) * 64 + 1024;
  std::vector<std::thread> workers;
  // Under memory pressure (e.g. `ulimit -v`) a thread may fail to start: run with
  // the workers that did start, or report out_of_memory if none did, never abort.
  for (unsigned t = 0; t < threads; ++t) try {
    workers.emplace_back([&] {
      Hasher hasher;
      WorkerScratch scratch;
      // One item to its record: an archive member's bytes, else a file, frame or
      // hash line, or an error found before the worker.
      const auto finish = [&](WorkItem& item) {
        if (stop_signal() || sink.failed()) {  // interrupted: queued items are not started
          stats.dropped.fetch_add(1, std::memory_order_relaxed);
          if (item.archive) sink.submit_part(item.seq, item.part, std::string());
          else sink.submit(item.seq, std::string());
          input_done(item.archive);
          return;
        }
        Record r = item.archive && !item.error
                       ? member_record(ctx, hasher, scratch, item.path,
                                       std::span<const std::uint8_t>(item.member.data(), item.member.size()))
                       : process(ctx, hasher, scratch, item);
        item.member.reset();  // back to the pool: a walker may read the next member
        const bool show = r.ok ? !o.matches_only || !r.hits.empty() || !r.video_matches.empty()
                               : !o.no_error_records;
        std::string line;
        try {
          if (show) line = render(ctx, r);
        } catch (const std::bad_alloc&) {
          // Out of memory while rendering (e.g. under `ulimit -v`): the input
          // still gets its one record, an out_of_memory error, if that fits.
          try {
            r = error_of(item.kind, item.path, item.number, "out_of_memory",
                         "out of memory while writing the record");
            line = render(ctx, r);
          } catch (const std::bad_alloc&) {
            line.clear();  // nothing can be written: counted as an error
            r.ok = false;
            r.error = "out_of_memory";
          }
        }
        count(stats, r);
        if (item.archive) {
          sink.submit_part(item.seq, item.part, std::move(line));
          stats.members_done.fetch_add(1, std::memory_order_relaxed);
        } else {
          // A hash line's or a raw frame's record may share a write(2) with the
          // next ones: at ~30 us a query, a write each cost 5-10% of a --hashes run.
          sink.submit(item.seq, std::move(line),
                      item.kind == InputKind::hash_line || item.kind == InputKind::frame);
        }
        input_done(item.archive);
      };
      ArchiveHandoff handoff;
      handoff.wanted = member_wanted;
      handoff.try_push = [&queue](WorkItem& m) { return queue.try_push_member(m); };
      handoff.help = [&] {
        std::optional<WorkItem> m = queue.try_pop_member();
        if (m) finish(*m);
        return m.has_value();
      };
      // Nothing to do for now: what this run held back is written (Sink::submit).
      while (auto item = queue.pop([&sink] { sink.flush(); })) {
        oom_reserve_arm();  // headroom to finish a record if memory runs out
        // A file that is an archive: walked here, its members queued for every
        // worker (this one included), its records submitted in parts.
        if (o.archives && item->kind == InputKind::file && !item->error && !item->archive &&
            !stop_signal() && !sink.failed()) {
          const std::uint64_t seq = item->seq;
          handoff.proceed = [&sink, seq, sort_parts_limit] {
            for (;;) {
              if (stop_signal() || sink.failed()) return false;
              if (sink.wait_parts_room(seq, sort_parts_limit)) return true;
            }
          };
          std::shared_ptr<ArchiveCountdown> countdown;
          const ArchiveExpansion x = expand_archive(*item, archive_opts, *member_pool, handoff, countdown);
          if (x.outcome != ArchiveExpansion::not_an_archive) {
            sink.end_parts(seq, x.parts);
            input_done(countdown);  // the walk's own count
            queue.input_finished();
            continue;
          }
        }
        const bool input = !item->archive;  // not a member from the member queue
        finish(*item);
        if (input) queue.input_finished();
      }
    });
  } catch (const std::system_error&) {
    break;
  }
  if (workers.empty()) {
    if (progress) progress->stop();
    if (fd != STDOUT_FILENO) ::close(fd);
    throw Error(ErrorCode::out_of_memory, "cannot start a worker thread (out of memory or a process limit)");
  }

  std::uint64_t seq = 0;
  const Emit emit = [&](WorkItem&& w) -> bool {
    if (stop_signal() || sink.failed()) return false;
    if (!in_shard(o.shard, w)) return true;  // another shard's input: no record here
    if (resume.contains(w.kind, w.path, w.number)) {
      stats.skipped_resume.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    w.seq = seq++;
    stats.seen.fetch_add(1, std::memory_order_relaxed);
    sink.wait_window(w.seq);
    return queue.push(std::move(w));
  };
  std::string fatal;
  try {
    if (!o.hashes.empty()) read_hash_lines(o.hashes, emit);
    else if (!o.raw_format.empty())
      read_raw_frames(o.inputs.empty() ? "-" : o.inputs[0], ctx.raw, workers.size() + 2, emit,
                      raw_sampler ? &*raw_sampler : nullptr, o.raw_fps);
    else walk_inputs(o.inputs, WalkOptions{o.null_separated, o.follow_symlinks, o.max_depth}, stats, emit);
  } catch (const Error& e) {
    fatal = std::string(e.code_name()) + ": " + e.what();
  } catch (const std::bad_alloc&) {
    // E.g. the buffers of a huge --size: the workers must still be joined.
    fatal = "out_of_memory: cannot allocate the input's buffers";
  }
  stats.walk_done = true;
  queue.close();
  for (std::thread& t : workers) t.join();
  sink.flush();
  look_ahead.reset();
  if (progress) progress->stop();
  if (fd != STDOUT_FILENO) ::close(fd);
  if (sink.broken_pipe()) exit_broken_pipe();  // `| head`: quiet, as Unix filters

  const int sig = stop_signal();
  if (!o.no_summary)
    std::fputs(summary_text(stats, any_lists, o.matcher_description, sig).c_str(), stderr);
  if (!fatal.empty()) std::fprintf(stderr, "pdqguard: input stopped early: %s\n", fatal.c_str());
  if (sink.failed()) {
    std::fprintf(stderr, "pdqguard: writing records failed: %s\n", sink.failure().c_str());
    return kExitError;
  }
  if (sig) return interrupted_status(sig);
  if (stats.matched.load()) return kExitMatch;
  if (stats.errors.load() || !fatal.empty()) return kExitError;
  return kExitClean;
}

CLI::Validator positive_finite() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(s.c_str(), &end);
        if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v) || !(v > 0))
          return "must be a finite number > 0, got '" + s + "'";
        return {};
      },
      "NUMBER > 0");
}

void add_decode_limit_options(CLI::App* cmd, DecodeOptions& d) {
  const auto limits = CLI::Range(DecodeOptions::kMinLimit, DecodeOptions::kMaxLimit);
  cmd->add_option("--max-pixels", d.max_pixels, "Refuse images above this many pixels (image_too_large)")
      ->capture_default_str()
      ->check(limits);
  cmd->add_option("--max-bytes", d.max_bytes, "Refuse files above this many bytes (file_too_large)")
      ->capture_default_str()
      ->check(limits);
  cmd->add_option("--max-decode-memory", d.max_decode_memory,
                  "Refuse an image whose decoder would need more than this many bytes of memory "
                  "beyond its pixels, e.g. a progressive JPEG's coefficient arrays (resource_limit)")
      ->capture_default_str()
      ->check(limits);
  cmd->add_option("--max-decode-cpu-ms", d.max_decode_cpu_ms,
                  "Stop decoding an input after this many ms of CPU time (resource_limit; 0 = no limit)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{0}, DecodeOptions::kMaxDecodeCpuMs));
}

void add_pipeline_options(CLI::App* cmd, EngineOptions& o) {
  cmd->add_option("inputs", o.inputs,
                  "Files, directories (recursive), or - to read paths from stdin (or raw frames "
                  "with --raw)");
  cmd->add_option("-t,--threads", o.threads, "Worker threads (default 0: all cores)")
      ->check(CLI::Range(0u, kMaxThreads));
  cmd->add_flag("--sort", o.sort, "Write records in input order (bounded reorder buffer)");
  cmd->add_option_function<std::string>(
         "-f,--format",
         [&o](const std::string& f) {
           o.format = f == "jsonl" ? OutFormat::jsonl : f == "csv" ? OutFormat::csv : OutFormat::table;
         },
         "jsonl (default when stdout is not a terminal), csv, table (default on a terminal)")
      ->check(CLI::IsMember({"jsonl", "csv", "table"}));
  cmd->add_option("-o,--output", o.output, "Write records to FILE (truncated) instead of stdout");
  cmd->add_option("--resume", o.resume,
                  "Append JSON lines to FILE, skipping inputs that already have a record there");
  cmd->add_flag("-q,--quiet", o.quiet, "No progress line (and no resume notice)");
  cmd->add_flag("--progress", o.progress,
                "Show progress (done/total, files/s, ETA) also when stderr is not a terminal: "
                "one line a second, and a last one (default: only on a terminal)");
  cmd->add_flag("--no-summary", o.no_summary, "No summary on stderr at the end");
  cmd->add_flag("--no-error-records", o.no_error_records,
                "Write no error records (errors are still counted, by code, in the summary); with "
                "--matches-only only matches are printed, like clamscan -i");
  cmd->add_option_function<std::string>(
      "--shard",
      [&o](const std::string& s) {
        try {
          o.shard = parse_shard(s);
        } catch (const Error& e) {
          throw CLI::ValidationError("--shard", e.what());
        }
      },
      "Scan only shard I of N (I/N, 0-based): a stable partition of the inputs by a hash of "
      "each path relative to its input directory, so N runs (a Slurm job array, GNU parallel, "
      "other machines) cover every input exactly once; join their outputs with 'pdqguard merge'");
  cmd->add_flag("--follow-symlinks", o.follow_symlinks, "Follow symbolic links inside directories");
  cmd->add_flag("--read-special", o.read_special,
                "Read FIFOs, sockets and devices like files (e.g. <(curl ...)); without it they get a "
                "not_a_file record, checked on the opened file, and never block a worker");
  cmd->add_option("--max-depth", o.max_depth,
                  "Enter at most this many directory levels below an input directory (deeper "
                  "directories get an io_error record; 0 = only the files directly in it)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1 << 20));
  cmd->add_flag("-0,--null", o.null_separated, "Paths read from stdin (-) are NUL-separated (find -print0)");
  cmd->add_option("--raw", o.raw_format,
                  "Read raw frames of this pixel format from the input (- = stdin): gray8, rgb8, "
                  "rgba8, bgr8, bgra8, i420, nv12 (the C API's names) or ffmpeg's gray, rgb24, rgba, "
                  "bgr24, bgra, yuv420p; one record per frame with \"frame\": N");
  cmd->add_option("--size", o.raw_size,
                  "Frame size for --raw, WxH: the frames' own (nothing in a raw stream says where a "
                  "frame ends). Ask ffprobe: ffprobe -v error -select_streams v:0 -show_entries "
                  "stream=width,height:stream_side_data=rotation -of csv=p=0 VIDEO; a rotation of "
                  "90/-90 swaps W and H (ffmpeg rotates while decoding). A stream ending inside a frame "
                  "gets a decode_error record; a wrong size that still divides the stream is not "
                  "detected (every frame is hashed as garbage)");
  cmd->add_flag("--dihedral", o.dihedral, "Hash the 8 rotations/flips too");
  cmd->add_flag("--fast", o.decode.fast,
                "JPEG: decode at a reduced scale (DCT scaling); faster, hashes close but not identical");
  add_decode_limit_options(cmd, o.decode);
  cmd->add_flag("!--no-archives", o.archives,
                "Do not open archives (zip, tar[.gz/.bz2/.xz/.zst], 7z): hash them as files (an error)");
  cmd->add_option("--max-archive-depth", o.archive.max_depth,
                  "Open archives nested inside archives down to this many levels")
      ->capture_default_str()
      ->check(CLI::Range(ArchiveOptions::kMinMaxDepth, ArchiveOptions::kMaxMaxDepth));
  cmd->add_option("--max-archive-bytes", o.archive.max_total_bytes,
                  "Stop reading an archive after this many uncompressed bytes (archive_limit)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, ArchiveOptions::kMaxCount));
  cmd->add_option("--max-archive-members", o.archive.max_members,
                  "Stop reading an archive after this many members (archive_limit)")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, ArchiveOptions::kMaxCount));
  cmd->add_option("--max-archive-ratio", o.archive.max_ratio,
                  "Refuse a member that inflates more than this many times its compressed size "
                  "(a zip bomb; archive_limit)")
      ->capture_default_str()
      ->check(positive_finite());
  cmd->add_flag("!--no-videos", o.videos,
                "Do not decode videos (mp4, mov, webm, mkv, avi, flv, mpegts, mpeg, wmv, ogg; "
                "recognised by content): hash them as images (an error)");
  cmd->add_option("--seconds-per-hash", o.video.seconds_per_hash,
                  "Videos (and --raw with --fps, and --all-frames animations when given): hash one "
                  "frame per S seconds, vPDQ's rule; 0 = every frame")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber)
      ->each([&o](const std::string&) { o.seconds_per_hash_given = true; });
  cmd->add_option("--fps", o.raw_fps,
                  "--raw: the stream's frame rate; frames are then sampled as vPDQ samples a "
                  "video (one per --seconds-per-hash) and records get \"timestamp\"")
      ->check(positive_finite());
  cmd->add_flag("--all-matches", o.all_matches,
                "Videos and --all-frames animations: report every frame's matches (default: one "
                "per list entry, its nearest frame)");
  cmd->add_flag("--all-frames", o.all_frames,
                "Animations (GIF, WebP, APNG): hash and match every frame, composited as Pillow "
                "shows it (with --seconds-per-hash: one frame per S seconds of the animation's "
                "timestamps, frame 0 always); the record keeps frame 0's hash (what HMA hashes) "
                "and gains frames_hashed, duration, and each match's frame and timestamp");
  cmd->add_option("--max-duration", o.video.max_duration_seconds,
                  "Refuse videos longer than this many seconds (video_too_long)")
      ->capture_default_str()
      ->check(positive_finite());
  cmd->add_option("--max-frames", o.video.max_frames,
                  "Refuse videos of more than this many frames (video_too_long)")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, std::numeric_limits<std::int64_t>::max()));
  cmd->add_option("--max-video-bytes", o.video.max_bytes,
                  "Refuse video files above this many bytes (file_too_large; streamed from disk, "
                  "so --max-bytes does not apply to them)")
      ->capture_default_str()
      ->check(CLI::Range(DecodeOptions::kMinLimit, DecodeOptions::kMaxLimit));
  cmd->add_flag("--strict-decode", o.decode.strict,
                "Decoder warnings (e.g. premature end of JPEG data) become decode_error records");
  cmd->add_flag("--apply-exif-orientation", o.decode.apply_exif_orientation,
                "JPEG/PNG/WebP: rotate pixels as the EXIF orientation says (off: lists hash stored pixels; TIFF and HEIF/AVIF orientation is always applied, as Pillow/libheif do)");
}

void load_video_lists(const std::vector<std::string>& files, const VpdqMatchOptions& match,
                      EngineOptions& o) {
  std::vector<std::string> names;  // a directory stands for its regular files, sorted
  for (const std::string& f : files) {
    std::error_code ec;
    if (!std::filesystem::is_directory(f, ec)) {
      names.push_back(f);
      continue;
    }
    std::vector<std::string> in_dir;
    for (const auto& e : std::filesystem::directory_iterator(f, ec))
      if (e.is_regular_file(ec)) in_dir.push_back(e.path().string());
    if (ec) throw Error(ErrorCode::io_error, f + ": cannot list the directory: " + ec.message());
    std::sort(in_dir.begin(), in_dir.end());
    names.insert(names.end(), in_dir.begin(), in_dir.end());
  }
  std::vector<VpdqVideo> videos;
  videos.reserve(names.size());
  for (const std::string& f : names) videos.push_back(read_vpdq_file(f));
  o.video_index = VpdqIndex::build(videos, match);
  o.video_list_names = std::move(names);
  std::string what = "video lists: " + std::to_string(o.video_index->video_count()) +
                     " video(s), " + std::to_string(o.video_index->frame_count()) + " kept frames";
  o.matcher_description = o.matcher_description.empty() ? what : o.matcher_description + "; " + what;
}

}  // namespace pdqguard::cli
