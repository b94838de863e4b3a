// Hash list parsers: plain hex lines, CSV/TSV with a header (RFC 4180, ThreatExchange's
// export among them), python-threatexchange files. Lines come from lib/text's reader.
#include <pdqguard/index.hpp>

#include "text/line_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <istream>
#include <iterator>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pdqguard {

const char* list_format_name(ListFormat f) noexcept {
  switch (f) {
    case ListFormat::plain: return "plain";
    case ListFormat::csv: return "csv";
    case ListFormat::tsv: return "tsv";
    case ListFormat::threatexchange: return "threatexchange";
  }
  return "unknown";
}

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

/// Validates a PDQ hash field, with reasons a person can act on.
bool parse_hash_field(std::string_view f, Hash256& out, std::string& why) {
  f = trim(f);
  if (f.empty()) {
    why = "empty hash field";
    return false;
  }
  if (f.size() == 64 && Hash256::try_from_hex(f, out)) return true;
  const bool all_hex = std::all_of(f.begin(), f.end(), is_hex);
  if (all_hex) {
    why = std::to_string(f.size()) + " hex characters";
    if (f.size() == 32) why += " (an MD5?)";
    if (f.size() == 40) why += " (a SHA-1?)";
    why += ", a PDQ hash has 64";
    return false;
  }
  for (std::size_t i = 0; i < f.size(); ++i) {
    if (!is_hex(f[i])) {
      const unsigned char c = static_cast<unsigned char>(f[i]);
      std::string shown = (c >= 0x20 && c < 0x7f) ? std::string("'") + static_cast<char>(c) + "'"
                                                   : "byte 0x" + [c] {
                                                       const char* d = "0123456789abcdef";
                                                       return std::string{d[c >> 4], d[c & 15]};
                                                     }();
      why = "not a hex digit at character " + std::to_string(i + 1) + " (" + shown + ")";
      if (f.size() != 64) why += "; also " + std::to_string(f.size()) + " characters, a PDQ hash has 64";
      return false;
    }
  }
  why = "malformed hash";
  return false;
}

bool parse_quality(std::string_view f, int& q, std::string& why) {
  f = trim(f);
  if (f.empty()) {
    q = -1;
    return true;
  }
  int v = 0;
  auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
  if (ec != std::errc() || p != f.data() + f.size() || v < 0 || v > 100) {
    why = "quality '" + std::string(f.substr(0, 20)) + "' is not an integer 0..100";
    return false;
  }
  q = v;
  return true;
}

enum class Split { ok, unterminated, bad };

/// Where a split stopped: inside a quoted field still open at the end of the
/// text given. The fields before it are kept in the caller's `out`.
struct OpenField {
  std::string text;  ///< the open field's characters so far
};

/// Splits one CSV/TSV record (RFC 4180 quotes; a quoted field may hold the
/// record's newlines: the caller goes on with the record's next physical line
/// while `unterminated`).
///
/// With `resume` false, `line` is a record's first line: `out` is cleared.
/// With `resume` true, `line` is the next physical line of a record whose
/// split returned `unterminated`, and `out` and `open` are as that split left
/// them: the split goes on inside the open field, after the newline between
/// the lines, so each byte of a record spanning many lines is scanned once.
/// The result is the same as splitting the lines joined by '\n' at once.
Split split_record(std::string_view line, char delim, std::vector<std::string>& out, std::string& why,
                   OpenField& open, bool resume = false) {
  std::size_t i = 0;
  const std::size_t n = line.size();
  bool quoted = resume;  // inside a quoted field, at `i`
  std::string field;
  if (resume) {
    field = std::move(open.text);
    field += '\n';
  } else {
    out.clear();
  }
  while (true) {
    if (!quoted) {
      field.clear();
      // skip leading spaces before a quote
      std::size_t j = i;
      while (j < n && line[j] == ' ' && delim != ' ') ++j;
      if (j < n && line[j] == '"') {
        quoted = true;
        i = j + 1;
      }
    }
    if (quoted) {
      quoted = false;
      bool closed = false;
      while (i < n) {
        if (line[i] == '"') {
          if (i + 1 < n && line[i + 1] == '"') {
            field += '"';
            i += 2;
          } else {
            closed = true;
            ++i;
            break;
          }
        } else {
          field += line[i++];
        }
      }
      if (!closed) {
        why = "unterminated quoted field";
        open.text = std::move(field);
        return Split::unterminated;
      }
      while (i < n && line[i] != delim) {
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
          why = "text after a closing quote";
          return Split::bad;
        }
        ++i;
      }
    } else {
      while (i < n && line[i] != delim) field += line[i++];
    }
    out.push_back(std::move(field));
    if (i >= n) break;
    ++i;  // the delimiter
  }
  return Split::ok;
}

