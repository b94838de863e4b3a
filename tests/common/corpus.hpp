// Test helpers: the shared reference corpus (../shared/corpus) and its CSVs.
#pragma once

#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace pdqguard::test {

/// Absolute path of the shared corpus folder (set by CMake).
inline std::string corpus_dir() { return PDQGUARD_CORPUS_DIR; }

/// One CSV row as column name -> value.
using Row = std::map<std::string, std::string>;

/// Splits one CSV line (RFC 4180 quoting, no embedded newlines).
inline std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

/// Reads a CSV with a header row.
inline std::vector<Row> read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = split_csv_line(line);
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> cells = split_csv_line(line);
    Row r;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) r[header[i]] = cells[i];
    rows.push_back(std::move(r));
  }
  return rows;
}

/// The expected.csv column of each dihedral variant, in Dihedral order.
inline const char* const kDihedralColumns[8] = {
    "dih_original", "dih_rot90", "dih_rot180",    "dih_rot270",
    "dih_flipx",    "dih_flipy", "dih_flipplus1", "dih_flipminus1"};

}  // namespace pdqguard::test
