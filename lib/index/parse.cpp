// Hash list parsers: plain hex lines, CSV/TSV with a header, python-threatexchange files.
#include <pdqguard/index.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <istream>
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

/// Splits one CSV/TSV record (RFC 4180 quotes, no embedded newlines).
bool split_record(std::string_view line, char delim, std::vector<std::string>& out, std::string& why) {
  out.clear();
  std::size_t i = 0;
  const std::size_t n = line.size();
  while (true) {
    std::string field;
    // skip leading spaces before a quote
    std::size_t j = i;
    while (j < n && line[j] == ' ' && delim != ' ') ++j;
    if (j < n && line[j] == '"') {
      i = j + 1;
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
        return false;
      }
      while (i < n && line[i] != delim) {
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
          why = "text after a closing quote";
          return false;
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
  return true;
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
      problem(lineno, "NUL byte in line (binary data?)", false);
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
    problem(lineno,
            "line longer than " + std::to_string(opt_.max_line_bytes) + " bytes (max_line_bytes): not a hash list line",
            false);
  }

  HashList finish(std::size_t lines) {
    list_.lines = lines;
    return std::move(list_);
  }

 private:
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
    if (!split_record(t, delim, fields, why)) return false;
    Hash256 h;
    std::string w2;
    if (!fields.empty() && parse_hash_field(fields[0], h, w2)) return false;  // data: plain
    // Is it a header naming a hash column?
    int hash_col = -1, hash_rank = 100;
    static const char* kHashNames[] = {"hash", "pdq", "pdq_hash", "signal", "signal_value", "hash_value"};
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const std::string n = lower(trim(fields[i]));
      for (int k = 0; k < 6; ++k)
        if (n == kHashNames[k] && k < hash_rank) {
          hash_rank = k;
          hash_col = static_cast<int>(i);
        }
      auto is = [&](std::initializer_list<const char*> names) {
        return std::any_of(names.begin(), names.end(), [&](const char* s) { return n == s; });
      };
      if (is({"id", "indicator_id", "entry_id", "content_id", "signal_id"}) && id_col_ < 0) id_col_ = static_cast<int>(i);
      if (is({"label", "labels", "category", "tags"}) && label_col_ < 0) label_col_ = static_cast<int>(i);
      if (is({"quality"}) && quality_col_ < 0) quality_col_ = static_cast<int>(i);
      if (is({"list", "list_name", "bank", "bank_name"}) && list_col_ < 0) list_col_ = static_cast<int>(i);
      if (is({"signal_type", "type"}) && type_col_ < 0) type_col_ = static_cast<int>(i);
    }
    if (hash_col < 0) {
      // Looks like a header (first field is not a hash) but names no hash column.
      throw Error(ErrorCode::list_parse_error,
                  list_.name + ":" + std::to_string(lineno) +
                      ": header row names no hash column (expected one of hash, pdq, pdq_hash, signal, "
                      "signal_value, hash_value)");
    }
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
           std::size_t lineno) {
    ListEntry e;
    e.hash = h;
    e.id = id.empty() ? std::to_string(lineno) : std::move(id);
    e.label = std::move(label);
    e.list = std::move(list);
    e.quality = quality;
    e.line = lineno;
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

  void csv_line(std::string_view line, std::size_t lineno) {
    std::string why;
    if (!split_record(line, delim_, fields_, why)) {
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
    add(h, std::string(col(id_col_)), std::string(col(label_col_)), std::string(col(list_col_)), q, lineno);
  }

  ParseOptions opt_;
  HashList list_;
  bool decided_ = false;
  char delim_ = ',';
  int hash_col_ = -1, id_col_ = -1, label_col_ = -1, quality_col_ = -1, list_col_ = -1, type_col_ = -1;
  std::vector<std::string> fields_;
};


[[noreturn]] void too_large(const std::string& name, std::uint64_t size, std::uint64_t limit, bool at_least) {
  throw Error(ErrorCode::file_too_large, name + ": list is " + (at_least ? "more than " : "") + std::to_string(size) +
                                             " bytes, above the limit of " + std::to_string(limit) +
                                             " bytes (max_list_bytes)");
}

/// Splits a byte stream into lines for a Parser, holding at most max_line_bytes
/// (+1 for a '\r') of one line: the rest of a longer line is skipped unread into
/// memory, so a hostile line of any length costs time, never memory.
class LineFeeder {
 public:
  LineFeeder(Parser& p, const std::string& name, const ParseOptions& o) : p_(p), name_(name), opt_(o) {}

  /// The next `n` bytes of the stream.
  void feed(const char* b, std::size_t n) {
    total_ += n;
    if (opt_.max_list_bytes != 0 && total_ > opt_.max_list_bytes) too_large(name_, opt_.max_list_bytes, opt_.max_list_bytes, true);
    const char* end = b + n;
    while (b < end) {
      const char* nl = static_cast<const char*>(std::memchr(b, '\n', static_cast<std::size_t>(end - b)));
      const char* seg_end = nl ? nl : end;
      const std::size_t seg = static_cast<std::size_t>(seg_end - b);
      if (!overflow_) {
        if (nl && cur_.empty() && fits(seg)) {
          emit(std::string_view(b, seg));  // the whole line is in the buffer: no copy
        } else if (fits(cur_.size() + seg)) {
          cur_.append(b, seg);
          if (nl) emit(cur_);
        } else {
          overflow_ = true;  // reported now (strict mode stops reading here)
          cur_.clear();
          p_.too_long(lineno_ + 1);
        }
      }
      if (nl) {
        if (overflow_) ++lineno_;
        overflow_ = false;
        cur_.clear();
      }
      b = nl ? nl + 1 : end;
    }
  }

  HashList finish() {
    if (overflow_) ++lineno_;
    else if (!cur_.empty()) emit(cur_);
    return p_.finish(lineno_);
  }

 private:
  bool fits(std::size_t n) const { return opt_.max_line_bytes == 0 || n <= opt_.max_line_bytes + 1; }
  void emit(std::string_view line) {
    ++lineno_;
    if (lineno_ == 1 && line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
    p_.line(line, lineno_);
  }

  Parser& p_;
  const std::string& name_;
  const ParseOptions& opt_;
  std::string cur_;
  std::uint64_t total_ = 0;
  std::size_t lineno_ = 0;
  bool overflow_ = false;
};

constexpr std::size_t kChunk = 1 << 16;

}  // namespace

HashList parse_list_string(std::string_view text, const std::string& name, const ParseOptions& options) {
  if (options.max_list_bytes != 0 && text.size() > options.max_list_bytes)
    too_large(name, text.size(), options.max_list_bytes, false);
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  Parser p(name, options);
  std::size_t pos = 0, lineno = 0;
  while (pos < text.size()) {
    std::size_t e = text.find('\n', pos);
    if (e == std::string_view::npos) e = text.size();
    p.line(text.substr(pos, e - pos), ++lineno);
    pos = e + 1;
  }
  return p.finish(lineno);
}

HashList parse_list_stream(std::istream& in, const std::string& name, const ParseOptions& options) {
  Parser p(name, options);
  LineFeeder f(p, name, options);
  std::vector<char> buf(kChunk);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const std::streamsize got = in.gcount();
    if (got <= 0) break;
    f.feed(buf.data(), static_cast<std::size_t>(got));
  }
  if (in.bad()) throw Error(ErrorCode::io_error, name + ": read error");
  return f.finish();
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
  Parser p(n, options);
  LineFeeder f(p, n, options);  // also counts bytes: pipes and files that grow
  std::vector<char> buf(kChunk);
  for (;;) {
    const ssize_t r = ::read(fd, buf.data(), buf.size());
    if (r < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorCode::io_error, path + ": read error: " + std::strerror(errno));
    }
    if (r == 0) break;
    f.feed(buf.data(), static_cast<std::size_t>(r));
  }
  return f.finish();
}

}  // namespace pdqguard