Split split_record(std::string_view line, char delim, std::vector<std::string>& out, std::string& why) {
  OpenField unused;
  return split_record(line, delim, out, why, unused);
}

class Parser {
 public:
  Parser(const std::string& name, const ParseOptions& o) : opt_(o) { list_.name = name; }

  /// One physical line (without its '\n'; a trailing '\r' is dropped here).
  /// `lineno` is 1-based. The BOM is removed by the drivers.
  void line(std::string_view line, std::size_t lineno) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (opt_.max_line_bytes != 0 && line.size() > opt_.max_line_bytes) {
      too_long(lineno);
      return;
    }
    if (line.find('\0') != std::string_view::npos) {
      drop_pending();
      problem(lineno, "NUL byte in line (binary data?)", false);
      return;
    }
    if (pending_) {  // inside a quoted CSV field that holds newlines
      pending_bytes_ += 1 + line.size();
      if (opt_.max_line_bytes != 0 && pending_bytes_ > opt_.max_line_bytes) {
        clear_pending();
        problem(pending_line_, "a quoted field spans lines past " + std::to_string(opt_.max_line_bytes) +
                                   " bytes (max_line_bytes): not a hash list record",
                false);
        return;
      }
      csv_line(line, pending_line_, true);  // only this line is scanned: linear in the record
      return;
    }
    std::string_view t = trim(line);
    if (!decided_) {
      if (t.empty() || t.front() == '#') return;
      decided_ = true;
      if (decide(t, lineno)) return;  // header consumed
    }
    if (list_.format == ListFormat::csv || list_.format == ListFormat::tsv) {
      if (t.empty()) return;
      csv_line(line, lineno);
    } else {
      if (t.empty() || t.front() == '#') return;
      if (list_.format == ListFormat::threatexchange)
        te_line(t, lineno);
      else
        plain_line(t, lineno);
    }
  }

  /// A line longer than max_line_bytes (its text is not kept): a malformed line.
  void too_long(std::size_t lineno) {
    drop_pending();
    problem(lineno,
            "line longer than " + std::to_string(opt_.max_line_bytes) + " bytes (max_line_bytes): not a hash list line",
            false);
  }

  HashList finish(std::size_t lines) {
    drop_pending();
    list_.lines = lines;
    return std::move(list_);
  }

 private:
  /// A record left open by a quoted field that never closed: malformed.
  void drop_pending() {
    if (!pending_) return;
    clear_pending();
    problem(pending_line_, "unterminated quoted field (the record runs to a later malformed line or the end)", false);
  }

  /// Chooses the format from the first meaningful line; returns true if it was a header.
  bool decide(std::string_view t, std::size_t lineno) {
    // python-threatexchange: "pdq <hash>"
    if (t.size() > 4 && lower(t.substr(0, 3)) == "pdq" && (t[3] == ' ' || t[3] == '\t')) {
      list_.format = ListFormat::threatexchange;
      return false;
    }
    const bool has_tab = t.find('\t') != std::string_view::npos;
    const bool has_comma = t.find(',') != std::string_view::npos;
    if (!has_tab && !has_comma) return false;  // plain
    const char delim = has_tab ? '\t' : ',';
    std::vector<std::string> fields;
    std::string why;
    if (split_record(t, delim, fields, why) != Split::ok) return false;
    Hash256 h;
    std::string w2;
    if (!fields.empty() && parse_hash_field(fields[0], h, w2)) return false;  // data: plain
    // Is it a header naming a hash column?
    int hash_col = -1, hash_rank = 100;
    // signal_str: ThreatExchange's export (`threatexchange dataset -P --csv`).
    static const char* kHashNames[] = {"hash", "pdq", "pdq_hash", "signal", "signal_value", "hash_value", "signal_str"};
    constexpr int kNames = static_cast<int>(std::size(kHashNames));
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const std::string n = lower(trim(fields[i]));
      for (int k = 0; k < kNames; ++k)
        if (n == kHashNames[k] && k < hash_rank) {
          hash_rank = k;
          hash_col = static_cast<int>(i);
        }
      auto is = [&](std::initializer_list<const char*> names) {
        return std::any_of(names.begin(), names.end(), [&](const char* s) { return n == s; });
      };
      if (is({"id", "indicator_id", "entry_id", "content_id", "signal_id"}) && id_col_ < 0) id_col_ = static_cast<int>(i);
      if (is({"label", "labels", "category"}) && label_col_ < 0) label_col_ = static_cast<int>(i);
      if (is({"tags"}) && tags_col_ < 0) tags_col_ = static_cast<int>(i);
      if (is({"quality"}) && quality_col_ < 0) quality_col_ = static_cast<int>(i);
      if (is({"list", "list_name", "bank", "bank_name", "collab", "collaboration"}) && list_col_ < 0)
        list_col_ = static_cast<int>(i);
      if (is({"signal_type", "type"}) && type_col_ < 0) type_col_ = static_cast<int>(i);
    }
    if (hash_col < 0) {
      // Looks like a header (first field is not a hash) but names no hash column.
      throw Error(ErrorCode::list_parse_error,
                  list_.name + ":" + std::to_string(lineno) +
                      ": header row names no hash column (expected one of hash, pdq, pdq_hash, signal, "
                      "signal_value, hash_value, signal_str)");
    }
    // A header without labels or tags: "tags" alone is the label (as before tags had a column of their own).
    if (label_col_ < 0 && tags_col_ >= 0) std::swap(label_col_, tags_col_);
    hash_col_ = hash_col;
    delim_ = delim;
    list_.format = has_tab ? ListFormat::tsv : ListFormat::csv;
    return true;
  }

  void problem(std::size_t lineno, const std::string& reason, bool ignored) {
    if (!ignored && opt_.policy == ParsePolicy::strict)
      throw Error(ErrorCode::list_parse_error, list_.name + ":" + std::to_string(lineno) + ": " + reason);
    if (ignored)
      ++list_.ignored;
    else
      ++list_.skipped;
    if (list_.problems.size() < opt_.max_problems_kept)
      list_.problems.push_back(ParseProblem{list_.name, lineno, reason});
  }

  void add(const Hash256& h, std::string id, std::string label, std::string list, int quality,
           std::size_t lineno, std::string tags = {}) {
    ListEntry e;
    e.hash = h;
    e.id = id.empty() ? std::to_string(lineno) : std::move(id);
    e.label = std::move(label);
    e.list = std::move(list);
    e.quality = quality;
    e.line = lineno;
    if (tags_col_ >= 0) list_.tags.push_back(std::move(tags));
    list_.entries.push_back(std::move(e));
  }

  void plain_line(std::string_view t, std::size_t lineno) {
    std::size_t cut = 0;
    while (cut < t.size() && t[cut] != ' ' && t[cut] != '\t' && t[cut] != ',' && t[cut] != ';' &&
           t[cut] != '|')
      ++cut;
    Hash256 h;
    std::string why;
    if (!parse_hash_field(t.substr(0, cut), h, why)) {
      problem(lineno, why, false);
      return;
    }
    std::string_view rest = cut < t.size() ? trim(t.substr(cut + 1)) : std::string_view{};
    add(h, {}, std::string(rest), {}, -1, lineno);
  }

  void te_line(std::string_view t, std::size_t lineno) {
    std::size_t sp = 0;
    while (sp < t.size() && t[sp] != ' ' && t[sp] != '\t') ++sp;
    const std::string type = lower(t.substr(0, sp));
    std::string_view rest = sp < t.size() ? trim(t.substr(sp + 1)) : std::string_view{};
    if (type != "pdq") {
      Hash256 h;
      std::string why;
      if (parse_hash_field(t.substr(0, sp), h, why)) {
        problem(lineno, "a bare hash in a 'pdq <hash>' file", false);
        return;
      }
      problem(lineno, "signal type '" + std::string(t.substr(0, std::min<std::size_t>(sp, 40))) +
                          "' is not pdq: ignored",
              true);
      return;
    }
    std::size_t cut = 0;
    while (cut < rest.size() && rest[cut] != ' ' && rest[cut] != '\t') ++cut;
    Hash256 h;
    std::string why;
    if (!parse_hash_field(rest.substr(0, cut), h, why)) {
      problem(lineno, why, false);
      return;
    }
    std::string_view more = cut < rest.size() ? trim(rest.substr(cut + 1)) : std::string_view{};
    add(h, {}, std::string(more), {}, -1, lineno);
  }

  /// Forgets an open record (its fields so far and the open field).
  void clear_pending() {
    pending_ = false;
    pending_bytes_ = 0;
    open_.text.clear();
    open_.text.shrink_to_fit();
    fields_.clear();
  }

  /// One CSV/TSV record, or its next physical line when `resume` (see
  /// split_record); `lineno` is the line the record starts on.
  void csv_line(std::string_view line, std::size_t lineno, bool resume = false) {
    std::string why;
    if (!resume) pending_bytes_ = line.size();
    const Split sp = split_record(line, delim_, fields_, why, open_, resume);
    if (sp == Split::unterminated) {  // RFC 4180: the quoted field goes on on the next line
      pending_ = true;
      pending_line_ = lineno;
      return;
    }
    pending_ = false;
    pending_bytes_ = 0;
    if (sp != Split::ok) {
      problem(lineno, why, false);
      return;
    }
    auto col = [&](int c) -> std::string_view {
      return c >= 0 && static_cast<std::size_t>(c) < fields_.size() ? trim(fields_[static_cast<std::size_t>(c)])
                                                                     : std::string_view{};
    };
    if (static_cast<std::size_t>(hash_col_) >= fields_.size()) {
      problem(lineno, "only " + std::to_string(fields_.size()) + " field(s), the hash is column " +
                          std::to_string(hash_col_ + 1),
              false);
      return;
    }
    if (type_col_ >= 0) {
      const std::string type = lower(col(type_col_));
      if (!type.empty() && type != "pdq" && type != "pdqsignal" && type != "pdq_signal") {
        problem(lineno, "signal type '" + type.substr(0, 40) + "' is not pdq: ignored", true);
        return;
      }
    }
    Hash256 h;
    if (!parse_hash_field(col(hash_col_), h, why)) {
      problem(lineno, why, false);
      return;
    }
    int q = -1;
    if (quality_col_ >= 0 && !parse_quality(col(quality_col_), q, why)) {
      problem(lineno, why, false);
      return;
    }
    add(h, std::string(col(id_col_)), std::string(col(label_col_)), std::string(col(list_col_)), q, lineno,
        std::string(col(tags_col_)));
  }

  ParseOptions opt_;
  HashList list_;
  bool decided_ = false;
  char delim_ = ',';
  int hash_col_ = -1, id_col_ = -1, label_col_ = -1, quality_col_ = -1, list_col_ = -1, type_col_ = -1,
      tags_col_ = -1;
  std::vector<std::string> fields_;
  // A CSV record whose quoted field is still open (bounded by max_line_bytes):
  // its fields so far are in fields_, the open one in open_.
  bool pending_ = false;
  std::size_t pending_bytes_ = 0;  ///< the record's bytes so far, its lines joined by '\n'
  std::size_t pending_line_ = 0;   ///< the line it starts on
  OpenField open_;
};


