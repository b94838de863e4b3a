#include "records.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <unistd.h>

namespace pdqguard::cli {

namespace {
std::string key_of(const Record& r) {
  switch (r.kind) {
    case InputKind::frame: return "frame " + std::to_string(r.number);
    case InputKind::hash_line: return "line " + std::to_string(r.number);
    default: return r.path;
  }
}
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(const std::string& in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int k = 18; k >= 0; k -= 6) out += kB64[(v >> k) & 63];
  }
  if (i < in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    if (i + 1 < in.size()) v |= (unsigned char)in[i + 1] << 8;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> unbase64(const std::string& in) {
  if (in.size() % 4) return std::nullopt;
  std::string out;
  unsigned v = 0;
  int bits = 0;
  std::size_t pad = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '=') {
      if (i + 2 < in.size()) return std::nullopt;
      ++pad;
      continue;
    }
    if (pad) return std::nullopt;
    const char* p = c ? std::strchr(kB64, c) : nullptr;
    if (!p) return std::nullopt;
    v = (v << 6) | unsigned(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xff);
    }
  }
  return out;
}

/// Length of the well-formed UTF-8 sequence at s[i], or 0 if the byte there starts none.
std::size_t utf8_len(const std::string& s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned c = b(i);
  if (c < 0x80) return 1;
  std::size_t n;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // at most U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

/// A CSV cell: text cells that a spreadsheet would take as a formula (starting with
/// = + - @ tab or CR) get a leading ' (OWASP's advice), and so do cells already
/// starting with ' (so removing one leading ' always gives the text back: a file
/// named '=x is not confused with one named =x); then RFC 4180 quoting.
std::string csv_text(const std::string& raw) {
  std::string s = raw;
  if (!s.empty() && s[0] && std::strchr("=+-@\t\r'", s[0])) s.insert(s.begin(), '\'');
  return csv_field(s);
}

std::string dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}
}  // namespace

bool is_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_len(s, i);
    if (!n) return false;
    i += n;
  }
  return true;
}

nlohmann::ordered_json path_json(const std::string& path) {
  if (is_utf8(path)) return path;
  return nlohmann::ordered_json{{"bytes", base64(path)}};
}

std::optional<std::string> path_from_json(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_object() && j.size() == 1 && j.contains("bytes") && j["bytes"].is_string())
    return unbase64(j["bytes"].get<std::string>());
  return std::nullopt;
}

std::string escape_text(const std::string& s, bool escape_controls) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_len(s, i);
    const auto c = static_cast<unsigned char>(s[i]);
    if (!n) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      ++i;
      continue;
    }
    if (c == '\\') {
      out += "\\\\";
    } else if (escape_controls && (c < 0x20 || c == 0x7f)) {
      if (c == '\n') out += "\\n";
      else if (c == '\r') out += "\\r";
      else if (c == '\t') out += "\\t";
      else {
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    } else if (escape_controls && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) {
      const auto d = static_cast<unsigned char>(s[i + 1]);  // C1 control U+0080..U+009F
      out += "\\u{";
      out += kHex[d >> 4];
      out += kHex[d & 15];
      out += '}';
    } else {
      out.append(s, i, n);
    }
    i += n;
  }
  return out;
}

Record error_of(InputKind kind, const std::string& path, std::int64_t number, const char* code,
                const std::string& message) {
  Record r;
  r.kind = kind;
  r.path = path;
  r.number = number;
  r.error = code;
  r.message = message;
  return r;
}

