// Reading the JSON-lines records of earlier runs (`pdqguard report`, `pdqguard merge`):
// one job's outputs, e.g. resumed or sharded, summed up as one job.
#pragma once

#include "records.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace pdqguard::cli {

/// The whole job's counts, built record by record. Not thread-safe.
class JobSummary {
 public:
  /// Counts one line of an output file: `rec` is its record (nullopt: a line that is
  /// not a record, counted as unreadable). Returns false when the line's input already
  /// had a record (a doubled input: counted, and not counted again in the totals).
  bool add(const std::optional<Record>& rec);
  /// A file's last line had no newline (a run killed while writing): it is not read.
  void add_torn_tail() { ++torn_; }
  /// True when the input's key (resume_key: kind + exact path, frame or line) was read.
  bool has(InputKind kind, const std::string& path, std::int64_t number) const;
  /// True when some record's path is an archive member of `path` ("path!/...").
  bool has_archive(const std::string& path) const;

  std::uint64_t inputs() const { return keys_.size(); }
  std::uint64_t doubled() const { return doubled_; }
  std::uint64_t unreadable() const { return unreadable_ + torn_; }
  std::uint64_t matched() const { return matched_; }
  std::uint64_t errors() const { return errors_; }
  bool matching() const { return matching_; }

  /// The summary block (by error code, by format, matches by list); `extra` rows
  /// (label, value) are added before the totals (merge: missing inputs).
  std::string text(const std::vector<std::pair<std::string, std::string>>& extra = {}) const;
  /// The same as one JSON object.
  std::string json() const;
  /// The job's exit status, as `scan`'s: 1 when something matched; else 2 when a record
  /// is an error, or a line was unreadable or torn, or an input was doubled; else 0.
  int exit_status() const;

 private:
  std::unordered_set<std::uint64_t> keys_;
  std::unordered_set<std::uint64_t> archives_;  // resume_key of outer archive paths
  std::uint64_t records_ = 0, doubled_ = 0, unreadable_ = 0, torn_ = 0;
  std::uint64_t hashed_ = 0, matched_ = 0, low_quality_ = 0, errors_ = 0;
  bool matching_ = false;
  std::map<std::string, std::uint64_t> by_error_, by_format_;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> by_list_;  // inputs, matches
};

/// Calls `each(line, record)` for every newline-terminated line of the JSON-lines
/// files (a line that is not a record gets nullopt); a last line without a newline
/// is reported to `torn(file)` and not read. "-" is stdin. Throws Error(io_error).
void read_record_lines(const std::vector<std::string>& files,
                       const std::function<void(const std::string&, const std::optional<Record>&)>& each,
                       const std::function<void(const std::string&)>& torn);

}  // namespace pdqguard::cli