[[noreturn]] void too_large(const std::string& name, std::uint64_t size, std::uint64_t limit, bool at_least) {
  throw Error(ErrorCode::file_too_large, name + ": list is " + (at_least ? "more than " : "") + std::to_string(size) +
                                             " bytes, above the limit of " + std::to_string(limit) +
                                             " bytes (max_list_bytes)");
}

/// Feeds the lines of the one bounded reader (lib/text) to a Parser: at most
/// max_line_bytes of a line are held, a longer line's rest is skipped unread
/// into memory, and reading stops past max_list_bytes.
HashList parse_lines(const std::string& name, const ParseOptions& o, std::string_view memory,
                     detail::ByteSource* src) {
  detail::LineReaderOptions lo;
  lo.max_line_bytes = o.max_line_bytes;
  lo.max_total_bytes = o.max_list_bytes;
  Parser p(name, o);
  auto run = [&](detail::LineReader& r) {
    detail::Line l;
    while (r.next(l)) {
      if (l.too_long)
        p.too_long(l.number);
      else
        p.line(l.text, l.number);
    }
    if (r.total_exceeded()) too_large(name, o.max_list_bytes, o.max_list_bytes, true);
    return p.finish(r.lines());
  };
  if (src != nullptr) {
    detail::LineReader r(*src, lo);
    return run(r);
  }
  detail::LineReader r(memory, lo);
  return run(r);
}

}  // namespace

