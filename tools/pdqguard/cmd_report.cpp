// pdqguard report OUT.jsonl...: the whole job's summary of earlier runs' records (resumed,
// sharded or merged runs), or their conversion to CSV with scan's own CSV writer.
#include "commands.hpp"
#include "output.hpp"
#include "records.hpp"
#include "report.hpp"
#include "resume.hpp"

#include <pdqguard/error.hpp>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

namespace pdqguard::cli {

namespace {
constexpr const char* kMemberSeparator = "!/";  // archive member paths: "a.zip!/dir/x.jpg"

std::uint64_t key_of(const Record& r) { return resume_key(r.kind, r.path, r.number); }

std::string counts(const std::map<std::string, std::uint64_t>& m) {
  std::string s;
  for (const auto& [k, n] : m) s += (s.empty() ? "" : ", ") + escape_text(k, true) + " " + std::to_string(n);
  return s.empty() ? "-" : s;
}
}  // namespace

JobSummary::Added JobSummary::add(const std::optional<Record>& rec) {
  if (!rec) {
    ++unreadable_;
    return Added::unreadable;
  }
  const Record& r = *rec;
  ++records_;
  const std::uint64_t key = key_of(r);
  Added added = Added::first;
  if (!keys_.insert(key).second) {
    const auto earlier = retriable_.find(key);
    if (earlier == retriable_.end()) {
      ++doubled_;
      return Added::doubled;
    }
    // --resume retried this input after its transient error: this record replaces it.
    uncount_error(earlier->second);
    retriable_.erase(earlier);
    ++retried_;
    added = Added::retry;
  }
  if (!r.ok && retried_on_resume(r.error)) retriable_.emplace(key, r.error);
  count(r);
  return added;
}

void JobSummary::uncount_error(const std::string& code) {
  --errors_;
  const auto it = by_error_.find(code);
  if (it != by_error_.end() && --it->second == 0) by_error_.erase(it);
}

void JobSummary::count(const Record& r) {
  if (r.kind == InputKind::file) {
    const auto at = r.path.find(kMemberSeparator);
    if (at != std::string::npos) archives_.insert(resume_key(InputKind::file, r.path.substr(0, at), 0));
  }
  if (!r.ok) {
    ++errors_;
    ++by_error_[r.error];
    return;
  }
  ++hashed_;
  ++by_format_[r.format ? r.format : "hash"];
  if (r.matching || r.video_matching) matching_ = true;  // as scan's: image or video lists
  if (r.low_quality) ++low_quality_;
  if (!r.hits.empty() || !r.video_matches.empty()) {
    ++matched_;
    std::map<std::string, std::uint64_t> lists;
    for (const Match& h : r.hits) ++lists[h.list];
    for (const auto& v : r.video_matches) ++lists[v.list];
    for (const auto& [l, n] : lists) {
      ++by_list_[l].first;
      by_list_[l].second += n;
    }
  }
}

void FinalRecords::put(const Record& r, JobSummary::Added added, std::string text, const Write& write) {
  if (added != JobSummary::Added::first && added != JobSummary::Added::retry) return;
  const std::uint64_t key = key_of(r);
  if (added == JobSummary::Added::retry) {
    const auto it = at_.find(key);
    if (it != at_.end()) {
      held_[it->second].reset();
      at_.erase(it);
    }
  }
  if (r.ok || !retried_on_resume(r.error)) {
    write(text);
    return;
  }
  at_[key] = held_.size();
  held_.emplace_back(std::move(text));
}

void FinalRecords::flush(const Write& write) {
  for (auto& h : held_)
    if (h) write(*h);
  held_.clear();
  at_.clear();
}

bool JobSummary::has(InputKind kind, const std::string& path, std::int64_t number) const {
  return keys_.count(resume_key(kind, path, number)) != 0;
}

bool JobSummary::has_archive(const std::string& path) const {
  return archives_.count(resume_key(InputKind::file, path, 0)) != 0;
}

int JobSummary::exit_status() const {
  if (matched_) return kExitMatch;
  if (errors_ || unreadable() || doubled_) return kExitError;
  return kExitClean;
}

std::string JobSummary::text(const std::vector<std::pair<std::string, std::string>>& extra) const {
  std::string t = "----------- pdqguard job report -----------\n";
  char b[64];
  auto row = [&](const std::string& k, const std::string& v) {
    std::snprintf(b, sizeof b, "%-20s ", k.c_str());
    t += b + v + "\n";
  };
  row("Records:", std::to_string(records_) + " (" + std::to_string(unreadable_) + " unreadable lines, " +
                      std::to_string(torn_) + " torn last lines)");
  row("Inputs:", std::to_string(keys_.size()));
  row("Doubled:", std::to_string(doubled_) + (doubled_ ? " more records of inputs already recorded" : ""));
  row("Retried:", std::to_string(retried_) +
                      (retried_ ? " transient error records replaced by a --resume retry's record" : ""));
  for (const auto& [k, v] : extra) row(k, v);
  row("Hashed:", std::to_string(hashed_));
  row("By format:", counts(by_format_));
  if (matching_) {
    row("Matched:", std::to_string(matched_));
    row("Low quality:", std::to_string(low_quality_) + " (hashed, not matched)");
    std::string lists;
    for (const auto& [l, n] : by_list_)
      lists += (lists.empty() ? "" : ", ") + escape_text(l, true) + " " + std::to_string(n.first) + " inputs (" +
               std::to_string(n.second) + " entries)";
    row("Matches by list:", lists.empty() ? "-" : lists);
  }
  row("Errors:", std::to_string(errors_) + (by_error_.empty() ? "" : " (" + counts(by_error_) + ")"));
  return t;
}

std::string JobSummary::json() const {
  nlohmann::ordered_json j;
  j["records"] = records_;
  j["unreadable_lines"] = unreadable_;
  j["torn_lines"] = torn_;
  j["inputs"] = keys_.size();
  j["doubled"] = doubled_;
  j["retried"] = retried_;
  j["hashed"] = hashed_;
  j["by_format"] = by_format_;
  if (matching_) {
    j["matched"] = matched_;
    j["low_quality"] = low_quality_;
    nlohmann::ordered_json l = nlohmann::ordered_json::object();
    for (const auto& [name, n] : by_list_) l[name] = {{"inputs", n.first}, {"matches", n.second}};
    j["matches_by_list"] = std::move(l);
  }
  j["errors"] = errors_;
  j["by_error"] = by_error_;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

void read_record_lines(const std::vector<std::string>& files,
                       const std::function<void(const std::string&, const std::optional<Record>&)>& each,
                       const std::function<void(const std::string&)>& torn) {
  for (const std::string& file : files) {
    std::FILE* f = file == "-" ? stdin : std::fopen(file.c_str(), "rb");
    if (!f) throw Error(ErrorCode::io_error, file + ": cannot open: " + std::strerror(errno));
    struct Closer {
      std::FILE* f;
      ~Closer() {
        if (f != stdin) std::fclose(f);
      }
    } closer{f};
    char* buf = nullptr;
    std::size_t cap = 0;
    std::unique_ptr<char, decltype(&std::free)> owner(nullptr, &std::free);
    ssize_t n;
    while ((n = ::getline(&buf, &cap, f)) > 0) {
      owner.release();
      owner.reset(buf);
      if (buf[n - 1] != '\n') {
        torn(file);
        break;
      }
      const std::string line(buf, static_cast<std::size_t>(n - 1));
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      each(line, j.is_discarded() ? std::nullopt : record_from_json(j));
    }
    owner.release();
    owner.reset(buf);
    if (std::ferror(f)) throw Error(ErrorCode::io_error, file + ": read failed");
  }
}

namespace {
struct ReportOptions {
  std::vector<std::string> files;
  std::string format = "text";
  std::string output;
};

int run_report(const ReportOptions& o) {
  int fd = STDOUT_FILENO;
  if (!o.output.empty()) {
    fd = ::open(o.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw Error(ErrorCode::io_error, o.output + ": cannot open: " + std::strerror(errno));
  }
  Sink sink(fd, false, 0);
  JobSummary summary;
  const auto torn = [&](const std::string& f) {
    summary.add_torn_tail();
    std::fprintf(stderr, "pdqguard: %s: the last line has no newline (a run stopped while writing it): not read\n",
                 f.c_str());
  };
  if (o.format == "csv") {
    // The CSV header needs to know whether these are match records (image lists) and
    // whether video lists were scored: a first pass.
    bool matching = false, video_lists = false;
    read_record_lines(o.files, [&](const std::string&, const std::optional<Record>& r) {
      matching = matching || (r && r->matching);
      video_lists = video_lists || (r && r->video_matching);
    }, [](const std::string&) {});
    sink.write_now(csv_header(matching, video_lists));
    FinalRecords final_records;
    const FinalRecords::Write write = [&](const std::string& row) {
      if (!sink.failed()) sink.write_now(row);
    };
    read_record_lines(o.files, [&](const std::string&, const std::optional<Record>& r) {
      const JobSummary::Added added = summary.add(r);
      if (r) final_records.put(*r, added, render_csv(*r, matching, video_lists), write);
    }, torn);
    final_records.flush(write);
  } else {
    read_record_lines(o.files, [&](const std::string&, const std::optional<Record>& r) { summary.add(r); }, torn);
  }
  if (o.format == "text") sink.write_now(summary.text());
  else if (o.format == "json") sink.write_now(summary.json());
  else std::fputs(summary.text().c_str(), stderr);
  if (fd != STDOUT_FILENO) ::close(fd);
  if (sink.broken_pipe()) exit_broken_pipe();
  if (sink.failed()) {
    std::fprintf(stderr, "pdqguard: writing failed: %s\n", sink.failure().c_str());
    return kExitError;
  }
  return summary.exit_status();
}
}  // namespace

void add_report_command(CLI::App& app, std::function<int()>& run) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report", "Summarise the JSON-lines records of one job (several files: resumed or sharded runs), or convert them to CSV");
  cmd->footer(
      "Reads the records 'scan'/'hash' wrote (--format jsonl, -o or --resume), counts each input once "
      "(by its exact path, frame or line) and reports: inputs, doubled inputs, unreadable or torn lines, "
      "hashed by format, matched inputs and entries by list, errors by code.\n"
      "An input with two records because --resume retried it after a transient error (out_of_memory, "
      "io_error) counts once, by its later record; any other second record of an input is doubled.\n"
      "Formats: text (the summary, default), json (the summary as one JSON object), csv (the records as "
      "scan --format csv writes them, each input's final record once: a doubled input's later records "
      "left out; the summary on stderr). The video_matches column is there when a record has "
      "\"video_matches\" (a video scanned with --video-list).\n"
      "Examples:\n"
      "  pdqguard report results.jsonl\n"
      "  pdqguard report shard-*.jsonl --format csv -o results.csv\n"
      "Exit status: 1 something matched; else 2 an error record, an unreadable or torn line or a doubled "
      "input; else 0.");
  cmd->add_option("files", o->files, "JSON-lines record files (- = stdin)")->required();
  cmd->add_option("-f,--format", o->format, "text, json or csv")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json", "csv"}));
  cmd->add_option("-o,--output", o->output, "Write to FILE (truncated) instead of stdout");
  cmd->callback([o, &run] { run = [o] { return run_report(*o); }; });
}

}  // namespace pdqguard::cli
