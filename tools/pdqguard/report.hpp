// Reading the JSON-lines records of earlier runs (`pdqguard report`, `pdqguard merge`):
// one job's outputs, e.g. resumed or sharded, summed up as one job.
#pragma once

#include "records.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace pdqguard::cli {

/// The whole job's counts, built record by record. Not thread-safe.
class JobSummary {
 public:
  /// What add() did with a line.
  enum class Added {
    unreadable,  ///< not a record: counted as an unreadable line
    first,       ///< the input's first record: counted in the totals
    retry,       ///< a later record of an input whose record so far is an error --resume
                 ///< retries (retried_on_resume, resume.hpp): it replaces that one in the totals
    doubled,     ///< the input already had a final record: counted as doubled, not in the totals
  };
  /// Counts one line of an output file: `rec` is its record (nullopt: a line that is
  /// not a record). A record replaces the input's earlier one exactly when --resume
  /// would have retried the input after that earlier one (the same rule, one home);
  /// any other second record of an input is doubled.
  Added add(const std::optional<Record>& rec);
  /// A file's last line had no newline (a run killed while writing): it is not read.
  void add_torn_tail() { ++torn_; }
  /// True when the input's key (resume_key: kind + exact path, frame or line) was read.
  bool has(InputKind kind, const std::string& path, std::int64_t number) const;
  /// True when some record's path is an archive member of `path` ("path!/...").
  bool has_archive(const std::string& path) const;

  std::uint64_t inputs() const { return keys_.size(); }
  std::uint64_t doubled() const { return doubled_; }
  std::uint64_t retried() const { return retried_; }
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
  void count(const Record& r);
  void uncount_error(const std::string& code);

  std::unordered_set<std::uint64_t> keys_;
  std::unordered_map<std::uint64_t, std::string> retriable_;  // inputs whose record so far is a retried error: its code
  std::unordered_set<std::uint64_t> archives_;  // resume_key of outer archive paths
  std::uint64_t records_ = 0, doubled_ = 0, retried_ = 0, unreadable_ = 0, torn_ = 0;
  std::uint64_t hashed_ = 0, matched_ = 0, low_quality_ = 0, errors_ = 0;
  bool matching_ = false;
  std::map<std::string, std::uint64_t> by_error_, by_format_;
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> by_list_;  // inputs, matches
};

/// The output of `merge` and `report --format csv`: each input's final record. A record
/// that --resume would retry (retried_on_resume) is held back until a later record of
/// its input replaces it (dropped) or the input has no other (written by flush()).
/// Not thread-safe.
class FinalRecords {
 public:
  using Write = std::function<void(const std::string&)>;
  /// Takes `text`, the output of record `r`, which JobSummary::add judged `added`
  /// (`first` or `retry`; others are ignored): written now when `r` is final, else held.
  void put(const Record& r, JobSummary::Added added, std::string text, const Write& write);
  /// Writes the held records that no later record replaced, in the order they were read.
  void flush(const Write& write);

 private:
  std::vector<std::optional<std::string>> held_;
  std::unordered_map<std::uint64_t, std::size_t> at_;  // key of an input -> its held record
};

/// Calls `each(line, record)` for every newline-terminated line of the JSON-lines
/// files (a line that is not a record gets nullopt); a last line without a newline
/// is reported to `torn(file)` and not read. "-" is stdin. Throws Error(io_error).
void read_record_lines(const std::vector<std::string>& files,
                       const std::function<void(const std::string&, const std::optional<Record>&)>& each,
                       const std::function<void(const std::string&)>& torn);

}  // namespace pdqguard::cli
