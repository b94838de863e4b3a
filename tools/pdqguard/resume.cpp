#include "resume.hpp"

#include <pdqguard/error.hpp>

#include <nlohmann/json.hpp>
#include <xxhash.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <unistd.h>

namespace pdqguard::cli {

std::uint64_t resume_key(InputKind kind, const std::string& path, std::int64_t number) {
  std::string k;
  switch (kind) {
    case InputKind::file: k = "p:" + path; break;
    case InputKind::frame: k = "f:" + std::to_string(number); break;
    case InputKind::hash_line: k = "l:" + std::to_string(number); break;
  }
  return XXH3_64bits(k.data(), k.size());
}

bool ResumeSet::contains(InputKind kind, const std::string& path, std::int64_t number) const {
  return !keys.empty() && keys.count(resume_key(kind, path, number)) != 0;
}

ResumeSet load_resume(const std::string& path) {
  ResumeSet rs;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    if (errno == ENOENT) return rs;
    throw Error(ErrorCode::io_error, path + ": cannot open for --resume: " + std::strerror(errno));
  }
  std::string line;
  long long good_end = 0, pos = 0;
  int c;
  auto take = [&](const std::string& l) {
    nlohmann::json j = nlohmann::json::parse(l, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      ++rs.unreadable;
      return;
    }
    std::optional<std::string> file;
    if (j.contains("path")) file = path_from_json(j["path"]);  // exact bytes (records.hpp)
    if (file)
      rs.keys.insert(resume_key(InputKind::file, *file, 0));
    else if (j.contains("frame") && j["frame"].is_number_integer())
      rs.keys.insert(resume_key(InputKind::frame, "", j["frame"].get<std::int64_t>()));
    else if (j.contains("line") && j["line"].is_number_integer())
      rs.keys.insert(resume_key(InputKind::hash_line, "", j["line"].get<std::int64_t>()));
    else {
      ++rs.unreadable;
      return;
    }
    ++rs.records;
  };
  while ((c = getc_unlocked(f)) != EOF) {
    ++pos;
    if (c == '\n') {
      take(line);
      line.clear();
      good_end = pos;
    } else {
      line.push_back(static_cast<char>(c));
    }
  }
  const bool err = std::ferror(f);
  std::fclose(f);
  if (err) throw Error(ErrorCode::io_error, path + ": read failed for --resume");
  if (!line.empty()) {
    rs.torn_tail = true;
    if (truncate(path.c_str(), good_end) != 0)
      throw Error(ErrorCode::io_error, path + ": cannot cut the torn last line: " + std::strerror(errno));
  }
  return rs;
}

}  // namespace pdqguard::cli
