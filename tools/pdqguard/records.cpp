#include "records.hpp"

#include <cstdio>
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
std::string dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}
}  // namespace

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
  if (r.kind == InputKind::file) j["path"] = r.path;
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
    for (const Match& h : r.hits)
      m.push_back(nlohmann::ordered_json{{"list", h.list},
                                         {"id", h.id},
                                         {"label", h.label},
                                         {"hash", h.hash.to_hex()},
                                         {"distance", h.distance},
                                         {"variant", dihedral_name(h.variant)}});
    j["matches"] = std::move(m);
  }
  return j;
}

std::string render_jsonl(const Record& r) { return dump(to_json(r)) + "\n"; }

std::string csv_header(bool matching) {
  std::string h = "input,format,width,height,hash,quality,too_small";
  if (matching) h += ",low_quality,match_count,best_list,best_id,best_label,best_distance,best_variant,matches";
  return h + ",error,message\n";
}

std::string render_csv(const Record& r) {
  std::string s = csv_field(key_of(r)) + ",";
  if (r.ok) {
    s += std::string(r.format ? r.format : "") + "," + std::to_string(r.width) + "," +
         std::to_string(r.height) + "," + r.result.hash.to_hex() + "," +
         (r.has_quality ? std::to_string(r.result.quality) : "") + "," +
         (r.result.too_small ? "1" : "0");
  } else {
    s += ",,,,,";
  }
  if (r.matching) {
    s += ",";
    s += r.ok ? (r.low_quality ? "1" : "0") : "";
    s += "," + (r.ok ? std::to_string(r.hits.size()) : std::string());
    if (!r.hits.empty()) {
      const Match* best = &r.hits[0];
      for (const Match& h : r.hits)
        if (h.distance < best->distance) best = &h;
      s += "," + csv_field(best->list) + "," + csv_field(best->id) + "," + csv_field(best->label) +
           "," + std::to_string(best->distance) + "," + dihedral_name(best->variant);
      std::string all;
      for (const Match& h : r.hits) {
        if (!all.empty()) all += ';';
        all += h.list + "/" + h.id + ":" + std::to_string(h.distance) + ":" + dihedral_name(h.variant);
      }
      s += "," + csv_field(all);
    } else {
      s += ",,,,,,";
    }
  }
  s += "," + csv_field(r.error) + "," + csv_field(r.message) + "\n";
  return s;
}

std::string render_table(const Record& r) {
  std::string s = key_of(r) + ": ";
  if (!r.ok) return s + "ERROR " + r.error + ": " + r.message + "\n";
  if (r.matching && !r.hits.empty()) {
    s += "FOUND";
    for (const Match& h : r.hits) {
      s += " [" + h.list + "/" + h.id;
      if (!h.label.empty()) s += " \"" + h.label + "\"";
      s += " distance " + std::to_string(h.distance);
      if (h.variant != Dihedral::original) s += std::string(" ") + dihedral_name(h.variant);
      s += "]";
    }
    return s + "\n";
  }
  if (r.matching && r.low_quality) s += "LOW-QUALITY (not matched)";
  else s += "OK";
  s += " " + r.result.hash.to_hex();
  if (r.has_quality) s += " q=" + std::to_string(r.result.quality);
  if (r.kind != InputKind::hash_line) s += " " + std::to_string(r.width) + "x" + std::to_string(r.height);
  return s + "\n";
}

void write_line(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

}  // namespace pdqguard::cli
