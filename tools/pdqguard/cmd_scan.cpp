// pdqguard scan (also `pdqguard match`: the same command under the name the
// matching issue uses): hash inputs and match them against blocklists.
#include "commands.hpp"
#include "engine.hpp"

#include <pdqguard/error.hpp>

#include <memory>

namespace pdqguard::cli {

namespace {
struct ScanOptions {
  EngineOptions engine;
  ListOptions lists;
  std::vector<std::string> video_lists;  ///< --video-list: vPDQ files, one video each
  VpdqMatchOptions video_match;          ///< HMA's thresholds unless changed
};

void add_one(CLI::App& app, std::function<int()>& run, const char* name, const char* what) {
  auto o = std::make_shared<ScanOptions>();
  o->engine.command = name;
  CLI::App* cmd = app.add_subcommand(name, what);
  cmd->footer(
      "Records (JSON lines): the hash record plus \"matches\": [{\"list\",\"id\",\"label\",\"hash\","
      "\"distance\",\"variant\"}] (empty when nothing matched) and \"low_quality\": true when "
      "quality < --min-quality or the image is too small to hash (such hashes are never matched, whatever --min-quality is); error records "
      "{\"path\",\"error\",\"message\"}; with --hashes, {\"line\",\"hash\",\"matches\"}; with --raw, "
      "\"frame\": N instead of \"path\" (and \"timestamp\" with --fps).\n"
      "Videos (recognised by content) get one record: format (the container), width, height, the "
      "first hashed frame's hash and quality, \"frames_hashed\", \"duration\", matches with "
      "\"frame\" and \"timestamp\" (one per list entry: its nearest frame; --all-matches for "
      "every frame's), and with --video-list \"video_matches\": [{\"list\",\"id\","
      "\"query_percent\",\"target_percent\",\"query_frames\",\"target_frames\"}].\n"
      "Examples:\n"
      "  pdqguard scan --list known.txt /mnt/dump -o results.jsonl\n"
      "  pdqguard scan --index known.pdqi --dihedral --matches-only /mnt/dump\n"
      "  pdqguard scan --list known.txt --resume results.jsonl /mnt/dump   # continue a stopped scan\n"
      "  pdqguard match --list known.csv --hashes incoming.txt\n"
      "  pdqguard scan --list known.txt --video-list known-videos/ /mnt/uploads\n"
      "  ffmpeg -i clip.mp4 -f rawvideo -pix_fmt yuv420p - | "
      "pdqguard scan --list known.txt --raw yuv420p --size 1280x720 -\n"
      "Exit status: 0 nothing matched and no errors, 1 at least one match (even if errors also "
      "occurred), 2 errors and no match (or the lists could not be loaded), 130/143 interrupted "
      "by SIGINT/SIGTERM (records in flight were written; rerun with --resume).");
  // One FILE per flag (--list a --list b): the help says so rather than "FILE ...".
  cmd->add_option("-l,--list", o->lists.lists, "Hash list to match against, one per flag: --list a --list b")
      ->type_name("FILE (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false);
  cmd->add_option("--index", o->lists.index,
                  "A built index file (pdqguard index build); --list files are added to it");
  cmd->add_option("--index-kind", o->lists.index_kind, "flat, bktree, mih or auto (lists only)")
      ->capture_default_str();
  add_list_policy_options(cmd, o->lists);
  cmd->add_option("--threshold", o->engine.threshold, "Maximum Hamming distance of a match")
      ->capture_default_str()
      ->check(CLI::Range(kMinRadius, kMaxRadius));
  cmd->add_option("--min-quality", o->engine.min_quality,
                  "Hashes below this quality are reported with \"low_quality\": true, not matched")
      ->capture_default_str()
      ->check(CLI::Range(kMinMinQuality, kMaxMinQuality));
  cmd->add_flag("--matches-only", o->engine.matches_only, "Print only matches and errors (like clamscan --infected)");
  cmd->add_option("--video-list", o->video_lists,
                  "A vPDQ hash file (vpdq text or ThreatExchange JSON, one video each) or a directory "
                  "of them (its files, sorted) to score every video against (HMA's rule); "
                  "repeatable; matches go in \"video_matches\"")
      ->allow_extra_args(false);
  cmd->add_option("--video-query-threshold", o->video_match.query_threshold,
                  "--video-list: query match % needed")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--video-target-threshold", o->video_match.target_threshold,
                  "--video-list: target match % needed")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  cmd->add_option("--hashes", o->engine.hashes,
                  "Match hex hashes from FILE (- = stdin), one per line (\"HASH[,QUALITY]\"), instead of images");
  add_pipeline_options(cmd, o->engine);
  cmd->callback([o, &run] {
    if (o->lists.lists.empty() && o->lists.index.empty() && o->video_lists.empty())
      throw CLI::ValidationError("--list/--index",
                                 "give at least one --list FILE, an --index FILE or a --video-list FILE");
    if (o->engine.inputs.empty() && o->engine.raw_format.empty() && o->engine.hashes.empty())
      throw CLI::RequiredError("inputs");
    run = [o] {
      if (!o->lists.lists.empty() || !o->lists.index.empty()) {
        LoadedLists loaded = load_lists(o->lists, o->engine.quiet);
        o->engine.matcher = std::move(loaded.matcher);
        o->engine.matcher_description = std::move(loaded.description);
      }
      if (!o->video_lists.empty()) load_video_lists(o->video_lists, o->video_match, o->engine);
      return run_engine(o->engine);
    };
  });
}
}  // namespace

void add_scan_commands(CLI::App& app, std::function<int()>& run) {
  add_one(app, run, "scan", "Hash inputs and match them against hash lists (the trust-and-safety scan)");
  add_one(app, run, "match", "Same as scan (the name the matching API uses)");
}

}  // namespace pdqguard::cli