HashList parse_list_string(std::string_view text, const std::string& name, const ParseOptions& options) {
  if (options.max_list_bytes != 0 && text.size() > options.max_list_bytes)
    too_large(name, text.size(), options.max_list_bytes, false);
  return parse_lines(name, options, text, nullptr);
}

HashList parse_list_stream(std::istream& in, const std::string& name, const ParseOptions& options) {
  detail::StreamSource src(in, name);
  return parse_lines(name, options, {}, &src);
}

HashList parse_list_file(const std::string& path, const ParseOptions& options, const std::string& name) {
  std::string n = name;
  if (n.empty()) {
    const auto slash = path.find_last_of('/');
    n = slash == std::string::npos ? path : path.substr(slash + 1);
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorCode::io_error, path + ": cannot open list file: " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Error(ErrorCode::io_error, path + ": cannot stat list file: " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw Error(ErrorCode::io_error, path + ": is a directory, not a list file");
  // A regular file's size is known: refuse it before reading a byte.
  if (S_ISREG(st.st_mode) && options.max_list_bytes != 0 &&
      static_cast<std::uint64_t>(st.st_size) > options.max_list_bytes)
    too_large(n, static_cast<std::uint64_t>(st.st_size), options.max_list_bytes, false);
  detail::FdSource src(fd, path);  // the reader also counts bytes: pipes and files that grow
  return parse_lines(n, options, {}, &src);
}

}  // namespace pdqguard
