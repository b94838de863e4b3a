// Test helpers: where the reference data lives, and its CSVs.
//
// Two data sets have the same layout (images/ + expected.csv, raw/ + raw/expected.csv):
//  - the golden set tests/data/, committed: a small subset of the corpus with its rows
//    copied unchanged (tests/data/README.md);
//  - the full shared corpus, PDQGUARD_SHARED_DIR/corpus (default ../shared/corpus),
//    which is not part of the repository.
// A suite reads the golden set, so a clone of the repository alone runs it. Its
// `*_corpus` CTest entry runs the same suite with PDQGUARD_TEST_DATA=corpus on the full
// corpus, and test_main.cpp exits 77 (CTest: skipped) when that folder is absent.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace pdqguard::test {

/// True when this run reads the full shared corpus (PDQGUARD_TEST_DATA=corpus).
inline bool full_corpus() {
  const char* v = std::getenv("PDQGUARD_TEST_DATA");
  return v != nullptr && std::string(v) == "corpus";
}

/// Absolute path of the full shared corpus folder (set by CMake; may not exist).
inline std::string full_corpus_dir() { return PDQGUARD_CORPUS_DIR; }

/// Absolute path of the data this run reads: the full corpus or tests/data.
inline std::string corpus_dir() {
  return full_corpus() ? full_corpus_dir() : std::string(PDQGUARD_SOURCE_DIR) + "/tests/data";
}

/// For test cases that need files or counts only the full corpus has: true on the full
/// corpus; on the golden set false, with a message (the `*_corpus` entry runs them).
/// Use as `if (!test::needs_full_corpus()) return;`.
inline bool needs_full_corpus() {
  if (full_corpus()) return true;
  MESSAGE("needs the full shared corpus: runs in the *_corpus CTest entry");
  return false;
}

/// Path under images/ of a JPEG whose EXIF orientation tag is `o` (1, 3, 6 or 8): the
/// corpus's 4032x3024 phone photos, or in tests/data shrink-a-lot.jpg (orientation 1)
/// and its copies with only that tag changed.
inline std::string exif_image(int o) {
  if (full_corpus()) return "reg-test-input/exif-rotn/exif-rotn-" + std::to_string(o) + ".jpg";
  if (o == 1) return "bridge-mods/shrink-a-lot.jpg";
  return "derived/exif-rotn/shrink-a-lot-orientation-" + std::to_string(o) + ".jpg";
}

/// Rows of expected.csv with a hash (JPEG/PNG that decode): 44 in the corpus, 14 in tests/data.
inline int hashed_images() { return full_corpus() ? 44 : 14; }

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