nlohmann::ordered_json to_json(const Record& r) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (r.kind == InputKind::file) j["path"] = path_json(r.path);
  if (r.kind == InputKind::frame) j["frame"] = r.number;
  if (r.kind == InputKind::hash_line) j["line"] = r.number;
  if (!r.ok) {
    j["error"] = r.error;
    j["message"] = r.message;
    return j;
  }
  if (r.format) j["format"] = r.format;
  j["hash"] = r.result.hash.to_hex();
  if (r.has_quality) j["quality"] = r.result.quality;
  if (r.kind != InputKind::hash_line) {
    j["width"] = r.width;
    j["height"] = r.height;
  }
  if (r.timestamp >= 0) j["timestamp"] = r.timestamp;
  if (r.frames_hashed >= 0) j["frames_hashed"] = r.frames_hashed;
  if (r.duration >= 0) j["duration"] = r.duration;
  if (r.scale_denom > 1) j["scale"] = "1/" + std::to_string(r.scale_denom);
  if (r.exif_orientation) j["exif_orientation"] = r.exif_orientation;
  if (r.result.too_small) j["too_small"] = true;
  if (!r.warnings.empty()) j["warnings"] = r.warnings;
  if (r.print_dihedral && r.dihedral) {
    nlohmann::ordered_json d = nlohmann::ordered_json::object();
    for (int i = 0; i < 8; ++i)
      d[dihedral_name(static_cast<Dihedral>(i))] = r.dihedral->hashes[static_cast<std::size_t>(i)].to_hex();
    j["dihedral"] = std::move(d);
  }
  if (r.matching) {
    if (r.low_quality) j["low_quality"] = true;
    nlohmann::ordered_json m = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < r.hits.size(); ++i) {
      const Match& h = r.hits[i];
      nlohmann::ordered_json e{{"list", h.list},
                               {"id", h.id},
                               {"label", h.label},
                               {"hash", h.hash.to_hex()},
                               {"distance", h.distance},
                               {"variant", dihedral_name(h.variant)}};
      if (i < r.hit_frames.size()) {
        e["frame"] = r.hit_frames[i].frame;
        e["timestamp"] = r.hit_frames[i].timestamp;
      }
      m.push_back(std::move(e));
    }
    j["matches"] = std::move(m);
  }
  if (r.video_matching && r.frames_hashed >= 0) {
    nlohmann::ordered_json m = nlohmann::ordered_json::array();
    for (const auto& v : r.video_matches)
      m.push_back(nlohmann::ordered_json{{"list", path_json(v.list)},
                                         {"id", v.id},
                                         {"query_percent", v.score.query_percent},
                                         {"target_percent", v.score.target_percent},
                                         {"query_frames", v.score.query_frames},
                                         {"target_frames", v.score.target_frames}});
    j["video_matches"] = std::move(m);
  }
  return j;
}

namespace {
/// Record::format is a static name: names read back are interned (a handful per run).
const char* intern_format(const std::string& name) {
  static std::mutex m;
  static std::set<std::string> names;
  std::lock_guard lk(m);
  return names.insert(name).first->c_str();
}
std::string text(const nlohmann::json& j, const char* k) {
  return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
}
double real(const nlohmann::json& j, const char* k, double dflt) {
  return j.contains(k) && j[k].is_number() ? j[k].get<double>() : dflt;
}
std::size_t count_of(const nlohmann::json& j, const char* k) {
  return j.contains(k) && j[k].is_number_unsigned() ? j[k].get<std::size_t>() : 0;
}
std::optional<Dihedral> dihedral_of(const std::string& name) {
  for (int i = 0; i < 8; ++i)
    if (name == dihedral_name(static_cast<Dihedral>(i))) return static_cast<Dihedral>(i);
  return std::nullopt;
}
}  // namespace

