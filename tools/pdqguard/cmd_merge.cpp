// pdqguard merge OUT... -o ALL: joins the outputs of one job's runs (--shard I/N runs,
// resumed runs, a Dask run's partitions) into one file, checks that no input has two
// records and, given the job's inputs (--expect), that none is missing, and prints
// the whole job's summary.
#include "commands.hpp"
#include "output.hpp"
#include "records.hpp"
#include "report.hpp"
#include "stats.hpp"
#include "walk.hpp"

#include <pdqguard/error.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

namespace pdqguard::cli {

namespace {
struct MergeOptions {
  std::vector<std::string> files;
  std::string output;
  std::vector<std::string> expect;
  bool null_separated = false;
  bool follow_symlinks = false;
  int max_depth = kDefaultMaxDepth;
  bool quiet = false;
};

constexpr int kShownPaths = 10;

int run_merge(const MergeOptions& o) {
  int fd = STDOUT_FILENO;
  if (!o.output.empty()) {
    struct stat out {};
    if (::stat(o.output.c_str(), &out) == 0)
      for (const std::string& f : o.files) {
        struct stat in {};
        if (::stat(f.c_str(), &in) == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino)
          throw Error(ErrorCode::invalid_argument, o.output + " is also an input: write the merge elsewhere");
      }
    fd = ::open(o.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(ErrorCode::io_error, o.output + ": cannot open: " + std::strerror(errno));
  }
  Sink sink(fd, false, 0);
  JobSummary summary;
  int shown = 0;
  // Records are copied byte for byte (never re-rendered): the merged file holds
  // exactly what the runs wrote, each input's final record only (FinalRecords: an
  // error --resume retried is replaced by the retry's record).
  FinalRecords final_records;
  const FinalRecords::Write write = [&](const std::string& text) {
    if (!sink.failed()) sink.write_now(text);
  };
  read_record_lines(
      o.files,
      [&](const std::string& line, const std::optional<Record>& r) {
        const JobSummary::Added added = summary.add(r);
        if (added == JobSummary::Added::doubled) {
          if (shown++ < kShownPaths && !o.quiet)
            std::fprintf(stderr, "pdqguard: doubled input (later record left out): %s\n",
                         escape_text(r->kind == InputKind::file ? r->path : line, true).c_str());
          return;
        }
        if (!r) {
          if (!o.quiet)
            std::fprintf(stderr, "pdqguard: not a record (left out): %s\n", escape_text(line.substr(0, 200), true).c_str());
          return;
        }
        final_records.put(*r, added, line + "\n", write);
      },
      [&](const std::string& f) {
        summary.add_torn_tail();
        std::fprintf(stderr, "pdqguard: %s: the last line has no newline (a run stopped while writing it): left out\n",
                     f.c_str());
      });
  final_records.flush(write);
  if (fd != STDOUT_FILENO) ::close(fd);

  std::vector<std::pair<std::string, std::string>> extra;
  std::uint64_t missing = 0, expected = 0;
  if (!o.expect.empty()) {
    // The same walk as scan's (walk.cpp): every input it would give a record to.
    Stats stats;
    shown = 0;
    walk_inputs(o.expect, WalkOptions{o.null_separated, o.follow_symlinks, o.max_depth}, stats,
                [&](WorkItem&& w) {
                  ++expected;
                  if (summary.has(w.kind, w.path, w.number) || summary.has_archive(w.path)) return true;
                  ++missing;
                  if (shown++ < kShownPaths && !o.quiet)
                    std::fprintf(stderr, "pdqguard: missing input (no record): %s\n", escape_text(w.path, true).c_str());
                  return true;
                });
    extra.emplace_back("Expected inputs:", std::to_string(expected) + " (walked from --expect)");
    extra.emplace_back("Missing:", std::to_string(missing) + (missing ? " inputs without a record" : ""));
  }
  std::fputs(summary.text(extra).c_str(), stderr);
  if (sink.broken_pipe()) exit_broken_pipe();
  if (sink.failed()) {
    std::fprintf(stderr, "pdqguard: writing failed: %s\n", sink.failure().c_str());
    return kExitError;
  }
  const int status = summary.exit_status();
  return status == kExitClean && missing ? kExitError : status;
}
}  // namespace

void add_merge_command(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<MergeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "merge", "Join one job's JSON-lines outputs (shards, resumed runs), check that no input is doubled or missing, print the job's summary");
  cmd->footer(
      "Each input's record is written as it was read (byte for byte), once: when --resume retried an "
      "input after a transient error (out_of_memory, io_error), the retry's record replaces the error's "
      "(written after the others); any other later record of the same input (same exact path, frame or "
      "line) is left out and reported as doubled. With --expect, the job's inputs "
      "are walked as scan walks them and each must have a record (an archive: a record of one of its "
      "members). The summary ('pdqguard report') goes to stderr.\n"
      "Examples:\n"
      "  for i in 0 1 2 3; do pdqguard scan --index known.pdqi --shard $i/4 -o part-$i.jsonl /mnt/dump & done; wait\n"
      "  pdqguard merge part-*.jsonl -o all.jsonl --expect /mnt/dump\n"
      "Exit status: 1 something matched; else 2 an error record, a doubled or missing input, or an "
      "unreadable or torn line; else 0.");
  cmd->add_option("files", o->files, "JSON-lines outputs of the job's runs (- = stdin)")->required();
  cmd->add_option("-o,--output", o->output, "Write the merged records to FILE (truncated) instead of stdout");
  cmd->add_option("--expect", o->expect,
                  "The job's inputs (files, directories, - for paths on stdin), walked as scan walks "
                  "them: report any without a record")
      ->allow_extra_args(false);
  cmd->add_flag("-0,--null", o->null_separated, "Paths read from stdin (--expect -) are NUL-separated");
  cmd->add_flag("--follow-symlinks", o->follow_symlinks, "As scan's --follow-symlinks, for --expect");
  cmd->add_option("--max-depth", o->max_depth, "As scan's --max-depth, for --expect")->capture_default_str();
  cmd->add_flag("-q,--quiet", o->quiet, "Do not list doubled or missing inputs (only count them)");
  cmd->callback([o, &run] { run = [o] { return run_merge(*o); }; });
}

}  // namespace pdqguard::cli