std::optional<Record> record_from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  const auto str = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
  const auto num = [&](const char* k, auto dflt) {
    return j.contains(k) && j[k].is_number_integer() ? j[k].get<decltype(dflt)>() : dflt;
  };
  Record r;
  if (j.contains("path")) {
    const auto p = path_from_json(j["path"]);
    if (!p) return std::nullopt;
    r.path = *p;
  } else if (j.contains("frame") && j["frame"].is_number_integer()) {
    r.kind = InputKind::frame;
    r.number = j["frame"].get<std::int64_t>();
  } else if (j.contains("line") && j["line"].is_number_integer()) {
    r.kind = InputKind::hash_line;
    r.number = j["line"].get<std::int64_t>();
  } else {
    return std::nullopt;
  }
  if (j.contains("error")) {
    r.error = str("error");
    r.message = str("message");
    return r;
  }
  if (!Hash256::try_from_hex(str("hash"), r.result.hash)) return std::nullopt;
  r.ok = true;
  if (j.contains("format") && j["format"].is_string()) r.format = intern_format(str("format"));
  r.has_quality = j.contains("quality");
  r.result.quality = num("quality", 0);
  r.width = num("width", 0);
  r.height = num("height", 0);
  const std::string scale = str("scale");
  if (scale.rfind("1/", 0) == 0) r.scale_denom = std::atoi(scale.c_str() + 2);
  r.exif_orientation = num("exif_orientation", 0);
  r.result.too_small = j.contains("too_small") && j["too_small"] == true;
  if (j.contains("warnings") && j["warnings"].is_array())
    for (const auto& w : j["warnings"])
      if (w.is_string()) r.warnings.push_back(w.get<std::string>());
  // Multi-frame inputs (videos, --all-frames animations) and sampled raw frames.
  r.timestamp = real(j, "timestamp", -1);
  r.frames_hashed = num("frames_hashed", std::int64_t{-1});
  r.duration = real(j, "duration", -1);
  if (j.contains("matches") && j["matches"].is_array()) {
    r.matching = true;
    r.low_quality = j.contains("low_quality") && j["low_quality"] == true;
    for (const auto& m : j["matches"]) {
      if (!m.is_object()) return std::nullopt;
      Match h;
      h.list = text(m, "list");
      h.id = text(m, "id");
      h.label = text(m, "label");
      Hash256::try_from_hex(text(m, "hash"), h.hash);
      h.distance = m.contains("distance") && m["distance"].is_number_integer() ? m["distance"].get<int>() : 0;
      h.variant = dihedral_of(m.contains("variant") ? text(m, "variant") : "original").value_or(Dihedral::original);
      // A multi-frame record's match names its frame (to_json writes it for all or none).
      if (m.contains("frame") && m["frame"].is_number_integer() && r.hit_frames.size() == r.hits.size())
        r.hit_frames.push_back({m["frame"].get<std::int64_t>(), real(m, "timestamp", 0)});
      r.hits.push_back(std::move(h));
    }
    if (r.hit_frames.size() != r.hits.size()) r.hit_frames.clear();  // not to_json's: frames dropped
  }
  if (j.contains("video_matches") && j["video_matches"].is_array()) {
    r.video_matching = true;
    for (const auto& m : j["video_matches"]) {
      if (!m.is_object()) return std::nullopt;
      Record::VideoHit v;
      if (m.contains("list")) {
        const auto list = path_from_json(m["list"]);  // a --video-list file name: path_json
        if (!list) return std::nullopt;
        v.list = *list;
      }
      v.id = text(m, "id");
      v.score.query_percent = real(m, "query_percent", 0);
      v.score.target_percent = real(m, "target_percent", 0);
      v.score.query_frames = count_of(m, "query_frames");
      v.score.target_frames = count_of(m, "target_frames");
      v.score.match = true;  // only matches are written
      r.video_matches.push_back(std::move(v));
    }
  }
  return r;
}

std::string render_jsonl(const Record& r) { return dump(to_json(r)) + "\n"; }

std::string csv_header(bool matching, bool video_lists) {
  std::string h = "input,format,width,height,hash,quality,too_small";
  if (matching)
    h += ",low_quality,match_count,best_list,best_id,best_label,best_distance,best_variant,"
         "best_frame,best_timestamp,matches";
  if (video_lists) h += ",video_matches";
  return h + ",error,message\n";
}

namespace {
std::string timestamp_text(double t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", t);
  return buf;
}
}  // namespace

std::string render_csv(const Record& r, bool matching, bool video_lists) {
  const auto cell = [](const std::string& t) { return csv_text(escape_text(t, false)); };
  std::string s = cell(key_of(r)) + ",";
  if (r.ok) {
    s += std::string(r.format ? r.format : "") + "," + std::to_string(r.width) + "," +
         std::to_string(r.height) + "," + r.result.hash.to_hex() + "," +
         (r.has_quality ? std::to_string(r.result.quality) : "") + "," +
         (r.result.too_small ? "1" : "0");
  } else {
    s += ",,,,,";
  }
  if (matching) {  // the header's columns, also on error rows
    s += ",";
    s += r.ok ? (r.low_quality ? "1" : "0") : "";
    s += "," + (r.ok ? std::to_string(r.hits.size()) : std::string());
    if (!r.hits.empty()) {
      std::size_t best = 0;
      for (std::size_t i = 0; i < r.hits.size(); ++i)
        if (r.hits[i].distance < r.hits[best].distance) best = i;
      const Match& b = r.hits[best];
      s += "," + cell(b.list) + "," + cell(b.id) + "," + cell(b.label) + "," +
           std::to_string(b.distance) + "," + dihedral_name(b.variant);
      if (best < r.hit_frames.size())
        s += "," + std::to_string(r.hit_frames[best].frame) + "," +
             timestamp_text(r.hit_frames[best].timestamp);
      else
        s += ",,";
      std::string all;
      for (std::size_t i = 0; i < r.hits.size(); ++i) {
        const Match& h = r.hits[i];
        if (!all.empty()) all += ';';
        all += escape_text(h.list, false) + "/" + escape_text(h.id, false) + ":" +
               std::to_string(h.distance) + ":" + dihedral_name(h.variant);
        if (i < r.hit_frames.size()) all += "@" + std::to_string(r.hit_frames[i].frame);
      }
      s += "," + csv_text(all);
    } else {
      s += ",,,,,,,,";
    }
  }
  if (video_lists) {  // list/id:query%:target% per matched listed video
    std::string all;
    for (const auto& v : r.video_matches) {
      if (!all.empty()) all += ';';
      char pct[64];
      std::snprintf(pct, sizeof pct, ":%.1f:%.1f", v.score.query_percent, v.score.target_percent);
      all += escape_text(v.list, false) + "/" + escape_text(v.id, false) + pct;
    }
    s += "," + csv_text(all);
  }
  s += "," + cell(r.error) + "," + cell(r.message) + "\n";
  return s;
}

std::string render_table(const Record& r) {
  const auto text = [](const std::string& t) { return escape_text(t, true); };
  std::string s = text(key_of(r)) + ": ";
  if (!r.ok) return s + "ERROR " + text(r.error) + ": " + text(r.message) + "\n";
  if ((r.matching && !r.hits.empty()) || !r.video_matches.empty()) {
    s += "FOUND";
    for (std::size_t i = 0; i < r.hits.size(); ++i) {
      const Match& h = r.hits[i];
      s += " [" + text(h.list) + "/" + text(h.id);
      if (!h.label.empty()) s += " \"" + text(h.label) + "\"";
      s += " distance " + std::to_string(h.distance);
      if (h.variant != Dihedral::original) s += std::string(" ") + dihedral_name(h.variant);
      if (i < r.hit_frames.size())
        s += " frame " + std::to_string(r.hit_frames[i].frame) + " at " +
             timestamp_text(r.hit_frames[i].timestamp) + " s";
      s += "]";
    }
    for (const auto& v : r.video_matches) {
      char pct[80];
      std::snprintf(pct, sizeof pct, " query %.1f %% target %.1f %%", v.score.query_percent,
                    v.score.target_percent);
      s += " [video " + text(v.list) + "/" + text(v.id) + pct + "]";
    }
    return s + "\n";
  }
  if (r.matching && r.low_quality) s += "LOW-QUALITY (not matched)";
  else s += "OK";
  s += " " + r.result.hash.to_hex();
  if (r.has_quality) s += " q=" + std::to_string(r.result.quality);
  if (r.kind != InputKind::hash_line) s += " " + std::to_string(r.width) + "x" + std::to_string(r.height);
  if (r.frames_hashed >= 0) s += " " + std::to_string(r.frames_hashed) + " frames hashed";
  return s + "\n";
}

void write_line(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace pdqguard::cli
